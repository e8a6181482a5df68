"""SMS through Twilio's Programmable Messaging API (why Twilio: docs/background-jobs.md).

``POST {MESSAGING_SMS_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded,
HTTP basic auth (Account SID, Auth Token), with ``To``, ``Body``, ``MessagingServiceSid`` or
``From``, and ``StatusCallback`` (our signed delivery-status webhook, with the outbox key in
its query string: Twilio signs the whole URL, and a receipt that comes before the worker has
recorded Twilio's id still finds its message). Twilio answers
``201`` with the message's ``sid``, or an error ``{"code", "message", "more_info", "status"}``.

Another provider is another small class with ``send(message) -> id`` named in
``MESSAGING_CHANNELS["sms"]``: ``SmsChannel.submit`` is the only part that speaks Twilio.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plut.foundation.messaging.channels import (
    OPTED_OUT,
    PermanentFailure,
    TemporaryFailure,
    http_post,
)

if TYPE_CHECKING:
    from plut.foundation.messaging.models import Message

# Twilio's "Attempt to send to unsubscribed recipient": the number replied STOP to us.
UNSUBSCRIBED = 21610
# Twilio's "Too Many Requests"; with 5xx, the errors worth retrying.
TOO_MANY_REQUESTS = 20429


REASONS = {
    20003: _("Twilio menolak kredensialnya (Account SID atau Auth Token)."),
    21211: _("Nomor penerima tidak sah."),
    21408: _("Akun Twilio belum diizinkan mengirim SMS ke negara ini."),
    21614: _("Nomor penerima bukan nomor ponsel."),
}


def sms_configured() -> bool:
    return bool(
        settings.MESSAGING_TWILIO_ACCOUNT_SID
        and settings.MESSAGING_TWILIO_AUTH_TOKEN
        and (settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID or settings.MESSAGING_SMS_FROM)
    )


def twilio_signature(url: str, params: Iterable[tuple[str, str]], token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the full URL followed by every POST parameter
    as name + value, sorted by name and, for a name given more than once, by value (each
    distinct value once), as Twilio's own validator does. ``params``: (name, value) pairs."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    data = url + "".join(
        f"{name}{value}" for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def status_callback_url(key: str) -> str:
    """Where Twilio reports a message's delivery: our webhook, naming the outbox row."""
    return (
        settings.SITE_URL
        + reverse("messaging_webhooks:twilio_status")
        + "?"
        + urllib.parse.urlencode({"key": key})
    )


class SmsChannel:
    """Opt-outs and configuration, common to any SMS provider; ``submit`` speaks to one."""

    def send(self, message: Message) -> str:
        from plut.foundation.messaging.optouts import phone_stopped

        if phone_stopped(message.recipient):
            raise PermanentFailure(OPTED_OUT)
        if not sms_configured():
            raise PermanentFailure(_("SMS belum dikonfigurasi."))
        return self.submit(to=message.recipient, body=message.body.strip(), key=message.key)

    def submit(self, *, to: str, body: str, key: str) -> str:
        """Hand one SMS to the provider; its id for the message. ``key`` is the outbox key,
        for the provider's delivery reports."""
        raise NotImplementedError


class TwilioSmsChannel(SmsChannel):
    def submit(self, *, to: str, body: str, key: str) -> str:
        from plut.foundation.messaging.optouts import opt_out_record

        sid = settings.MESSAGING_TWILIO_ACCOUNT_SID
        form = {"To": to, "Body": body, "StatusCallback": status_callback_url(key)}
        if settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID:
            form["MessagingServiceSid"] = settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID
        else:
            form["From"] = settings.MESSAGING_SMS_FROM
        credentials = f"{sid}:{settings.MESSAGING_TWILIO_AUTH_TOKEN}".encode()
        answer = http_post(
            f"{settings.MESSAGING_SMS_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {base64.b64encode(credentials).decode()}",
            },
        )
        if 200 <= answer.status < 300:
            return str(answer.body.get("sid", ""))
        code = answer.body.get("code")
        reason = f"Twilio {code or answer.status}"
        if answer.status >= 500 or answer.status == 429 or code == TOO_MANY_REQUESTS:
            raise TemporaryFailure(reason)
        if code == UNSUBSCRIBED:
            # The owner sent STOP to the SMS number (Twilio keeps its own list): mirror it, so
            # the portal stops writing to that phone on either channel.
            opt_out_record(phone=to, channel="sms", source="provider")
            raise PermanentFailure(OPTED_OUT)
        known = REASONS.get(code) if isinstance(code, int) else None
        if known is None:
            raise PermanentFailure(reason)
        raise PermanentFailure(lambda: f"{reason}: {known}")
