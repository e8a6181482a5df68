"""An enterprise's headline turnover and jobs, for the roles besides the consultant (whose
journey is test_story_journey.py) (#24): the centre's manager records an outcome and the
headline tells the change against the baseline; the provincial officer and the national user
read the headline: the latest figures with their date, the baseline and the change. On a phone
and at a desk, in both languages."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cooperatives.models import Enterprise
from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    axe_violations,
    describe,
    in_language,
    sideways_overflow,
    sign_ins,
)
from tests.factories.mentoring import OutcomeFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Registered on 2 March 2026 in Lampung (WIB) with Rp 500 juta and three workers: the baseline.
REGISTERED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


# What the reader sees, per language (numbers and months as each language writes them).
WORDS = {
    "id": {
        "typed": "Rp 650.000.000",  # as Indonesians write it
        "before": ["Rp 500.000.000", "2 Mar 2026", "data awal"],
        "baseline_help": "Data awal: Rp 500.000.000, dicatat 2 Mar 2026.",
        "after": [
            "Rp 650.000.000",
            "hasil terakhir",
            "Data awal: Rp 500.000.000 · 2 Mar 2026",
            "perubahan +Rp 150.000.000 (+30 %)",
            "perubahan +2 (+67 %)",
        ],
        "timeline": "Rp 650.000.000 · +Rp 150.000.000 (+30 %) dibanding data awal",
        "august": "17 Agu 2026",
    },
    "en": {
        "typed": "650000000",
        "before": ["Rp 500,000,000", "2 Mar 2026", "baseline"],
        "baseline_help": "Baseline: Rp 500,000,000, recorded 2 Mar 2026.",
        "after": [
            "Rp 650,000,000",
            "latest outcome",
            "Baseline: Rp 500,000,000 · 2 Mar 2026",
            "change +Rp 150,000,000 (+30 %)",
            "change +2 (+67 %)",
        ],
        "timeline": "Rp 650,000,000 · +Rp 150,000,000 (+30 %) against the baseline",
        "august": "17 Aug 2026",
    },
}


def _registered_with_a_baseline(world) -> Enterprise:
    enterprise = world.a.enterprise
    enterprise.outcomes.all().delete()
    Enterprise.objects.filter(pk=enterprise.pk).update(
        annual_turnover=500_000_000, employees=3, created_at=REGISTERED
    )
    return enterprise


def _fits_and_passes_axe(page: Page) -> None:
    assert sideways_overflow(page) == []
    violations = axe_violations(page)
    assert not violations, describe(violations)


@LANGUAGES
@VIEWPORTS
def test_a_manager_records_an_outcome_and_the_headline_tells_the_change(
    page: Page, live_server, world, viewport, language
):
    words = WORDS[language]
    enterprise = _registered_with_a_baseline(world)
    profile = live_server.url + reverse("mentoring:enterprise_profile", args=[enterprise.pk])
    page.set_viewport_size(viewport)
    sign_ins(live_server, language, world.a.manager)(page.context, world.a.manager)

    page.goto(profile)
    headline = page.locator("section.figures")
    for text in words["before"]:
        expect(headline).to_contain_text(text)

    page.get_by_role("link", name=in_language("Catat hasil", language), exact=True).click()
    turnover = page.get_by_label(in_language("Omzet tahunan (Rp)", language))
    expect(turnover).to_be_visible()
    expect(page.locator("#id_turnover_helptext")).to_contain_text(words["baseline_help"])
    assert sideways_overflow(page) == []
    turnover.fill(words["typed"])
    page.get_by_label(in_language("Jumlah tenaga kerja", language)).fill("5")
    page.get_by_role("button", name=in_language("Simpan hasil", language)).click()

    expect(page).to_have_url(profile)
    today = timezone.localdate(timezone=ZoneInfo("Asia/Jakarta"))
    expect(headline.locator("time").first).to_have_attribute("datetime", today.isoformat())
    for text in words["after"]:
        expect(headline).to_contain_text(text)
    expect(page.locator(".timeline")).to_contain_text(words["timeline"])
    _fits_and_passes_axe(page)


@LANGUAGES
@VIEWPORTS
def test_the_provincial_officer_and_the_national_user_read_the_headline(
    page: Page, live_server, world, viewport, language
):
    words = WORDS[language]
    enterprise = _registered_with_a_baseline(world)
    # Two outcomes: the headline shows the latest (17 August), not the earlier one.
    OutcomeFactory(
        enterprise=enterprise,
        recorded_on=datetime.date(2026, 5, 4),
        turnover=550_000_000,
        employees=4,
    )
    OutcomeFactory(
        enterprise=enterprise,
        recorded_on=datetime.date(2026, 8, 17),
        turnover=650_000_000,
        employees=5,
    )
    profile = live_server.url + reverse("mentoring:enterprise_profile", args=[enterprise.pk])
    headline = page.locator("section.figures")
    readers = (world.a.officer, world.national)
    turn = sign_ins(live_server, language, *readers)
    page.set_viewport_size(viewport)

    for reader in readers:
        turn(page.context, reader)
        page.goto(profile)
        expect(headline.get_by_role("heading")).to_have_text(
            in_language("Omzet dan tenaga kerja", language)
        )
        # Both figures: the latest, with its date in the reader's language.
        latest = headline.locator("dd.figure > time")
        expect(latest).to_have_count(2)
        for time in latest.all():
            expect(time).to_have_attribute("datetime", "2026-08-17")
            expect(time).to_have_text(words["august"])
        for text in words["after"]:
            expect(headline).to_contain_text(text)
        expect(headline).not_to_contain_text("550")
        expect(page.locator(".timeline")).to_contain_text(words["timeline"])
        _fits_and_passes_axe(page)
