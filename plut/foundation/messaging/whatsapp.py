"""WhatsApp through Meta's WhatsApp Business Platform (Cloud API).

A message is a template message (``whatsapp_templates.py``) posted to
``{MESSAGING_WHATSAPP_API_URL}/{version}/{phone-number-id}/messages`` with the sender's bearer
token. The sender is the centre's own number when it has one (``WhatsAppSender``), otherwise
the national one (``MESSAGING_WHATSAPP_PHONE_NUMBER_ID`` / ``_TOKEN``). The outbox key goes
along as ``biz_opaque_callback_data``, which Meta returns in every status webhook: a receipt
finds its message even before the worker has recorded the provider's id.

The Cloud API has no idempotency key: a message re-sent after a worker died in the window
between Meta's answer and the outbox's record reaches the owner twice (docs/background-jobs.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.translation import in_reader_language
from plut.foundation.messaging.channels import (
    OPTED_OUT,
    HttpAnswer,
    PermanentFailure,
    TemporaryFailure,
    http_post,
    numbers_masked,
)
from plut.foundation.messaging.secrets import SecretMissing, secret_read
from plut.foundation.messaging.whatsapp_templates import TEST_TEMPLATE, template_language

if TYPE_CHECKING:
    from plut.foundation.messaging.models import Message, WhatsAppSender

# Error codes (Cloud API "error.code") worth trying again later: rate limits (130429 the
# number's throughput, 131056 too many to one user, 4/80007 the app's or account's limits),
# Meta's own trouble (1, 2, 131000, 131016, 133004), and spam limits (131048) which lift.
TEMPORARY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})

# What staff read on the outbox page for the codes a centre meets (in the reader's language).
REASONS: dict[int, Promise] = {
    190: _(
        "Token akses WhatsApp kedaluwarsa atau tidak sah: setiap pesan WhatsApp dari nomor ini "
        "gagal sampai tokennya diperbarui. Buat token permanen (system user) di Meta Business "
        "Settings, pasang di server, lalu kirim pesan uji dari halaman WhatsApp PLUT."
    ),
    100: _("WhatsApp menolak isi permintaan (parameter tidak sah)."),
    130429: _("Batas kecepatan kirim WhatsApp tercapai; dicoba lagi nanti."),
    131026: _("Pesan tidak dapat diantar: nomor ini mungkin tidak memakai WhatsApp."),
    131030: _("Nomor penerima belum ada di daftar nomor uji aplikasi WhatsApp ini."),
    131047: _(
        "Lebih dari 24 jam sejak pemilik terakhir menulis: hanya templat yang boleh dikirim."
    ),
    131051: _("Jenis pesan ini tidak didukung WhatsApp."),
    132000: _("Jumlah parameter tidak cocok dengan templat yang disetujui."),
    132001: _("Templat ini belum ada atau belum disetujui Meta untuk bahasa ini."),
    132007: _("Templat melanggar kebijakan Meta."),
    132015: _("Templat dijeda Meta karena mutunya rendah."),
    132016: _("Templat dinonaktifkan Meta."),
}

# The free-text answer to an owner's STOP (allowed: it is within 24 hours of their message).
OPT_OUT_CONFIRMATION = "opt-out-confirmation"
OPT_OUT_CONFIRMATION_TEXT = _(
    "Anda tidak akan menerima pesan WhatsApp dari PLUT KUMKM lagi. Balas MULAI untuk "
    "menerimanya kembali."
)
# The prefix of the test send's biz_opaque_callback_data: "test:<WhatsAppSender id>".
TEST_REFERENCE = "test:"


@dataclass(frozen=True)
class Sender:
    phone_number_id: str
    token: str


def _national() -> Sender | None:
    if settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID and settings.MESSAGING_WHATSAPP_TOKEN:
        return Sender(
            settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID, settings.MESSAGING_WHATSAPP_TOKEN
        )
    return None


def whatsapp_sender_of(centre_id: int | None, *, active: bool = False) -> WhatsAppSender | None:
    """The centre's own number (only an active one with ``active``), or None."""
    from plut.foundation.messaging.models import WhatsAppSender

    if centre_id is None:
        return None
    rows = WhatsAppSender.objects.filter(centre_id=centre_id)
    return (rows.filter(active=True) if active else rows).first()


def whatsapp_configured(centre_id: int | None = None) -> bool:
    """True when a message of this centre (or, without one, any message) has a sender."""
    return _national() is not None or whatsapp_sender_of(centre_id, active=True) is not None


