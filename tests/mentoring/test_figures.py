"""Turnover and jobs that tell the story: the baseline given at registration, the latest
outcome's figures on the profile's headline, and each outcome's change against the baseline."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Enterprise
from mentoring.models import OutcomeSource
from mentoring.selectors.profiles import (
    Change,
    Figure,
    enterprise_baseline,
    enterprise_figures,
    figure_change,
    with_latest_figures,
)
from tests.factories.mentoring import OutcomeFactory

pytestmark = pytest.mark.django_db

# 17:30 UTC on 1 March is already 2 March in Makassar (WITA, side b).
CREATED = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)


@pytest.fixture
def enterprise(world) -> Enterprise:
    """Side b's enterprise, registered with Rp 500.000.000 and 4 workers, without outcomes."""
    enterprise = world.b.enterprise
    enterprise.outcomes.all().delete()
    Enterprise.objects.filter(pk=enterprise.pk).update(
        annual_turnover=500_000_000, employees=4, created_at=CREATED
    )
    return enterprise


def _figures(enterprise: Enterprise):
    loaded = with_latest_figures(Enterprise.objects.filter(pk=enterprise.pk)).get()
    return enterprise_figures(loaded)


def _outcome(enterprise: Enterprise, day: int, **values):
    return OutcomeFactory(enterprise=enterprise, recorded_on=datetime.date(2026, 6, day), **values)


def test_the_baseline_is_the_registrations_figures_dated_the_day_it_was_registered(enterprise):
    enterprise.refresh_from_db()
    baseline = enterprise_baseline(enterprise)
    registered = datetime.date(2026, 3, 2)  # the enterprise's own day (WITA), not UTC's
    assert baseline.turnover == Figure(500_000_000, registered, is_baseline=True)
    assert baseline.employees == Figure(4, registered, is_baseline=True)


def test_without_outcomes_the_headline_is_the_baseline(enterprise):
    figures = _figures(enterprise)
    assert figures.turnover.now == figures.turnover.baseline
    assert figures.turnover.now.is_baseline
    assert figures.turnover.change is None
    assert figures.employees.now.value == 4


def test_each_figure_is_the_newest_counted_outcome_that_measured_it(enterprise):
    _outcome(enterprise, 1, turnover=600_000_000, employees=5)
    _outcome(enterprise, 2, turnover=650_000_000, employees=None)
    _outcome(enterprise, 3, turnover=None, employees=6)
    # The owner's own answer counts once staff have verified it; not before.
    _outcome(
        enterprise, 4, turnover=9_000_000_000, employees=99, source=OutcomeSource.SELF_REPORTED
    )
    figures = _figures(enterprise)
    assert figures.turnover.now == Figure(650_000_000, datetime.date(2026, 6, 2), is_baseline=False)
    assert figures.employees.now == Figure(6, datetime.date(2026, 6, 3), is_baseline=False)
    assert figures.turnover.change == Change(amount=150_000_000, base=500_000_000)
    assert figures.employees.change == Change(amount=2, base=4)
    verified = _outcome(
        enterprise,
        5,
        turnover=700_000_000,
        employees=None,
        source=OutcomeSource.SELF_REPORTED,
        verified_at=timezone.now(),
    )
    assert _figures(enterprise).turnover.now.on == verified.recorded_on


def test_the_latest_figures_are_read_with_the_enterprise_in_one_query(
    enterprise, django_assert_num_queries
):
    for day in range(1, 6):
        _outcome(enterprise, day)
    with django_assert_num_queries(1):
        loaded = with_latest_figures(Enterprise.objects.filter(pk=enterprise.pk)).get()
    assert (loaded.latest_turnover, loaded.latest_employees) == (600_000_000, 4)


@pytest.mark.parametrize(
    ("value", "base", "change", "sign"),
    [
        (650, 500, Change(amount=150, base=500), "+"),
        (400, 500, Change(amount=-100, base=500), "\u2212"),
        (500, 500, Change(amount=0, base=500), ""),
        (3, 0, Change(amount=3, base=0), "+"),  # no percentage of nothing (template)
        (None, 500, None, None),
        (650, None, None, None),
    ],
)
def test_the_change_against_the_baseline(value, base, change, sign):
    found = figure_change(value, Figure(base, datetime.date(2026, 3, 2), is_baseline=True))
    assert found == change
    if change is not None:
        assert (found.sign, found.size) == (sign, abs(value - base))


# --- On the pages ----------------------------------------------------------------------------


