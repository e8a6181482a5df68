"""What providers tell us after a send: delivery receipts, replies that opt out, and the one
fallback of a WhatsApp message that did not arrive.

The webhooks (``webhooks.py``) verify the provider's signature and call these. Providers repeat
webhooks; everything here is idempotent: a receipt moves a message's delivery status forward
only (sent < delivered < read; failed ends it), an opt-out is one row per number and channel
(``optouts.py``), and a fallback is one outbox row under the key ``<key>:fallback``. Nothing
here logs a phone number or a message's text.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Collection
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from plut.foundation.core.translation import in_every_language
from plut.foundation.messaging.channels import channel_available, numbers_masked
from plut.foundation.messaging.models import (
    Channel,
    DeliveryStatus,
    Message,
    OptOutSource,
    WhatsAppSender,
)
from plut.foundation.messaging.optouts import opt_in_record, opt_out_record, phone_stopped
from plut.foundation.messaging.whatsapp import (
    OPT_OUT_CONFIRMATION,
    OPT_OUT_CONFIRMATION_TEXT,
    TEST_REFERENCE,
    sending_number_of,
)

logger = logging.getLogger(__name__)

# Replies that stop (or restart) a channel: the whole reply, any case. On WhatsApp only the
# two plain words: an owner who writes "cancel" there means their booking (the notices say
# "change or cancel it at ..."). On SMS, Twilio's own keywords (which Twilio acts on anyway,
# reporting OptOutType) and BERHENTI.
WHATSAPP_STOP_WORDS = frozenset({"STOP", "BERHENTI"})
WHATSAPP_START_WORDS = frozenset({"START", "MULAI"})
SMS_STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BERHENTI"})
SMS_START_WORDS = frozenset({"START", "UNSTOP", "MULAI"})

_RANK = {"": 0, DeliveryStatus.SENT: 1, DeliveryStatus.DELIVERED: 2, DeliveryStatus.READ: 3}


def _earlier(status: str) -> list[str]:
    """The delivery statuses ``status`` may replace: forward only; failed before delivery."""
    if status == DeliveryStatus.FAILED:
        return ["", DeliveryStatus.SENT]
    return [value for value, rank in _RANK.items() if rank < _RANK[status]]


def reply_record(
    *, phone: str, text: str, channel: str, source: str, at: datetime.datetime | None = None
) -> str:
    """Act on an owner's reply on ``channel`` if it is one of its keywords: "stop", "start",
    or "" (anything else, or a word that changed nothing: a repeat, or older than the last)."""
    word = re.sub(r"[^\w]", "", text).upper()
    stop, start = (
        (WHATSAPP_STOP_WORDS, WHATSAPP_START_WORDS)
        if channel == Channel.WHATSAPP
        else (SMS_STOP_WORDS, SMS_START_WORDS)
    )
    if word in stop:
        changed = opt_out_record(phone=phone, channel=channel, source=source, at=at)
        return "stop" if changed else ""
    if word in start:
        changed = opt_in_record(phone=phone, channel=channel, source=source, at=at)
        return "start" if changed else ""
    return ""


def delivery_record(
    *,
    channel: str,
    provider_id: str,
    status: str,
    key: str = "",
    error: str = "",
    from_number: str | None = None,
) -> bool:
    """Apply one delivery receipt. True when it changed the message.

    The message is found by the provider's id or by the outbox key (WhatsApp echoes it as
    ``biz_opaque_callback_data``; Twilio calls the status URL that names it), which a receipt
    carries even when it overtakes the worker's record of the id. ``from_number``: the
    WhatsApp number the receipt is about; the message must have gone from it. The conditional
    update lets a status move forward only, so a repeated or late receipt changes nothing; a
    failure starts the one fallback.
    """
    if status not in DeliveryStatus.values:
        return False
    match = Q(pk__in=[])
    if provider_id:
        match |= Q(provider_id=provider_id)
    if key:
        match |= Q(key=key)
    message = Message.objects.filter(match, channel=channel).first()
    if message is None:
        return False
    if from_number is not None and sending_number_of(message.centre_id) != from_number:
        logger.warning("WhatsApp receipt ignored: about a message of another number")
        return False
    now = timezone.now()
    changed = Message.objects.filter(pk=message.pk, delivery_status__in=_earlier(status)).update(
        delivery_status=status, delivery_error=error[:300], delivery_updated_at=now, updated_at=now
    )
    if changed and status == DeliveryStatus.FAILED:
        message_fallback_queue(message)
    return bool(changed)


def test_delivery_record(
    *, sender_id: str, provider_id: str, status: str, error: str, from_number: str
) -> bool:
    """A receipt of a centre's test send (``test:<sender id>``): kept on its sender, if it is
    about the last test and came for the sender's own number."""
    if status not in DeliveryStatus.values or not provider_id:
        return False
    if not re.fullmatch(r"[0-9]{1,18}", sender_id):  # a bigint primary key
        return False
    return bool(
        WhatsAppSender.objects.filter(
            pk=int(sender_id),
            phone_number_id=from_number,
            last_test_provider_id=provider_id,
            last_test_delivery__in=_earlier(status),
        ).update(
            last_test_delivery=status,
            last_test_delivery_error=error[:300],
            updated_at=timezone.now(),
        )
    )