def sender_of(row: WhatsAppSender) -> Sender:
    """The centre's sender with its token read now. ``PermanentFailure`` when it is missing."""
    try:
        token = secret_read(row.access_token_ref, centre_id=row.centre_id)
    except (SecretMissing, ValidationError) as error:
        raise PermanentFailure(
            _("Token WhatsApp PLUT ini tidak ditemukan di server (%(ref)s)."),
            ref=row.access_token_ref,
        ) from error
    return Sender(row.phone_number_id, token)


def sender_for(centre_id: int | None) -> Sender:
    row = whatsapp_sender_of(centre_id, active=True)
    if row is not None:
        return sender_of(row)
    national = _national()
    if national is None:
        raise PermanentFailure(_("WhatsApp belum dikonfigurasi untuk PLUT ini."))
    return national


def sending_number_of(centre_id: int | None) -> str:
    """The phone-number id a message of this centre goes from (its own number, else the
    national one): what a receipt about it must come from."""
    row = whatsapp_sender_of(centre_id, active=True)
    if row is not None:
        return row.phone_number_id
    return str(settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID)


def failure_of(answer: HttpAnswer) -> TemporaryFailure | PermanentFailure:
    """The failure a Cloud API error answer means, its reason in every language."""
    error = answer.body.get("error") or {}
    code = error.get("code") if isinstance(error, dict) else None
    temporary = answer.status >= 500 or answer.status == 429 or code in TEMPORARY_CODES
    kind = TemporaryFailure if temporary else PermanentFailure
    if not isinstance(code, int):
        return kind(f"WhatsApp HTTP {answer.status}")
    known = REASONS.get(code)
    words = numbers_masked(str(error.get("message", "")))[:200]

    def reason() -> str:
        return f"WhatsApp {code}: {gettext(str(known)) if known is not None else words}"

    return kind(reason)


def cloud_post(sender: Sender, payload: dict[str, Any]) -> str:
    """POST one message; the ``wamid`` Meta gave it, or a Temporary/PermanentFailure."""
    url = (
        f"{settings.MESSAGING_WHATSAPP_API_URL.rstrip('/')}/"
        f"{settings.MESSAGING_WHATSAPP_API_VERSION}/{sender.phone_number_id}/messages"
    )
    answer = http_post(
        url,
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {sender.token}",
        },
    )
    if 200 <= answer.status < 300:
        messages = answer.body.get("messages") or [{}]
        return str(messages[0].get("id", ""))
    raise failure_of(answer)


def template_payload(
    *, to: str, name: str, language: str, parameters: list[str], reference: str = ""
) -> dict[str, Any]:
    """A template message as the Cloud API documents it."""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": value} for value in parameters],
            }
        ]
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": template,
    }
    if reference:
        payload["biz_opaque_callback_data"] = reference[:512]
    return payload


def text_payload(*, to: str, body: str, reference: str = "") -> dict[str, Any]:
    """A free-text message: only within 24 hours of the owner's own message."""
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": body[:4096]},
    }
    if reference:
        payload["biz_opaque_callback_data"] = reference[:512]
    return payload


class WhatsAppChannel:
    def send(self, message: Message) -> str:
        from plut.foundation.messaging.optouts import phone_stopped

        if message.kind == OPT_OUT_CONFIRMATION:
            # The answer to the STOP itself: the one message an opted-out number still gets.
            payload = text_payload(to=message.recipient, body=message.body, reference=message.key)
            return cloud_post(sender_for(message.centre_id), payload)
        if phone_stopped(message.recipient):
            raise PermanentFailure(OPTED_OUT)
        if not message.template_name:
            raise PermanentFailure(
                _("Tidak ada templat WhatsApp untuk pesan jenis %(kind)s."), kind=message.kind
            )
        # The name and parameters stored when it was queued, as they are: a message queued
        # before a new version of its template goes out under the (still approved) old one.
        return cloud_post(
            sender_for(message.centre_id),
            template_payload(
                to=message.recipient,
                name=message.template_name,
                language=template_language(message.language),
                parameters=[str(value) for value in message.template_parameters],
                reference=message.key,
            ),
        )


def whatsapp_test_send(*, row: WhatsAppSender, to: str) -> tuple[bool, str, str]:
    """Send Meta's own ``hello_world`` template from a centre's number, now, outside the
    outbox: (taken?, the provider's answer in words, its wamid). For the manager's test
    button; its receipts come back under ``test:<row id>``."""
    try:
        sender = sender_of(row)
        wamid = cloud_post(
            sender,
            {
                "messaging_product": "whatsapp",
                "to": to.lstrip("+"),
                "type": "template",
                "template": TEST_TEMPLATE,
                "biz_opaque_callback_data": f"{TEST_REFERENCE}{row.pk}",
            },
        )
    except (TemporaryFailure, PermanentFailure) as error:
        return False, in_reader_language(error.texts), ""
    return True, gettext("Diterima WhatsApp: %(id)s") % {"id": wamid}, wamid
