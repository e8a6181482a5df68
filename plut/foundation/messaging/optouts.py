"""Who stopped which channel: the opt-out list, per phone number and channel.

STOP or BERHENTI on WhatsApp stops WhatsApp; on SMS (or Twilio's own opt-out, or its refusal
21610) it stops SMS; START or MULAI lifts the stop of the channel it was written on only, so
an SMS opt-out Twilio reports again never blocks WhatsApp and a WhatsApp MULAI never lifts an
SMS stop. The providers repeat webhooks and do not keep their order: each word is applied
only if it is newer (by the provider's clock) than the one that set the number's state.
Nothing here logs a phone number.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from plut.foundation.messaging.models import OptOut

logger = logging.getLogger(__name__)


def opted_out_channels(phone: str) -> set[str]:
    """The channels (``whatsapp``, ``sms``) the owner of ``phone`` stopped (one query)."""
    if not phone:
        return set()
    return set(OptOut.objects.filter(phone=phone, active=True).values_list("channel", flat=True))


def phone_opted_out(phone: str, channel: str) -> bool:
    """Whether the owner of ``phone`` (E.164) stopped ``channel``."""
    return bool(phone) and OptOut.objects.filter(phone=phone, channel=channel, active=True).exists()


def opt_outs_shown(phone: str) -> list[OptOut]:
    """The opt-outs staff see on the owner's profile: each channel the number stopped, the
    latest first."""
    if not phone:
        return []
    return list(OptOut.objects.filter(phone=phone, active=True).order_by("-changed_at", "-id"))


def _state_set(
    *, phone: str, channel: str, source: str, active: bool, at: datetime.datetime | None
) -> bool:
    """Set the number's state on the channel, unless a newer word already set it. True when
    the state changed."""
    at = at or timezone.now()
    row, created = OptOut.objects.get_or_create(
        phone=phone,
        channel=channel,
        defaults={"source": source, "active": active, "changed_at": at},
    )
    if created:
        return active  # a first START records its time; only a first STOP changes anything
    # Conditional: a word older than the one that set the state changes nothing (a tie, the
    # same second, goes to the later arrival).
    updated = OptOut.objects.filter(pk=row.pk, changed_at__lte=at).update(
        active=active, source=source if active else row.source, changed_at=at, updated_at=at
    )
    return bool(updated) and row.active != active


def opt_out_record(
    *, phone: str, channel: str, source: str, at: datetime.datetime | None = None
) -> bool:
    """``phone`` wants no more messages on ``channel`` (as of ``at``, the provider's time of
    the reply). True when that is new."""
    changed = _state_set(phone=phone, channel=channel, source=source, active=True, at=at)
    if changed:
        logger.info("Messaging: a number opted out of %s (%s)", channel, source)
    return changed


def opt_in_record(
    *, phone: str, channel: str, source: str, at: datetime.datetime | None = None
) -> bool:
    """The owner wrote START or MULAI on ``channel``: it may reach them again. True when an
    opt-out was lifted."""
    return _state_set(phone=phone, channel=channel, source=source, active=False, at=at)
