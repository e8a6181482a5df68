"""Each role's walk through the signed-in portal: from the workspace, the dashboards, the
owner's home, the privacy pages and the centre pages, every same-site link the role can
follow, in Bahasa Indonesia and in English, with DEBUG off as in production.

Two promises (issue #24): a page never offers a link its reader is refused (or that leads
nowhere), and a page never shows a database's words (a choice's stored value such as
``in_person`` or ``completed``, a field name such as ``date_joined``, a lookup such as
``centre__name``, the audit log's ``create``, a login name such as ``consultant_a`` where a
person's name belongs) where a label should be.

The words are sought as whole words, case-sensitively (a label "Selesai" or "Pending" is not
the value ``pending``), single lowercase words too, in every page's visible text in both
languages; what a word of the page's language may look like is decided per language below
(``ALLOWED``, ``_translators_words``).
"""

from __future__ import annotations

import ast
import datetime
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from clinics.models import Absence, AbsenceKind
from cooperatives.models import Cooperative, Enterprise, NikView, Person
from mentoring.models import BookingStatus, Mode
from plut.foundation.accounts.models import User
from plut.foundation.exports.models import ExportFailure, ExportJob, ExportStatus
from plut.foundation.messaging.labels import KIND_LABELS
from plut.foundation.messaging.models import Channel, DeliveryStatus, Message, MessageStatus
from plut.top.api.models import (
    ApiToken,
    ImportJob,
    ImportKind,
    ImportMode,
    ImportStatus,
    TokenRefusal,
)
from plut.top.privacy.models import ErasureRequest
from plut.top.reports.models import Report, ReportLevel, ReportStatus, report_key
from tests import crawl
from tests.conftest import World
from tests.crawl import PageParser, Walk
from tests.factories.mentoring import OutcomeFactory

pytestmark = pytest.mark.django_db

# Far above the pages a role meets in the world; reaching it means the walk runs in circles.
MAX_PAGES = 400
# Signing out (a POST form anyway, and everywhere), the language switch and the admin (its own
# tests); static and media files are left out by the crawler itself.
OFF_LIMITS = (
    "/accounts/logout/",
    "/accounts/keluar-semua/",
    "/i18n/setlang/",
    "/admin/",
)
FILE = re.compile(r"\.(csv|xlsx|pdf|ics|json)$")
# Of the pages alike but for an id (a centre's, a province's dashboard), the first few met.
PER_SHAPE = 2
ROLES = ["national", "officer_a", "manager_a", "consultant_a", "owner_a"]
# The apps whose models' words must not reach a page: the portal's own, and django-auditlog's
# (the audit trail's LogEntry: its field names and its actions' own words).
APPS = ("clinics", "cooperatives", "mentoring", "plut", "auditlog")


class ReadParser(PageParser):
    """What a reader reads as the portal's words: code and preformatted samples, and what a
    user typed (a textarea's content; an input's value is never collected) left out."""

    QUIET = ("script", "style", "code", "pre", "textarea")


def _codes() -> set[str]:
    """Every stored choice value and every field name of every concrete field of the models
    of ``APPS``, single lowercase words included (``completed``, ``whatsapp``, ``status``);
    auditlog's action words (``create``, ``update``: its stored values are numbers, and its
    labels are English words the portal does not translate, so a page showing them as they
    come shows a code in either language); the outbox's message kinds (a free field whose
    values are slugs). Not a number, nor a single character (``L``, ``P``, ``d``: initials,
    units and list marks of any text, no word to seek)."""
    codes: set[str] = set(KIND_LABELS)
    for model in apps.get_models():
        if not model.__module__.startswith(tuple(f"{app}." for app in APPS)):
            continue
        for model_field in model._meta.concrete_fields:
            codes.add(model_field.name)
            for value, label in model_field.flatchoices:
                codes.add(value)
                if model._meta.app_label == "auditlog":
                    with translation.override(None):
                        codes.add(str(label))
    return {code for code in codes if isinstance(code, str) and len(code) > 1}