def _page(client, user, url: str, language: str = "id") -> str:
    user.language = language  # the account's choice wins over the cookie
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _headline(body: str) -> str:
    return body.split('<section class="figures"')[1].split("</section>")[0]


def _profile_url(enterprise) -> str:
    return reverse("mentoring:enterprise_profile", args=[enterprise.pk])


def test_the_headline_changes_once_an_outcome_is_recorded(client, world, enterprise):
    headline = _headline(_page(client, world.b.consultant, _profile_url(enterprise)))
    assert "<strong>Rp 500.000.000</strong> · <time" in headline
    assert "2 Mar 2026</time> · data awal" in headline
    today = timezone.localdate(timezone=datetime.timezone(datetime.timedelta(hours=8)))
    response = client.post(
        reverse("mentoring:outcome_create", args=[enterprise.pk]),
        {"recorded_on": today.isoformat(), "turnover": "Rp 750.000.000", "employees": "5"},
    )
    assert response.status_code == 302
    headline = _headline(_page(client, world.b.consultant, _profile_url(enterprise)))
    assert "<strong>Rp 750.000.000</strong>" in headline
    assert f"{today:%Y-%m-%d}" in headline
    assert "· hasil terakhir" in headline
    assert "Data awal: Rp 500.000.000 · <time" in headline
    assert 'perubahan <span class="change">+Rp 250.000.000 (+50 %)</span>' in headline
    assert "<strong>5</strong>" in headline
    assert '<span class="change">+1 (+25 %)</span>' in headline


def test_the_headline_reads_in_english(client, world, enterprise):
    _outcome(enterprise, 1, turnover=450_000_000, employees=4)
    headline = _headline(_page(client, world.b.consultant, _profile_url(enterprise), "en"))
    assert "Turnover and workers" in headline
    assert "<strong>Rp 450,000,000</strong>" in headline
    assert "· latest outcome" in headline
    assert "Baseline: Rp 500,000,000" in headline
    assert 'change <span class="change">\u2212Rp 50,000,000 (\u221210 %)</span>' in headline
    assert 'change <span class="change">0 (0 %)</span>' in headline


def test_each_outcome_on_the_timeline_shows_its_change(client, world, enterprise):
    _outcome(enterprise, 1, turnover=550_000_000, employees=None)
    _outcome(enterprise, 2, turnover=None, employees=7)
    timeline = _page(client, world.b.manager, _profile_url(enterprise)).split('class="timeline"')[1]
    assert (
        'Omzet tahunan: Rp 550.000.000 · <span class="change">+Rp 50.000.000 (+10 %)</span> '
        "dibanding data awal"
    ) in timeline
    assert 'Tenaga kerja: 7 · <span class="change">+3 (+75 %)</span> dibanding data awal' in (
        timeline
    )


def test_an_enterprise_registered_without_turnover_shows_no_change(client, world, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(annual_turnover=None)
    _outcome(enterprise, 1, turnover=550_000_000, employees=None)
    body = _page(client, world.b.consultant, _profile_url(enterprise))
    assert "Data awal: – ·" not in body  # no date for a figure never given
    assert "Data awal: –" in _headline(body)
    assert "Omzet tahunan: Rp 550.000.000</li>" in body


@pytest.mark.parametrize(
    ("language", "turnover", "employees"),
    [
        ("id", "Data awal: Rp 500.000.000, dicatat 2 Mar 2026.", "Data awal: 4, dicatat"),
        ("en", "Baseline: Rp 500,000,000, recorded 2 Mar 2026.", "Baseline: 4, recorded"),
    ],
)
@pytest.mark.parametrize("page", ["create", "update"])
def test_the_outcome_form_shows_the_baseline_beside_each_figure(
    client, world, enterprise, language, turnover, employees, page
):
    if page == "create":
        url = reverse("mentoring:outcome_create", args=[enterprise.pk])
    else:
        url = reverse("mentoring:outcome_update", args=[_outcome(enterprise, 1).pk])
    body = _page(client, world.b.manager, url, language)
    assert f'<small id="id_turnover_helptext">{turnover}' in body
    assert f'<small id="id_employees_helptext">{employees}' in body
    assert 'aria-describedby="id_turnover_helptext"' in body


def test_the_outcome_form_says_when_there_is_no_baseline(client, world, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(annual_turnover=None)
    body = _page(client, world.b.manager, reverse("mentoring:outcome_create", args=[enterprise.pk]))
    assert '<small id="id_turnover_helptext">Data awal belum tercatat.' in body
