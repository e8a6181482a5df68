"""The WhatsApp message templates the portal sends, as submitted to Meta for approval.

A business may write free text to a WhatsApp user only within 24 hours of the user's last
message; everything the portal starts (booking notices, reminders, survey and check-in links)
is therefore a *template* Meta approved beforehand. Each one here has a name, a version (part
of the name Meta knows: change the text, raise the version, submit it again), its category,
its body in both languages (Meta's ``id`` and ``en``) with numbered parameters, and where
each parameter comes from: a Django template expression over the message's context, rendered
in the recipient's language when the message is queued.

``manage.py whatsapp_templates`` prints them for submission (``--json``: the bodies of the
Graph API's ``message_templates`` calls). Meta refuses a body that starts or ends with a
parameter, hence the greeting and the closing words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context, Template

LANGUAGES = ("id", "en")
# One template parameter may not hold a newline, a tab or more than four spaces in a row.
_MAX_PARAMETER = 1000


@dataclass(frozen=True)
class Parameter:
    name: str
    source: str  # a Django template expression over the message's context
    example: str  # shown to Meta's reviewers


@dataclass(frozen=True)
class WhatsAppTemplate:
    key: str  # what the senders name: "booking_confirmed"
    version: int
    parameters: tuple[Parameter, ...]
    text: Mapping[str, str]  # language -> body with {{1}}, {{2}} ...
    category: str = "UTILITY"

    @property
    def name(self) -> str:
        """The name Meta knows: a new version is a new template."""
        return f"plut_{self.key}_v{self.version}"

    def render(self, context: Mapping[str, Any]) -> list[str]:
        """The parameters' values for ``context`` (in the active language)."""
        values = []
        for parameter in self.parameters:
            # Not HTML: a parameter is plain text ("&" in a link stays "&").
            text = Template("{% load i18n plut %}" + parameter.source).render(
                Context(context, autoescape=False)
            )
            # WhatsApp refuses empty parameters and line breaks inside one.
            values.append(" ".join(text.split())[:_MAX_PARAMETER] or "-")
        return values


CENTRE = Parameter("centre", "{{ booking.centre.name }}", "PLUT KUMKM Provinsi Lampung")
WHEN = Parameter(
    "when",
    "{{ booking.starts_at|in_zone:booking.centre.province.timezone }}",
    "1 Des 2026 10:00 WIB",
)
MANAGE = Parameter("link", "{{ manage_url }}", "https://plut.example.id/pesan/kelola/abc/")
ROOM_OR_MANAGE = Parameter(
    "link",
    "{% if video_link %}{{ video_link }}{% else %}{{ manage_url }}{% endif %}",
    "https://plut.example.id/pesan/kelola/abc/",
)
MODE = Parameter("mode", "{{ booking.get_mode_display }}", "Tatap muka")

