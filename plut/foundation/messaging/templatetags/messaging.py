"""What a profile shows of the outbox: whether the owner's number stopped WhatsApp or SMS."""

from __future__ import annotations

from django import template

from plut.foundation.messaging.models import OptOut
from plut.foundation.messaging.optouts import opt_outs_shown

register = template.Library()


@register.simple_tag
def phone_opt_outs(phone: str) -> list[OptOut]:
    """``{% phone_opt_outs owner.phone as opt_outs %}``: each channel the number stopped
    (``get_channel_display``, since ``changed_at``); one query when there is a phone."""
    return opt_outs_shown(phone)