# Words that are codes and also words of the page's language, each for its reason. Every code
# is sought on the Indonesian pages, where an English word or a slug is never prose: the few
# below are Indonesian words as well (loanwords included), which the portal's own Indonesian
# uses. On the English pages the words the translators wrote are English prose
# (``_translators_words``); these are the English words the Indonesian source uses too, so
# the translation kept them.
ALLOWED: dict[str, frozenset[str]] = {
    "id": frozenset(
        {
            "admin",  # "halaman admin": the Django admin, and a NIK view's channel (its label)
            "agenda",  # "agenda konsultan"; the staff's daily message is called so too
            "bank",  # "Kredit bank lain", a financing source's label
            "email",  # the portal's Indonesian word for e-mail: "alamat email", a channel
            "pemasaran",  # "marketing": a cooperative type's value is its Indonesian name
            "server",  # "dipasang di server" (KBBI: server)
            "status",  # KBBI: status; the label of every status field
            "video",  # "Daring (video)", "Konsultasi video"
        }
    ),
    "en": frozenset(
        {
            "admin",  # "the admin pages"
            "bank",  # "Other bank loan"
            "server",  # "installed on the server"
            "video",  # "Online (video)"
        }
    ),
}
# Terms quoted from another product, in its language, so the reader finds the same words
# there: Meta's name for a WhatsApp number's id, on the centre's WhatsApp page.
QUOTED = ("Phone number ID",)
# What the reader types rather than reads, the way a form's hint shows an example: a
# placeholder (``<id PLUT>``), then a reference such as ``env:NAME``, ``file:/run/…`` or
# ``https://…``.
PLACEHOLDER = re.compile(r"<[^<>\n]*>")
REFERENCE = re.compile(r"\b[a-z]+:(?:/|[A-Z])\S*")


def _read(text: str) -> str:
    """The text with what the reader types and the terms ``QUOTED`` left out."""
    for term in QUOTED:
        text = text.replace(term, " ")
    return REFERENCE.sub(" ", PLACEHOLDER.sub(" ", text))


# A code as a whole word: not inside a longer word, an address or a path (``/staff/``,
# ``nama@email.id``, ``booking-received`` inside ``x-booking-received``).
BEFORE, AFTER = r"(?<![\w@./-])", r"(?![\w@-])"
# Any ORM lookup (``centre__name``), whatever its model.
LOOKUP = r"[a-z]+(?:__[a-z_]+)+"
PO_STRING = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$')
PRINTF = re.compile(r"%\(\w+\)\w|%\w|\{\w*\}")


