"""How a message leaves: email through Django's mail backend, WhatsApp and SMS through HTTP.

Each channel sends one outbox row and returns the provider's id for it, or raises
``TemporaryFailure`` (worth retrying later: SMTP 4xx, timeouts, HTTP 5xx/429) or
``PermanentFailure`` (retrying will not help: SMTP 5xx, HTTP 4xx). Which class serves which
channel is the ``MESSAGING_CHANNELS`` setting; the HTTP providers' address and token come from
the environment (docs/background-jobs.md).
"""

from __future__ import annotations

import base64
import json
import re
import smtplib
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from plut.foundation.messaging.models import Message


class TemporaryFailure(Exception):
    """The provider could not take the message now; the same message may succeed later."""


class PermanentFailure(Exception):
    """The provider refused the message itself (bad address, rejected content)."""


class MessageChannel(Protocol):
    def send(self, message: Message) -> str:
        """Hand ``message`` to the provider; return its id for the message (may be empty)."""


def message_id_header(key: str) -> str:
    """A Message-ID derived from the outbox key: a re-sent copy carries the same id, so mail
    systems that de-duplicate by it (most clients thread and fold them) show it once."""
    local = re.sub(r"[^A-Za-z0-9.\-]", ".", key)
    return f"<{local}@{settings.MESSAGING_MESSAGE_ID_DOMAIN}>"


class EmailChannel:
    def send(self, message: Message) -> str:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={"Message-ID": message_id_header(message.key)},
        )
        if message.html_body:
            mail.attach_alternative(message.html_body, "text/html")
        for item in message.attachments:
            mail.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"SMTP recipient refused {codes}") from error
            raise TemporaryFailure(f"SMTP recipient deferred {codes}") from error
        except smtplib.SMTPResponseException as error:
            text = f"SMTP {error.smtp_code}"
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(text) from error
            raise TemporaryFailure(text) from error
        except (smtplib.SMTPException, OSError) as error:
            # Disconnects, refused connections, timeouts: the server may be back in a minute.
            raise TemporaryFailure(type(error).__name__) from error
        return message_id_header(message.key)


class HttpChannel:
    """A generic JSON-over-HTTP provider: POST {to, body, ...} with a bearer token.

    The outbox key goes along as ``Idempotency-Key``: a provider that honours it delivers a
    message re-sent after a worker crash only once (docs/background-jobs.md, delivery guarantee).
    """

    url_setting: str
    token_setting: str
    channel: str

    def send(self, message: Message) -> str:
        url = getattr(settings, self.url_setting)
        if not url:
            raise PermanentFailure(f"{self.url_setting} is not configured")
        payload = json.dumps(
            {
                "channel": self.channel,
                "to": message.recipient,
                "body": message.body,
                "language": message.language,
                "reference": message.key,
            }
        ).encode()
        request = urllib.request.Request(
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {getattr(settings, self.token_setting)}",
                "Idempotency-Key": message.key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.MESSAGING_HTTP_TIMEOUT) as reply:
                answer = json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = f"HTTP {error.code}"
            if error.code == 429 or error.code >= 500:
                raise TemporaryFailure(text) from error
            raise PermanentFailure(text) from error
        except (urllib.error.URLError, OSError, ValueError) as error:
            # URLError covers refused connections; OSError timeouts; ValueError a garbled reply.
            raise TemporaryFailure(type(error).__name__) from error
        return str(answer.get("id", ""))


class WhatsAppChannel(HttpChannel):
    url_setting = "MESSAGING_WHATSAPP_URL"
    token_setting = "MESSAGING_WHATSAPP_TOKEN"
    channel = "whatsapp"


class SmsChannel(HttpChannel):
    url_setting = "MESSAGING_SMS_URL"
    token_setting = "MESSAGING_SMS_TOKEN"
    channel = "sms"


def channel_for(name: str) -> MessageChannel:
    return import_string(settings.MESSAGING_CHANNELS[name])()


def channel_available(name: str) -> bool:
    """Email always; WhatsApp and SMS once their provider is configured."""
    if name == "email":
        return True
    return bool(getattr(settings, f"MESSAGING_{name.upper()}_URL", ""))


def contact_choose(*, email: str, phone: str, preferred: str) -> tuple[str, str] | None:
    """(channel, address) to reach someone, or None when there is no way.

    The preferred channel wins when it is configured and there is a phone for it; otherwise
    email; otherwise any configured phone channel.
    """
    if preferred != "email" and phone and channel_available(preferred):
        return preferred, phone
    if email:
        return "email", email
    for channel in ("whatsapp", "sms"):
        if phone and channel_available(channel):
            return channel, phone
    return None