TEMPLATES: dict[str, WhatsAppTemplate] = {
    t.key: t
    for t in (
        WhatsAppTemplate(
            "booking_received",
            1,
            (CENTRE, WHEN, MANAGE),
            {
                "id": "Halo, pemesanan konsultasi Anda di {{1}} untuk {{2}} sudah kami terima "
                "dan akan segera kami konfirmasi. Ubah atau batalkan di {{3}} kapan saja.",
                "en": "Hello, {{1}} has received your consultation booking for {{2}} and will "
                "confirm it soon. Change or cancel it at {{3}} at any time.",
            },
        ),
        WhatsAppTemplate(
            "booking_confirmed",
            1,
            (CENTRE, WHEN, MANAGE),
            {
                "id": "Halo, konsultasi Anda di {{1}} pada {{2}} sudah dikonfirmasi. Ubah atau "
                "batalkan di {{3}} bila perlu.",
                "en": "Hello, your consultation at {{1}} on {{2}} is confirmed. Change or "
                "cancel it at {{3}} if you need to.",
            },
        ),
        WhatsAppTemplate(
            "booking_rescheduled",
            1,
            (CENTRE, WHEN, MANAGE),
            {
                "id": "Halo, jadwal konsultasi Anda di {{1}} diubah menjadi {{2}}. Buka {{3}} "
                "untuk melihat rinciannya.",
                "en": "Hello, your consultation at {{1}} has moved to {{2}}. Open {{3}} for "
                "the details.",
            },
        ),
        WhatsAppTemplate(
            "booking_cancelled",
            1,
            (CENTRE, WHEN),
            {
                "id": "Halo, konsultasi Anda di {{1}} pada {{2}} dibatalkan. Silakan pesan lagi "
                "kapan saja.",
                "en": "Hello, your consultation at {{1}} on {{2}} has been cancelled. You are "
                "welcome to book again at any time.",
            },
        ),
        WhatsAppTemplate(
            "booking_declined",
            1,
            (CENTRE, WHEN),
            {
                "id": "Halo, mohon maaf, {{1}} tidak dapat melayani pemesanan konsultasi Anda "
                "untuk {{2}}. Silakan pilih waktu lain.",
                "en": "Hello, we are sorry: {{1}} cannot take your consultation booking for "
                "{{2}}. Please choose another time.",
            },
        ),
        # v2: no "tomorrow" or "in two hours": the 24-hour reminder may go out up to 3 hours
        # before, the 2-hour one minutes before (mentoring.services.notifications.REMINDERS).
        WhatsAppTemplate(
            "reminder_24h",
            2,
            (CENTRE, WHEN, MODE, ROOM_OR_MANAGE),
            {
                "id": "Halo, pengingat: konsultasi Anda di {{1}} pada {{2}} ({{3}}). Buka "
                "{{4}} untuk rincian atau perubahan.",
                "en": "Hello, a reminder: your consultation at {{1}} is on {{2}} ({{3}}). "
                "Open {{4}} for the details or to change it.",
            },
        ),
        WhatsAppTemplate(
            "reminder_2h",
            2,
            (CENTRE, WHEN, MODE, ROOM_OR_MANAGE),
            {
                "id": "Halo, konsultasi Anda di {{1}} segera dimulai: {{2}} ({{3}}). Buka "
                "{{4}} untuk rinciannya.",
                "en": "Hello, your consultation at {{1}} starts soon: {{2}} ({{3}}). Open "
                "{{4}} for the details.",
            },
        ),
        WhatsAppTemplate(
            "survey",
            1,
            (
                Parameter("centre", "{{ session.centre.name }}", "PLUT KUMKM Provinsi Lampung"),
                Parameter("link", "{{ url }}", "https://plut.example.id/survei/abc/"),
            ),
            {
                "id": "Terima kasih sudah berkonsultasi di {{1}}. Seberapa puas Anda? Beri "
                "nilai 1-5 di {{2}} (cukup satu menit).",
                "en": "Thank you for your consultation at {{1}}. How satisfied were you? Rate "
                "it 1-5 at {{2}} (it takes a minute).",
            },
        ),
        WhatsAppTemplate(
            "check_in",
            1,
            (
                Parameter("months", "{{ months }}", "3"),
                Parameter("link", "{{ url }}", "https://plut.example.id/kabar-usaha/abc/"),
            ),
            {
                "id": "Halo dari PLUT KUMKM. Apa kabar usaha Anda {{1}} bulan setelah "
                "konsultasi? Ceritakan di {{2}} (beberapa menit saja).",
                "en": "Hello from PLUT KUMKM. How is your business {{1}} months after your "
                "consultation? Tell us at {{2}} (it takes a few minutes).",
            },
        ),
    )
}

# Meta gives every new WhatsApp Business account this template, approved, in en_US: the
# manager's test send uses it, so a centre can check its number before its own are approved.
TEST_TEMPLATE = {"name": "hello_world", "language": {"code": "en_US"}}


def template_of(key: str) -> WhatsAppTemplate:
    """The template a sender names (``"booking_confirmed"``). A key this code does not have
    is a programming error, raised when the message is queued (``KeyError``), not a message
    that fails later."""
    try:
        return TEMPLATES[key]
    except KeyError:
        raise KeyError(f"No WhatsApp template {key!r} in whatsapp_templates.TEMPLATES") from None


def template_language(language: str) -> str:
    """Meta's language code for a message in ``language``: every template has each of
    ``LANGUAGES``; anything else is sent in the first."""
    return language if language in LANGUAGES else LANGUAGES[0]


def template_submission(template: WhatsAppTemplate, language: str) -> dict[str, Any]:
    """The body of ``POST /{WABA-ID}/message_templates`` for one language."""
    return {
        "name": template.name,
        "language": language,
        "category": template.category,
        "components": [
            {
                "type": "BODY",
                "text": template.text[language],
                "example": {"body_text": [[p.example for p in template.parameters]]},
            }
        ],
    }
