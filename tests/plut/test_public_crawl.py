"""A visitor's walk through the public portal: from the front doors, every same-site link an
anonymous visitor can follow, in Bahasa Indonesia and in English, with DEBUG off as in
production. Every link must lead to a page in the portal's layout and in the reader's language.

The pages are found, not listed, so a page added later is walked too once something links it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinics.models import Centre
from mentoring.models import OutcomeCheckIn, SatisfactionSurvey
from mentoring.selectors.bookings import manage_token
from mentoring.services.checkins import check_in_token
from mentoring.services.surveys import survey_token
from plut.foundation.accounts.tokens import magic_link_token_generator
from tests import crawl
from tests.crawl import Walk
from tests.factories.mentoring import BookingFactory
from tests.mentoring.test_booking_public import _wita, booking_desk

desk = booking_desk  # Makassar takes online bookings (frozen clock: the same slots every run)

pytestmark = pytest.mark.django_db

# Far above the ~60 pages the world has; reaching it means the walk is running in circles.
MAX_PAGES = 300
# Pages that need a login (their links to the login page are followed, not they), the language
# switch (a POST form anyway) and files.
OFF_LIMITS = ("/staff/", "/dashboard/", "/admin/", "/accounts/me/", "/i18n/setlang/")
# Swagger UI's page is drf-spectacular's, drawn by its script from the schema: it must answer,
# but it has neither the portal's layout nor the portal's language.
FOREIGN_LAYOUT = {"/api/docs/"}

FOOTER = "Pusat Layanan Usaha Terpadu Koperasi dan UMKM"


def walk(client: Client, language: str, starts: list[str]) -> Walk:
    """Breadth first from ``starts``, in document order: the same pages every run."""
    return crawl.walk(client, language, starts, off_limits=OFF_LIMITS, max_pages=MAX_PAGES)


def _layout_problems(result: Walk) -> list[str]:
    problems = []
    for url, page in result.pages.items():
        if url in FOREIGN_LAYOUT:
            continue
        missing = {"header.topbar", "nav", "main#main", "footer.footer"} - page.landmarks
        if missing:
            problems.append(f"{result.where(url)}: no {', '.join(sorted(missing))}")
        if page.lang != result.language:
            problems.append(f'{result.where(url)}: <html lang="{page.lang}">')
    return problems


def _indonesian_text(result: Walk) -> dict[str, list[str]]:
    return crawl.indonesian_text(result, skip=FOREIGN_LAYOUT)


@pytest.fixture
def portal(desk, world) -> list[str]:
    """The front doors: the directory (the home page), a centre taking online bookings and one
    not, each with its booking page, the slot list, signing up, logging in, a new password,
    an owner's privacy pages (they send a visitor to the login) and the API's docs; then the
    links the portal emails to owners: a booking's, a survey's, a check-in's, a sign-in link
    and a password reset."""
    # Each way a centre's page offers contact: WhatsApp, email and a map; an address only; a
    # map without an address (Makassar has a phone, the others nothing).
    lampung = world.a.centre
    lampung.whatsapp, lampung.email = "+6281122334455", "plut@lampung.example.id"
    lampung.address, lampung.map_url = "Jl. Wolter Monginsidi No. 1", "https://maps.example/1"
    lampung.opening_hours = "Senin–Jumat 08.00–16.00"
    lampung.save()
    Centre.objects.filter(name="PLUT KUMKM Provinsi Riau").update(address="Jl. Sudirman No. 2")
    Centre.objects.filter(name="PLUT KUMKM Kota Batam").update(map_url="https://maps.example/2")
    booking = BookingFactory(
        enterprise=world.b.enterprise, consultant=desk.consultant, starts_at=_wita(32, 10)
    )
    survey = SatisfactionSurvey.objects.create(
        session=world.a.session, enterprise=world.a.enterprise, sent_at=timezone.now()
    )
    check_in = OutcomeCheckIn.objects.create(enterprise=world.a.enterprise, months=3)
    owner = world.a.owner
    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    booking_start = reverse("booking:start", args=[desk.centre.pk])
    return [
        reverse("portal:home"),
        reverse("directory:centre_detail", args=[desk.centre.pk]),
        reverse("directory:centre_detail", args=[lampung.pk]),
        booking_start,
        f"{booking_start}?area={desk.area.code}&mode=in_person",
        reverse("booking:start", args=[lampung.pk]),
        reverse("accounts:owner_signup"),
        reverse("accounts:owner_signup_sent"),
        reverse("login"),
        reverse("password_reset"),
        reverse("privacy:my_data"),
        reverse("privacy:erasure_request"),
        reverse("api-docs"),
        reverse("booking:done", args=[manage_token(booking)]),
        reverse("booking:manage", args=[manage_token(booking)]),
        reverse("booking:survey", args=[survey_token(survey)]),
        reverse("booking:check_in", args=[check_in_token(check_in)]),
        reverse(
            "accounts:magic_link_login", args=[uid, magic_link_token_generator.make_token(owner)]
        ),
        reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(owner)]),
        reverse("password_reset_confirm", args=[uid, "used-token"]),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_public_link_leads_to_a_page_in_the_readers_language(
    client, settings, portal, desk, language
):
    settings.DEBUG = False  # production's error pages, which must not be met at all
    result = walk(client, language, portal)

    assert not result.unvisited, f"{result.unvisited} links left after {MAX_PAGES} pages"
    # The walk went through the portal: every centre, step 2 of a booking, the login.
    walked = set(result.pages)
    for centre in Centre.objects.filter(is_active=True):
        assert reverse("directory:centre_detail", args=[centre.pk]) in walked, centre.name
    assert any(url.startswith(reverse("booking:details", args=[desk.centre.pk])) for url in walked)
    assert result.redirects[reverse("privacy:my_data")].startswith(reverse("login"))

    problems = result.problems + _layout_problems(result)
    indonesian = _indonesian_text(result)
    if language == "en":
        problems += [
            f"Indonesian {text[:160]!r} on {', '.join(urls[:3])}"
            + (f" and {len(urls) - 3} more pages" if len(urls) > 3 else "")
            for text, urls in indonesian.items()
        ]
    else:
        # The words are found where they are: the footer, on every page of the portal.
        assert set(indonesian[FOOTER]) == walked - FOREIGN_LAYOUT
    redirects = "\n".join(f"  {url} -> {to}" for url, to in result.redirects.items())
    assert not problems, "\n".join(problems) + f"\n\nredirects followed:\n{redirects}"