def message_fallback_queue(message: Message) -> Message | None:
    """Send a WhatsApp message that failed once more, by SMS (when configured and the owner
    did not write STOP) or else by email (when the owner has one): one outbox row, made once.

    It carries the WhatsApp message's short text (and its subject, for email); the calendar
    invite of a booking notice is not attached. The answer to a STOP has no fallback.
    """
    from plut.foundation.messaging.services import message_enqueue

    if message.channel != Channel.WHATSAPP or message.kind == OPT_OUT_CONFIRMATION:
        return None
    if channel_available(Channel.SMS, message.centre_id) and not phone_stopped(message.recipient):
        channel, to = Channel.SMS, message.recipient
    elif message.fallback_email:
        channel, to = Channel.EMAIL, message.fallback_email
    else:
        return None
    key = f"{message.key[:190]}:fallback"
    fallback = Message(
        key=key,
        kind=message.kind,
        channel=channel,
        recipient=to,
        language=message.language,
        subject=message.subject,
        body=message.body,
        centre_id=message.centre_id,
        province_id=message.province_id,
        about=message.about,
    )
    fallback.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            fallback.save()
    except IntegrityError:
        return Message.objects.get(key=key)
    transaction.on_commit(lambda: message_enqueue(message_id=fallback.pk))
    return fallback


def opt_out_confirmation_queue(*, phone: str, reply_id: str, from_number: str) -> Message | None:
    """Answer an owner's WhatsApp STOP from the number they wrote to, saying how to resume
    (free text: within 24 hours of their message). In both languages: the reply says nothing
    of the owner's. Once per reply (Meta repeats webhooks)."""
    from plut.foundation.messaging.services import message_enqueue

    if not reply_id:
        return None
    sender = WhatsAppSender.objects.filter(phone_number_id=from_number).first()
    key = f"whatsapp:stop:{reply_id}"[:200]
    confirmation = Message(
        key=key,
        kind=OPT_OUT_CONFIRMATION,
        channel=Channel.WHATSAPP,
        recipient=phone,
        body="\n\n".join(in_every_language(lambda: str(OPT_OUT_CONFIRMATION_TEXT)).values()),
        centre_id=sender.centre_id if sender is not None else None,
    )
    try:
        with transaction.atomic():
            confirmation.save()
    except IntegrityError:
        return None
    transaction.on_commit(lambda: message_enqueue(message_id=confirmation.pk))
    return confirmation


def _whatsapp_error(status: dict[str, Any]) -> str:
    errors = status.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = first.get("code", "")
    title = numbers_masked(str(first.get("title", "")))
    return f"WhatsApp {code}: {title}".strip(": ")


