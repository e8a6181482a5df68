"""Each role's walk through the signed-in portal: from the workspace, the dashboards, the
owner's home, the privacy pages and the centre pages, every same-site link the role can
follow, in Bahasa Indonesia and in English, with DEBUG off as in production.

Two promises (issue #24): a page never offers a link its reader is refused (or that leads
nowhere), and a page never shows a database's words (a choice's stored value such as
``in_person``, a field name such as ``date_joined``, a lookup such as ``centre__name``, a login
name such as ``consultant_a`` where a person's name belongs) where a label should be.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from cooperatives.models import Cooperative, Enterprise, Person
from mentoring.models import BookingStatus, Mode
from plut.foundation.accounts.models import User
from plut.foundation.messaging.labels import KIND_LABELS
from plut.foundation.messaging.models import Channel, DeliveryStatus, Message, MessageStatus
from tests import crawl
from tests.conftest import World
from tests.crawl import PageParser, Walk

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
# The apps whose models' words must not reach a page.
APPS = ("clinics", "cooperatives", "mentoring", "plut")


class ReadParser(PageParser):
    """What a reader reads as the portal's words: code and preformatted samples, and what a
    user typed (a textarea's content; an input's value is never collected) left out."""

    QUIET = ("script", "style", "code", "pre", "textarea")


def _looks_like_code(value: object) -> bool:
    return isinstance(value, str) and ("_" in value or "-" in value) and " " not in value


def _codes() -> set[str]:
    """Every stored choice value that looks like code and every field name with an
    underscore, of every concrete field of the project's models; the outbox's message kinds
    (a free field whose values are slugs)."""
    codes = {kind for kind in KIND_LABELS if _looks_like_code(kind)}
    for model in apps.get_models():
        if not model.__module__.startswith(tuple(f"{app}." for app in APPS)):
            continue
        for model_field in model._meta.concrete_fields:
            if "_" in model_field.name:
                codes.add(model_field.name)
            codes |= {value for value, _label in model_field.flatchoices if _looks_like_code(value)}
    return codes


def _login_names() -> set[str]:
    """Login names that look like code, of people who have a name to be shown instead."""
    return {
        username
        for username in User.objects.exclude(first_name="").values_list("username", flat=True)
        if _looks_like_code(username)
    }


def _raw_words(codes: set[str]) -> re.Pattern[str]:
    """Each code as a whole token (not inside a longer word, an address or a path), and any
    ORM lookup (``centre__name``)."""
    alternatives = [re.escape(code) for code in sorted(codes, key=len, reverse=True)]
    alternatives.append(r"[a-z]+(?:__[a-z_]+)+")
    return re.compile(r"(?<![\w@./-])(?:" + "|".join(alternatives) + r")(?![\w@-])")


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
    words = _raw_words(_codes() | login_names)
    found: dict[str, list[str]] = {}
    for url, page in result.pages.items():
        for text in dict.fromkeys(page.texts):
            hits = set(words.findall(text))
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
    """Records with a past, so the pages show changes and messages, not only new rows: a
    session moved to a field visit, a booking whose phone changed before a no-show, a
    confirmation that keeps failing on WhatsApp."""
    session = world.a.session
    session.mode = Mode.FIELD_VISIT
    session.save()
    booking = world.a.booking
    booking.contact_phone = "+6281299990000"
    booking.status = BookingStatus.NO_SHOW
    booking.save()
    centre = world.a.centre
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
