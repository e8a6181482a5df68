"""Queue a message once, send it once.

``message_queue`` writes the rendered message to the outbox inside the caller's transaction
and queues the send task after commit. ``message_deliver`` (run by the task) claims the row
with a conditional update, so a task delivered twice, or run by two workers at once, sends
once; ``messages_sweep`` (beat, every minute) re-queues what the broker never got and what a
killed worker left half-done. The design and its limits: docs/background-jobs.md.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.translation import every_language
from plut.foundation.messaging.channels import PermanentFailure, TemporaryFailure, channel_for
from plut.foundation.messaging.models import Channel, Message, MessageStatus, about_key
from plut.foundation.messaging.whatsapp_templates import template_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def user_language(user: Any) -> str:
    """The language a user reads their messages in (the site default until they choose)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _render(template: str, context: dict[str, Any], channel: str) -> tuple[str, str, str]:
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    # WhatsApp and SMS read best short: a template may offer a "_short" text for them.
    names = [f"{template}_body.txt"]
    if channel != Channel.EMAIL:
        names.insert(0, f"{template}_short.txt")
    body = render_to_string(names, context)
    html = ""
    if channel == Channel.EMAIL:
        with contextlib.suppress(TemplateDoesNotExist):
            html = render_to_string(f"{template}_body.html", context)
    return subject, body, html


class Place(Protocol):
    """Where a message belongs: a centre, as the outbox needs it (its id and province)."""

    pk: Any
    province_id: str


def message_queue(
    *,
    key: str,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    channel: str = Channel.EMAIL,
    language: str = settings.LANGUAGE_CODE,
    attachments: Sequence[Attachment] = (),
    centre: Place | None = None,
    about: models.Model | None = None,
    whatsapp_template: str = "",
    fallback_email: str = "",
) -> Message:
    """Put one message in the outbox, once, and send it after the transaction commits.

    ``key`` identifies the message for good ("booking:42:reminder-24h"): when a row with it
    exists this returns that row and queues nothing, so producers may run again and again.
    The subject and body are rendered now from ``{template}_subject.txt`` and
    ``{template}_body.txt`` (plus ``_body.html`` for email, ``_short.txt`` for WhatsApp and
    SMS when present) in ``language``. ``to`` is an email address or an E.164 phone number,
    as ``channel`` needs. ``centre`` (a ``clinics.Centre``) decides which managers and officers
    see the message in their outbox; ``about`` is the record it tells about, whose deletion
    withdraws it while unsent (``messages_about``).

    WhatsApp sends only approved templates: ``whatsapp_template`` names one in
    ``whatsapp_templates.TEMPLATES`` ("booking_confirmed"; a key it does not have raises
    ``KeyError`` here), whose versioned name and parameters, rendered here from ``context``,
    are stored on the row and sent as they are; a WhatsApp message without one fails for good
    when sent, with the reason on the outbox page. ``fallback_email`` is where a WhatsApp message that fails
    goes when no SMS provider is configured (``receipts.message_fallback_queue``).
    """
    registered = template_of(whatsapp_template) if whatsapp_template else None
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    template_name, parameters = "", []
    with translation.override(language):
        subject, body, html = _render(template, context or {}, channel)
        if channel == Channel.WHATSAPP and registered is not None:
            template_name = registered.name
            parameters = registered.render(context or {})
    message = Message(
        key=key,
        kind=kind,
        channel=channel,
        recipient=to,
        language=language,
        subject=subject[:300],
        body=body,
        html_body=html,
        attachments=[
            {
                "filename": item.filename,
                "mimetype": item.mimetype,
                "content": base64.b64encode(item.content).decode(),
            }
            for item in attachments
        ],
        centre_id=centre.pk if centre is not None else None,
        province_id=centre.province_id if centre is not None else None,
        about=about_key(about) if about is not None else "",
        template_name=template_name[:100],
        template_parameters=parameters,
        fallback_email=fallback_email if channel == Channel.WHATSAPP else "",
    )
    message.full_clean(validate_unique=False)
    try:
        # A savepoint: losing a race for the key must not spoil the caller's transaction.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return Message.objects.get(key=key)
    transaction.on_commit(lambda: message_enqueue(message_id=message.pk))
    return message


def message_enqueue(*, message_id: int, countdown: float | None = None) -> bool:
    """Hand the send task to the broker. False (and the row left for the sweep) when it is down.

    A booking must not fail because the broker does: this never raises for a broker error.
    """
    from plut.foundation.messaging.tasks import message_send

    try:
        message_send.apply_async(
            (message_id,), countdown=countdown, retry=False, queue=settings.MESSAGING_QUEUE
        )
    except Exception as error:  # kombu raises many kinds; every one means "try again later"
        logger.warning("Outbox: message %s not queued (%s)", message_id, type(error).__name__)
        return False
    # Conditional: a fast worker may already have claimed it.
    Message.objects.filter(
        pk=message_id, status__in=(MessageStatus.PENDING, MessageStatus.QUEUED)
    ).update(status=MessageStatus.QUEUED, queued_at=timezone.now())
    return True