@cache
def _translators_words() -> frozenset[str]:
    """The words the portal's English translators wrote: of each English msgstr, the words its
    Indonesian msgid does not have.

    They are English prose by definition. A code spelled like one of them (``completed``,
    ``status``, ``name``) cannot be told from prose on an English page by its spelling; the
    same page in Indonesian, walked too, shows the same raw value among Indonesian words,
    where it is caught. What the translation keeps from the source (a slug, ``id``, a
    loanword) is not among them and stays sought in English (but ``ALLOWED``)."""
    entries: list[dict[str, str]] = []
    key = ""
    for locale in django_settings.LOCALE_PATHS:
        for line in Path(locale, "en", "LC_MESSAGES", "django.po").read_text().splitlines():
            if match := PO_STRING.match(line):
                key = match.group(1)
                if key == "msgid":
                    entries.append({})
                entries[-1][key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entries[-1][key] += ast.literal_eval(line)
            else:
                key = ""
    word = re.compile(BEFORE + r"[^\W\d_]+" + AFTER)

    def words_of(*texts: str) -> set[str]:
        return set(word.findall(_read(PRINTF.sub(" ", " ".join(texts)))))

    words: set[str] = set()
    for entry in entries:
        if not entry.get("msgid"):
            continue  # the catalogue's header
        source = words_of(entry["msgid"], entry.get("msgid_plural", ""))
        for key, text in entry.items():
            if key.startswith("msgstr"):
                words |= words_of(text) - source
    return frozenset(words)


def _login_names() -> set[str]:
    """Login names that look like code (``consultant_a``, ``kp-1-3``), of people who have a
    name to be shown instead."""
    return {
        username
        for username in User.objects.exclude(first_name="").values_list("username", flat=True)
        if re.search(r"[_-]", username) and " " not in username
    }


def _detector(language: str, login_names: Iterable[str] = ()) -> Callable[[str], set[str]]:
    """The raw words of a text on a page in ``language``: the codes (on an English page, but
    the English words, ``_translators_words``), login names and lookups, but the words
    ``ALLOWED`` in that language, the terms ``QUOTED`` and what the reader types (``_read``)."""
    sought = _codes() - ALLOWED[language]
    if language == "en":
        sought -= _translators_words()
    sought |= set(login_names)
    alternatives = [re.escape(code) for code in sorted(sought, key=len, reverse=True)]
    words = re.compile(BEFORE + "(?:" + "|".join([*alternatives, LOOKUP]) + ")" + AFTER)

    def raw(text: str) -> set[str]:
        return set(words.findall(_read(text)))

    return raw


# Where a login name is the right thing to show: the reader's own account and the copy of their
# own data, where they read the name they sign in with; a team member's page, where the manager
# reads the member's, labelled "Nama pengguna", to tell them how to sign in.
OWN_LOGIN_NAME = re.compile(
    r"/accounts/password_change/|/accounts/dua-langkah/|/privasi/data-saya/"
)
MEMBERS_LOGIN_NAME = re.compile(r"/staff/team/\d+/$")


def _raw_text(result: Walk, user: User) -> dict[str, list[str]]:
    """Each text showing a raw word, with the words and the pages showing it."""
    login_names = _login_names()
    raw = _detector(result.language, login_names)
    found: dict[str, list[str]] = {}
    for url, page in result.pages.items():
        for text in dict.fromkeys(page.texts):
            hits = raw(text)
            if OWN_LOGIN_NAME.match(url):
                hits.discard(user.username)
            if MEMBERS_LOGIN_NAME.match(url):
                hits -= login_names
            if hits:
                key = f"{', '.join(sorted(hits))} in {text[:160]!r}"
                found.setdefault(key, []).append(url)
    return found


# Swagger UI's page is drf-spectacular's (see the public crawl): neither layout nor language.
FOREIGN_LAYOUT = {"/api/docs/"}
# Names that stay Indonesian in English: a national programme's, given as an example.
PROPER_NAMES = ("Gerobak Sayur Pesan Kirim",)


def _stored_names() -> list[str]:
    """The clients' and people's names, which read the same in English."""
    return [
        *PROPER_NAMES,
        *Person.objects.values_list("full_name", flat=True),
        *Enterprise.objects.values_list("name", flat=True),
        *Cooperative.objects.values_list("name", flat=True),
        *User.objects.values_list("first_name", flat=True),
        *User.objects.values_list("last_name", flat=True),
    ]


def _language_problems(result: Walk) -> list[str]:
    """Pages not in the reader's language; in English, Indonesian words outside the stored
    names and the addresses shown as text (a centre's sources)."""
    problems = [
        f'{result.where(url)}: <html lang="{page.lang}">'
        for url, page in result.pages.items()
        if page.lang != result.language and url not in FOREIGN_LAYOUT
    ]
    if result.language == "en":
        indonesian = crawl.indonesian_text(result, skip=FOREIGN_LAYOUT, extra=_stored_names())
        problems += [
            f"Indonesian {text[:160]!r} on {', '.join(urls[:3])}"
            + (f" and {len(urls) - 3} more pages" if len(urls) > 3 else "")
            for text, urls in indonesian.items()
            if not text.startswith(("http://", "https://"))
        ]
    return problems


def _starts(world: World) -> list[str]:
    """The front doors of every signed-in area; a role refused one simply is not its reader."""
    starts = [
        reverse("accounts:landing"),
        reverse("mentoring:staff_home"),
        reverse("dashboards:home"),
        reverse("owner:home"),
        reverse("privacy:my_data"),
        reverse("privacy:erasure_request"),
        reverse("privacy:audit_log"),
        reverse("privacy:nik_views"),
        reverse("privacy:erasure_list"),
        reverse("clinics:centres"),
        reverse("messaging:outbox"),
        reverse("exports:jobs"),
        reverse("password_change"),
        reverse("accounts:two_factor_setup"),
        reverse("api_pages:tokens"),
    ]
    for side in (world.a, world.b):
        starts += [
            reverse("clinics:centre_edit", args=[side.centre.pk]),
            reverse("clinics:centre_staff", args=[side.centre.pk]),
            reverse("clinics:centre_whatsapp", args=[side.centre.pk]),
        ]
    return starts


def _shape(url: str) -> tuple[str, frozenset[str]]:
    """The public crawl's shape with the ids left out: a national administrator reaches some
    forty centres and provinces, each with the same pages; a few of each stand for all. A
    download's filters make no other page: one of each file is asked for."""
    path, names = crawl.shape(url)
    if FILE.search(path):
        names = frozenset()
    return re.sub(r"/\d+(?=/|$)", "/<id>", path), names


@pytest.fixture
def stories(world: World) -> None:
    """Records with a past and in every state a list shows, so the pages show changes,
    messages and the values of their choices, not only new rows: a session moved to a field
    visit, a booking whose phone changed before a no-show, a confirmation that keeps failing on
    WhatsApp and a reminder delivered by SMS, a deleted outcome (the audit trail's deletions),
    a consultant's field days, a download that failed, an import with a row refused, a report
    that failed, a revoked API token, a NIK shown, an owner's erasure request."""
    side = world.a
    session = side.session
    session.mode = Mode.FIELD_VISIT
    session.save()
    booking = side.booking
    booking.contact_phone = "+6281299990000"
    booking.status = BookingStatus.NO_SHOW
    booking.save()
    centre = side.centre
    Message.objects.create(
        key=f"booking:{booking.pk}:booking-received",
        kind="booking-received",
        channel=Channel.WHATSAPP,
        recipient="+6281299990000",
        body="Pemesanan Anda kami terima.",
        status=MessageStatus.FAILED_TEMPORARY,
        delivery_status=DeliveryStatus.FAILED,
        centre_id=centre.pk,
        province=centre.province,
    )
    Message.objects.create(
        key=f"booking:{booking.pk}:reminder-24h",
        kind="reminder-24h",
        channel=Channel.SMS,
        recipient="+6281299990000",
        body="Besok Anda punya jadwal konsultasi.",
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        delivery_status=DeliveryStatus.DELIVERED,
        centre_id=centre.pk,
        province=centre.province,
    )
    OutcomeFactory.create(enterprise=side.enterprise).delete()
    today = timezone.localdate()
    Absence.objects.create(
        membership=side.consultant.staff_membership,
        starts_on=today + datetime.timedelta(days=7),
        ends_on=today + datetime.timedelta(days=8),
        kind=AbsenceKind.FIELD,
    )
    for user in (world.national, side.officer, side.manager, side.consultant):
        ExportJob.objects.create(
            user=user,
            export="sessions",
            fmt="xlsx",
            language="id",
            request_key=f"story-{user.pk}",
            status=ExportStatus.FAILED,
            failure=ExportFailure.SERVER,
            filename="sesi.xlsx",
        )
    ImportJob.objects.create(
        created_by=side.manager,
        centre=centre,
        kind=ImportKind.ENTERPRISES,
        mode=ImportMode.VALID_ROWS,
        filename="umkm.xlsx",
        payload=b"",
        status=ImportStatus.DONE,
        total_rows=2,
        processed_rows=2,
        created_count=1,
        errors=[
            {
                "row": 3,
                "field": "nib",
                "message": {
                    "id": "NIB harus terdiri dari 13 angka.",
                    "en": "The NIB must have 13 digits.",
                },
            }
        ],
    )
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    Report.objects.create(
        level=ReportLevel.CENTRE,
        centre=centre,
        province=centre.province,
        month=month,
        key=report_key(ReportLevel.CENTRE, month, centre.pk, centre.province_id),
        status=ReportStatus.FAILED,
    )
    ApiToken.objects.create(
        owner=side.manager,
        name="Sistem Dinas",
        prefix="story",
        secret_hash="0" * 64,
        revoked_at=timezone.now(),
        revoked_reason=TokenRefusal.PASSWORD,
    )
    NikView.objects.create(
        viewer=side.consultant, person=side.person, centre=centre, channel=NikView.Channel.PAGE
    )
    ErasureRequest.objects.create(requested_by=side.owner, centre=centre)


def walk(client: Client, user: User, language: str, starts: list[str]) -> Walk:
    # The account's language wins over the cookie (ChosenLanguageMiddleware): the switch sets both.
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)
    client.raise_request_exception = False  # a page that fails is a problem listed, not the end
    return crawl.walk(
        client,
        language,
        starts,
        off_limits=OFF_LIMITS,
        max_pages=MAX_PAGES,
        parser=ReadParser,
        shape_of=_shape,
        per_shape=PER_SHAPE,
    )


