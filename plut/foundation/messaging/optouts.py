"""Who asked the portal to stop writing to their phone: the opt-out list, per number and the
channel the word came on.

An owner who writes STOP or BERHENTI, on WhatsApp or by SMS (or whom Twilio reports stopped:
its opt-out event, its refusal 21610), gets no further WhatsApp or SMS from the portal: either
stop silences both phone channels (the owner does not know, or care, which gateway a reminder
would use). START or MULAI lifts the stop written on its own channel; the phone is used again
once no stop is in force on either (an owner who stopped both resumes on both; Twilio blocks
SMS to a number that stopped it until START comes by SMS anyway). The providers repeat
webhooks and do not keep their order: each word is applied only if it is newer (by the
provider's clock) than the one that set that channel's state. Nothing here logs a number.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from plut.foundation.messaging.models import OptOut

logger = logging.getLogger(__name__)


def phone_stopped(phone: str) -> bool:
    """Whether the owner of ``phone`` (E.164) asked for no more WhatsApp or SMS (one query)."""
    return bool(phone) and OptOut.objects.filter(phone=phone, active=True).exists()


def opt_outs_shown(phone: str, also: QuerySet[Any] | None = None) -> list[OptOut]:
    """The stops staff see on an owner's profile: of ``phone`` and of the numbers ``also``
    lists (a one-column ``values()`` queryset: still one query), the latest first."""
    where = Q(phone=phone) if phone else Q(pk__in=[])
    if also is not None:
        where |= Q(phone__in=also)
    return list(OptOut.objects.filter(where, active=True).order_by("-changed_at", "-id"))


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