def _claim(message_id: int, now: datetime.datetime) -> Message | None:
    """Take the row for sending, or None when it is sent, failed, or another worker holds it.

    One UPDATE ... WHERE status allows: the database lets exactly one claimant through.
    """
    claimable = (
        Q(status__in=(MessageStatus.PENDING, MessageStatus.QUEUED))
        | Q(status=MessageStatus.FAILED_TEMPORARY, next_attempt_at__lte=now)
        | Q(status=MessageStatus.SENDING, claimed_until__lt=now)
    )
    token = uuid.uuid4()
    taken = Message.objects.filter(claimable, pk=message_id).update(
        status=MessageStatus.SENDING,
        claim=token,
        claimed_until=now + datetime.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not taken:
        return None
    return Message.objects.get(pk=message_id)


def _settle(message: Message, **fields: Any) -> int:
    """Record the attempt's result; 1 when it was recorded, 0 when the claim was no longer
    ours (after a lease ran out, the successor decides: it may have sent the message)."""
    return Message.objects.filter(pk=message.pk, claim=message.claim).update(
        claimed_until=None, updated_at=timezone.now(), **fields
    )


def _fallback(message: Message) -> None:
    """A WhatsApp message that failed for good goes once more by SMS or email."""
    from plut.foundation.messaging.receipts import message_fallback_queue

    message_fallback_queue(message)


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, 2x base, 4x base ... capped at an hour."""
    return min(settings.MESSAGING_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)


def message_deliver(*, message_id: int) -> float | None:
    """Claim and send one message. Returns seconds until a retry is due, else None."""
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return None
    try:
        provider_id = channel_for(message.channel).send(message)
    except TemporaryFailure as error:
        if message.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
            failed = _settle(
                message, status=MessageStatus.FAILED_PERMANENT, last_error_texts=error.texts
            )
            if failed:
                _fallback(message)
            return None
        delay = retry_delay(message.attempts)
        _settle(
            message,
            status=MessageStatus.FAILED_TEMPORARY,
            last_error_texts=error.texts,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        )
        return delay
    except PermanentFailure as error:
        if _settle(message, status=MessageStatus.FAILED_PERMANENT, last_error_texts=error.texts):
            _fallback(message)
        return None
    _settle(
        message,
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:200],
        last_error_texts={},
    )
    return None


STOPPED_EVERY_TIME = _(
    "Pengiriman terhenti %(count)s kali sebelum selesai (pekerja berhenti atau melewati "
    "batas waktu); tidak dicoba lagi."
)


def messages_sweep(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue again what may never reach a worker otherwise. Returns how many were queued.

    - pending: the broker was down at commit time (or the process died before publishing);
    - queued long ago: the broker lost the task (a flushed Redis, a killed file-broker reader);
    - sending past its lease: the worker died mid-send;
    - failed temporarily and due: the retry task was lost.
    Extra tasks are harmless: the claim lets one through and the others find nothing to do.
    """
    now = now or timezone.now()
    # A send that died (or was killed at the time limit) on every attempt would otherwise be
    # claimed again after each lease for ever: the claim counts attempts, the sweep ends it,
    # each row with its own conditional update (a late worker may settle it first), and a
    # WhatsApp message it ends falls back like any other that failed for good.
    died = Message.objects.filter(
        status=MessageStatus.SENDING,
        claimed_until__lt=now,
        attempts__gte=settings.MESSAGING_MAX_ATTEMPTS,
    )
    reason = every_language(STOPPED_EVERY_TIME, count=settings.MESSAGING_MAX_ATTEMPTS)
    for message in died.order_by("id")[:limit]:
        ended = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claim=message.claim, claimed_until__lt=now
        ).update(
            status=MessageStatus.FAILED_PERMANENT,
            claimed_until=None,
            claim=None,
            last_error_texts=reason,
            updated_at=now,
        )
        if ended:
            _fallback(message)
    grace = now - datetime.timedelta(seconds=settings.MESSAGING_REQUEUE_AFTER_SECONDS)
    due = (
        Q(status=MessageStatus.PENDING, created_at__lt=now - datetime.timedelta(seconds=30))
        | Q(status=MessageStatus.QUEUED, queued_at__lt=grace)
        | Q(status=MessageStatus.SENDING, claimed_until__lt=now)
        | Q(status=MessageStatus.FAILED_TEMPORARY, next_attempt_at__lte=now)
    )
    ids = list(Message.objects.filter(due).order_by("id").values_list("pk", flat=True)[:limit])
    queued = 0
    for message_id in ids:
        if not message_enqueue(message_id=message_id):
            break  # the broker is still down; the next sweep tries again
        queued += 1
    return queued


def messages_purge(*, now: datetime.datetime | None = None, batch: int = 5000) -> int:
    """Delete finished messages (sent, or failed for good) older than
    ``MESSAGING_RETENTION_DAYS``: they hold recipients' phones and emails and what was said.
    Returns how many were deleted. In batches, so a first run on a large table holds no long
    lock; running it again deletes nothing more.

    Safe against re-sending: every producer queues only for what is due within days (reminders,
    agendas, nudges) or within a few months (check-ins, caught up within 3 months), far inside
    the retention, so no producer asks again for a message whose key was deleted.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MESSAGING_RETENTION_DAYS)
    finished = Message.objects.filter(
        status__in=(MessageStatus.SENT, MessageStatus.FAILED_PERMANENT), created_at__lt=cutoff
    )
    deleted = 0
    while ids := list(finished.order_by("pk").values_list("pk", flat=True)[:batch]):
        deleted += Message.objects.filter(pk__in=ids).delete()[0]
    return deleted