def _moment(timestamp: Any) -> datetime.datetime | None:
    """Meta's ``timestamp`` (Unix seconds, as text) as an aware moment."""
    try:
        return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def whatsapp_events_record(payload: dict[str, Any], *, numbers: Collection[str]) -> tuple[int, int]:
    """Apply a Cloud API webhook (``entry[].changes[].value``): its statuses (receipts) and
    its messages (an owner's reply, STOP or BERHENTI opting out of WhatsApp). ``numbers``: the
    phone-number ids the secret that signed it may speak for; an entry about another number
    is ignored (a centre's app cannot report on another centre's messages). Returns (receipts
    applied, replies acted on)."""
    receipts = replies = 0
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field", "messages") != "messages":
                continue
            value = change.get("value") or {}
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            if number not in numbers:
                logger.warning("WhatsApp webhook entry ignored: not signed for its number")
                continue
            for status in value.get("statuses") or []:
                state = str(status.get("status", ""))
                key = str(status.get("biz_opaque_callback_data", ""))
                error = _whatsapp_error(status) if state == "failed" else ""
                if key.startswith(TEST_REFERENCE):
                    receipts += test_delivery_record(
                        sender_id=key.removeprefix(TEST_REFERENCE),
                        provider_id=str(status.get("id", "")),
                        status=state,
                        error=error,
                        from_number=number,
                    )
                    continue
                receipts += delivery_record(
                    channel=Channel.WHATSAPP,
                    provider_id=str(status.get("id", "")),
                    status=state,
                    key=key,
                    error=error,
                    from_number=number,
                )
            for reply in value.get("messages") or []:
                sender = str(reply.get("from", ""))
                if not sender.isdigit():
                    continue
                if reply.get("type") == "button":
                    button = reply.get("button") or {}
                    text = str(button.get("payload") or button.get("text") or "")
                else:
                    text = str((reply.get("text") or {}).get("body", ""))
                phone = f"+{sender}"
                done = reply_record(
                    phone=phone,
                    text=text,
                    channel=Channel.WHATSAPP,
                    source=OptOutSource.WHATSAPP,
                    at=_moment(reply.get("timestamp")),
                )
                if done == "stop":
                    opt_out_confirmation_queue(
                        phone=phone, reply_id=str(reply.get("id", "")), from_number=number
                    )
                replies += bool(done)
    return receipts, replies


# Twilio's MessageStatus values as our receipts; queued/sending/accepted/scheduled say nothing
# new. "canceled" (a scheduled message Twilio did not send) did not arrive either.
TWILIO_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


def twilio_status_record(params: dict[str, str], *, key: str = "") -> bool:
    """A StatusCallback: found by the outbox key our callback URL names, or Twilio's id."""
    given = params.get("MessageStatus", "")
    status = TWILIO_STATUSES.get(given)
    if status is None:
        return False
    code = params.get("ErrorCode", "")
    error = ""
    if status == DeliveryStatus.FAILED:
        error = f"Twilio {code}" if code else f"Twilio {given}"
    return delivery_record(
        channel=Channel.SMS,
        provider_id=params.get("MessageSid", ""),
        status=status,
        key=key,
        error=error,
    )


def twilio_reply_record(params: dict[str, str]) -> str:
    """An inbound SMS: Twilio's own opt-out handling says ``OptOutType`` (STOP, START, HELP);
    otherwise our keywords decide. Twilio gives no time of the reply: it counts as now."""
    phone = params.get("From", "")
    if not phone.startswith("+"):
        return ""
    kind = params.get("OptOutType", "").upper()
    if kind == "STOP":
        opt_out_record(phone=phone, channel=Channel.SMS, source=OptOutSource.PROVIDER)
        return "stop"
    if kind == "START":
        opt_in_record(phone=phone, channel=Channel.SMS, source=OptOutSource.PROVIDER)
        return "start"
    return reply_record(
        phone=phone, text=params.get("Body", ""), channel=Channel.SMS, source=OptOutSource.SMS
    )
