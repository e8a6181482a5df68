"""How a message leaves: email through Django's mail backend here; WhatsApp through the
Cloud API (``whatsapp.py``) and SMS through Twilio (``twilio.py``).

Each channel sends one outbox row and returns the provider's id for it, or raises
``TemporaryFailure`` (worth retrying later: SMTP 4xx, timeouts, HTTP 5xx, rate limits) or
``PermanentFailure`` (retrying will not help: SMTP 5xx, a refused recipient or template, a bad
token). Which class serves which channel is the ``MESSAGING_CHANNELS`` setting; the providers'
credentials come from the environment (docs/background-jobs.md).
"""

from __future__ import annotations

import base64
import json
import re
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.phone import phone_mask
from plut.foundation.core.translation import every_language, in_every_language

if TYPE_CHECKING:
    from plut.foundation.messaging.models import Message

# What a WhatsApp or SMS send says of a number whose owner stopped that channel.
OPTED_OUT = _(
    "Penerima sudah berhenti menerima pesan WhatsApp dan SMS dari portal (membalas STOP/BERHENTI)."
)


class ChannelFailure(Exception):
    """Why a send failed, kept in every language of the site (``texts``): the worker that
    raises it runs in no reader's language, and the outbox page shows it in the reader's.

    ``reason`` is a lazy translation (with ``params``), a provider's own words (a plain text,
    the same in every language), or a function that composes the text in the active language
    (called once per language).
    """

    def __init__(self, reason: str | Promise | Callable[[], str], **params: Any) -> None:
        if isinstance(reason, Promise):
            self.texts = every_language(reason, **params)
        elif isinstance(reason, str):
            self.texts = {code: reason for code, _name in settings.LANGUAGES}
        else:
            self.texts = in_every_language(reason)
        super().__init__(self.texts.get(settings.LANGUAGE_CODE, ""))


class TemporaryFailure(ChannelFailure):
    """The provider could not take the message now; the same message may succeed later."""


class PermanentFailure(ChannelFailure):
    """The provider refused the message itself (bad address, rejected content)."""


def numbers_masked(text: str) -> str:
    """A provider's own words may quote a phone number: keep it masked, as pages show one."""
    return re.sub(r"\+?\d{7,}", lambda match: phone_mask(match.group()), text)


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


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: dict[str, Any]


def http_post(url: str, *, data: bytes, headers: dict[str, str]) -> HttpAnswer:
    """POST to a provider and read its JSON answer, whatever the HTTP status.

    What never reached an answer (refused connection, timeout, a garbled reply) is a
    ``TemporaryFailure``; what the answer means is the caller's (each provider has its codes).
    """
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=settings.MESSAGING_HTTP_TIMEOUT) as reply:
            status, raw = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        # URLError covers refused connections; OSError timeouts.
        raise TemporaryFailure(type(error).__name__) from error
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if 200 <= status < 300 and not body:
        raise TemporaryFailure(f"HTTP {status} without a readable answer")
    return HttpAnswer(status, body)


def channel_for(name: str) -> MessageChannel:
    return import_string(settings.MESSAGING_CHANNELS[name])()


def channel_available(name: str, centre_id: int | None = None) -> bool:
    """Email always; SMS once Twilio is configured; WhatsApp once the national sender is, or
    (given a centre) the centre has its own number. Settings only, unless a centre's own
    number must be looked up (one query)."""
    if name == "email":
        return True
    if name == "sms":
        from plut.foundation.messaging.twilio import sms_configured

        return sms_configured()
    if name == "whatsapp":
        from plut.foundation.messaging.whatsapp import whatsapp_configured

        return whatsapp_configured(centre_id)
    return False


def contact_choose(
    *, email: str, phone: str, preferred: str, centre_id: int | None = None
) -> tuple[str, str] | None:
    """(channel, address) to reach someone, or None when there is no way.

    The preferred channel wins when it is configured and there is a phone for it; otherwise
    email; otherwise any configured phone channel. A phone whose owner wrote STOP or BERHENTI
    (on either phone channel) is used by neither.
    """
    from plut.foundation.messaging.optouts import phone_stopped

    stopped: bool | None = None  # asked once, and only if a phone channel could be used

    def usable(channel: str) -> bool:
        nonlocal stopped
        if not phone or not channel_available(channel, centre_id):
            return False
        if stopped is None:
            stopped = phone_stopped(phone)
        return not stopped

    if preferred != "email" and usable(preferred):
        return preferred, phone
    if email:
        return "email", email
    for channel in ("whatsapp", "sms"):
        if usable(channel):
            return channel, phone
    return None