def _link_problems(result: Walk) -> list[str]:
    """Every page that fails, and every link that answers 403, 404 or another refusal (a
    signed-in reader sent to the login is refused too); a front door the role may not open is
    no link it was offered."""
    problems = [
        f"{result.where(url)}: answers {status}"
        for url, status in result.statuses.items()
        if status >= 500 or (status >= 400 and url in result.found_on)
    ]
    login = reverse("login")
    problems += [
        f"{result.where(url)}: sends to the login ({to})"
        for url, to in result.redirects.items()
        if to.startswith(login)
    ]
    return problems


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ROLES)
def test_every_link_a_role_meets_opens_and_every_page_reads_as_words(
    client: Client, settings: Any, world: World, stories: None, name: str, language: str
) -> None:
    settings.DEBUG = False
    user = world.user(name)
    assert user is not None
    result = walk(client, user, language, _starts(world))

    assert not result.unvisited, f"{result.unvisited} links left after {MAX_PAGES} pages"
    assert result.pages, "the role opened no page at all"
    problems = _link_problems(result) + _language_problems(result)
    problems += [
        f"raw {text} on {', '.join(urls[:3])}"
        + (f" and {len(urls) - 3} more pages" if len(urls) > 3 else "")
        for text, urls in _raw_text(result, user).items()
    ]
    assert not problems, "\n".join(problems) + f"\n\n{len(result.pages)} pages read"


