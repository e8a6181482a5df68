"""A consultant records an outcome from an enterprise's profile: the form shows the baseline
beside each new figure, and once saved the profile's headline shows the new figures, their
date and their change against the baseline. On a phone and at a desk, in both languages."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cooperatives.models import Enterprise
from tests.browser.pages import DESK, PHONE, axe_violations, describe, log_in, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)


# What the reader sees, per language: the labels they click and the text that tells the story.
WORDS = {
    "id": {
        "record": "Catat hasil",
        "turnover": "Omzet tahunan (Rp)",
        "workers": "Jumlah tenaga kerja",
        "typed": "Rp 650.000.000",  # as Indonesians write it
        "save": "Simpan hasil",
        "baseline_help": "Data awal: Rp 500.000.000, dicatat 2 Mar 2026.",
        "workers_help": "Data awal: 3, dicatat 2 Mar 2026.",
        "before": ["Rp 500.000.000", "2 Mar 2026", "data awal"],
        "after": [
            "Rp 650.000.000",
            "hasil terakhir",
            "Data awal: Rp 500.000.000 · 2 Mar 2026",
            "perubahan +Rp 150.000.000 (+30 %)",
            "perubahan +2 (+67 %)",
        ],
        "timeline": "Rp 650.000.000 · +Rp 150.000.000 (+30 %) dibanding data awal",
    },
    "en": {
        "record": "Record outcome",
        "turnover": "Annual turnover (Rp)",
        "workers": "Number of workers",
        "typed": "650000000",
        "save": "Save outcome",
        "baseline_help": "Baseline: Rp 500,000,000, recorded 2 Mar 2026.",
        "workers_help": "Baseline: 3, recorded 2 Mar 2026.",
        "before": ["Rp 500,000,000", "2 Mar 2026", "baseline"],
        "after": [
            "Rp 650,000,000",
            "latest outcome",
            "Baseline: Rp 500,000,000 · 2 Mar 2026",
            "change +Rp 150,000,000 (+30 %)",
            "change +2 (+67 %)",
        ],
        "timeline": "Rp 650,000,000 · +Rp 150,000,000 (+30 %) against the baseline",
    },
}


def _fits_and_passes_axe(page: Page) -> None:
    assert sideways_overflow(page) == []
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_consultant_records_an_outcome_and_the_headline_tells_the_change(
    page: Page, live_server, world, viewport, language
):
    words = WORDS[language]
    enterprise = world.a.enterprise
    enterprise.outcomes.all().delete()
    # Registered on 2 March 2026 (Lampung, WIB) with Rp 500 juta and three workers.
    registered = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    Enterprise.objects.filter(pk=enterprise.pk).update(
        annual_turnover=500_000_000, employees=3, created_at=registered
    )
    consultant = world.a.consultant
    consultant.language = language
    consultant.save(update_fields=["language"])
    page.set_viewport_size(viewport)
    log_in(page.context, live_server, consultant)

    page.goto(f"{live_server.url}/staff/enterprises/{enterprise.pk}/")
    headline = page.locator("section.figures")
    for text in words["before"]:
        expect(headline).to_contain_text(text)

    page.get_by_role("link", name=words["record"], exact=True).click()
    expect(page.get_by_label(words["turnover"])).to_be_visible()
    # The baseline sits with each figure, and a screen reader reads it with the field.
    expect(page.locator("#id_turnover_helptext")).to_contain_text(words["baseline_help"])
    expect(page.locator("#id_employees_helptext")).to_have_text(words["workers_help"])
    expect(page.get_by_label(words["turnover"])).to_have_attribute(
        "aria-describedby", "id_turnover_helptext"
    )
    _fits_and_passes_axe(page)

    page.get_by_label(words["turnover"]).fill(words["typed"])
    page.get_by_label(words["workers"]).fill("5")
    page.get_by_role("button", name=words["save"]).click()

    expect(page).to_have_url(f"{live_server.url}/staff/enterprises/{enterprise.pk}/")
    today = timezone.localdate(timezone=ZoneInfo("Asia/Jakarta"))
    headline = page.locator("section.figures")
    expect(headline.locator("time").first).to_have_attribute("datetime", today.isoformat())
    for text in words["after"]:
        expect(headline).to_contain_text(text)
    expect(page.locator(".timeline")).to_contain_text(words["timeline"])
    # With the "saved" message showing: its live region wraps the list (base.html).
    expect(page.get_by_role("status").first).to_be_visible()
    _fits_and_passes_axe(page)
