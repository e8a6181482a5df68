"""The ministry's indicator, "Kenaikan omzet UMKM dampingan": the turnover of assisted
enterprises against their baseline, the turnover given at registration or intake (else their
first recorded one), shown with the number of enterprises it rests on and the ministry's target."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from cooperatives.models import Enterprise
from mentoring.models import Outcome
from plut.top.dashboards.facts import keep
from plut.top.dashboards.filters import NATIONAL, filters_from, place_for
from plut.top.dashboards.selectors import kpis
from tests.factories import calendar
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db

JUTA = 1_000_000


def _indicator(user) -> tuple[float | None, int]:
    place = place_for(user, NATIONAL)
    _form, filters = filters_from(QueryDict(), user=user, place=place)
    keep.drain()  # the sessions just written, into the facts (Celery's work)
    cards = {card["key"]: card["current"] for card in kpis(user, place, filters)["cards"]}
    return cards["turnover_increase"], cards["turnover_enterprises"]


def _assisted(world, *, turnover: int | None, registered_days_ago: int = 200) -> Enterprise:
    enterprise = EnterpriseFactory(centre=world.a.centre, annual_turnover=turnover)
    Enterprise.objects.filter(pk=enterprise.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=registered_days_ago)
    )
    SessionFactory(consultant=world.a.consultant, enterprises=[enterprise])
    return enterprise


def _recorded(enterprise: Enterprise, turnover: int, days_ago: int) -> None:
    today = calendar.local_today(enterprise.centre)
    OutcomeFactory(
        enterprise=enterprise, turnover=turnover, recorded_on=today - datetime.timedelta(days_ago)
    )


def test_the_registration_turnover_is_the_baseline(world):
    Outcome.objects.all().delete()
    enterprise = _assisted(world, turnover=500 * JUTA)
    _recorded(enterprise, 600 * JUTA, days_ago=30)
    assert _indicator(world.national) == (20.0, 1)


def test_without_one_the_first_recorded_turnover_is_the_baseline(world):
    Outcome.objects.all().delete()
    enterprise = _assisted(world, turnover=None)
    _recorded(enterprise, 100 * JUTA, days_ago=300)  # before the period: the baseline
    _recorded(enterprise, 120 * JUTA, days_ago=90)
    _recorded(enterprise, 150 * JUTA, days_ago=10)  # the latest in the period counts
    assert _indicator(world.national) == (50.0, 1)


def test_the_indicator_weighs_the_enterprises_by_turnover(world):
    Outcome.objects.all().delete()
    registered = _assisted(world, turnover=500 * JUTA)
    _recorded(registered, 600 * JUTA, days_ago=30)
    first_measured = _assisted(world, turnover=None)
    _recorded(first_measured, 100 * JUTA, days_ago=300)
    _recorded(first_measured, 150 * JUTA, days_ago=10)
    # (600 + 150 - 500 - 100) / (500 + 100)
    assert _indicator(world.national) == (25.0, 2)


def test_only_a_later_measurement_of_an_assisted_enterprise_counts(world):
    Outcome.objects.all().delete()
    # Measured only on the day it was registered: nothing to compare yet.
    same_day = _assisted(world, turnover=500 * JUTA, registered_days_ago=0)
    _recorded(same_day, 700 * JUTA, days_ago=0)
    # Never attended a session: not assisted.
    unassisted = EnterpriseFactory(centre=world.a.centre, annual_turnover=100 * JUTA)
    Enterprise.objects.filter(pk=unassisted.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=200)
    )
    _recorded(unassisted, 900 * JUTA, days_ago=5)
    assert _indicator(world.national) == (None, 0)


def test_the_indicator_stands_beside_its_target_and_the_enterprises_it_rests_on(client, world):
    Outcome.objects.all().delete()
    enterprise = _assisted(world, turnover=500 * JUTA)
    _recorded(enterprise, 600 * JUTA, days_ago=30)
    client.force_login(world.national)
    body = client.get("/dashboard/national/").content.decode()
    assert (
        '<span class="kpi-compare" id="indicator-basis">dari 1 UMKM · target 15 % · tercapai</span>'
        in body
    )


def test_every_indicator_has_a_definition_one_click_from_its_card(client, world):
    from plut.top.dashboards.definitions import KPI_EXPLAINED
    from plut.top.dashboards.selectors import KPI_DEFINITIONS

    assert [key for key, _label, _fmt in KPI_DEFINITIONS] == list(KPI_EXPLAINED)
    client.force_login(world.a.officer)
    dashboard = client.get("/dashboard/province/18/").content.decode()
    definitions = client.get("/dashboard/definisi/").content.decode()
    for key in KPI_EXPLAINED:
        assert f'href="/dashboard/definisi/#def-{key}"' in dashboard, key
        assert f'<dt id="def-{key}">' in definitions, key
    assert "Target kementerian: 15 %." in definitions
    # In English too: the page and the indicator's wording.
    client.cookies["django_language"] = "en"
    world.a.officer.language = "en"
    world.a.officer.save()
    english = client.get("/dashboard/definisi/").content.decode()
    assert "Indicator definitions" in english and "Ministry target: 15 %." in english


@pytest.mark.parametrize("role", ["consultant", "owner"])
def test_the_definitions_are_the_dashboards_readers(client, world, role):
    client.force_login(getattr(world.a, role))
    assert client.get("/dashboard/definisi/").status_code == 403