# The issue's own examples (#24), each with the raw words it shows; ``kp-1-3`` is a login name.
ISSUE_EXAMPLES = {
    "create": {"create"},
    "cara: in_person": {"in_person"},
    "konsultan: kp-1-3": {"kp-1-3"},
    "date_joined": {"date_joined"},
    "full_name": {"full_name"},
    "centre__name": {"centre__name"},
    "completed": {"completed"},
    "booking-received": {"booking-received"},
    "created_at, updated_at, id": {"created_at", "updated_at", "id"},
}


def test_the_raw_words_detector_catches_the_issues_examples_and_not_prose() -> None:
    raw = {language: _detector(language, ["kp-1-3"]) for language in ("id", "en")}
    for text, words in ISSUE_EXAMPLES.items():
        assert raw["id"](text) == words, text
        # Single lowercase words too; a code with a separator whatever the language.
        assert raw["id"](f"Sesi ini {text} kemarin.") == words, text
        in_english = {word for word in words if not word.isalpha() or word == "id"}
        assert raw["en"](f"This session {text} yesterday.") >= in_english, text
    # Single words that no English translation writes are sought on English pages too.
    for code in ("whatsapp", "sms", "csv", "in_person", "kur"):
        assert raw["en"](f"Sent by {code}") == {code}, code
    # Labels (capitalised, or written by the translators) are no code.
    assert not raw["id"]("Pemesanan konsultasi (semua status) yang jadwalnya dalam periode.")
    assert not raw["id"]("Cara: Tatap muka di PLUT · Kredit bank lain · Status: Selesai")
    assert not raw["id"]("Contoh: env:MESSAGING_WHATSAPP_CENTRE_<id PLUT>_TOKEN atau file:/x")
    assert not raw["en"](
        "Bookings not attended, divided by bookings completed or not attended; cancelled and"
        " still-open bookings are left out. Mode: In person at the PLUT. Status: Pending."
    )
    assert not raw["en"]("The slot length is set by the national administrator on the admin pages.")
    # Every allowed word is a code: the list holds no word the detector would not seek anyway.
    for language, allowed in ALLOWED.items():
        assert allowed <= _codes(), language
