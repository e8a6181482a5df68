from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from clinics.models import Centre, ServiceArea
from cooperatives.models import Cooperative, Enterprise
from mentoring.models import Booking, MentoringSession, Outcome
from plut.foundation.accounts.models import User
from plut.top.demo.generator import DEMO_CENTRES, generate
from plut.top.demo.services import demo_load, demo_logins

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def demo_mode(settings):
    settings.DEBUG = True
    settings.DEMO_MODE = True


def test_demo_refuses_to_run_without_demo_mode(reference_data, settings):
    settings.DEMO_MODE = False
    with pytest.raises(ImproperlyConfigured):
        demo_load()
    assert not User.objects.exists()


def test_demo_refuses_with_debug_off_even_in_demo_mode(reference_data, settings):
    settings.DEMO_MODE, settings.DEBUG = True, False
    with pytest.raises(ImproperlyConfigured):
        demo_load()


def test_demo_creates_a_living_portal_once(reference_data, demo_mode, capsys):
    call_command("load_demo")
    assert Enterprise.objects.count() == 200
    assert Cooperative.objects.count() == 30
    assert MentoringSession.objects.count() == 400
    assert set(MentoringSession.objects.values_list("service_area__code", flat=True)) == set(
        ServiceArea.objects.values_list("code", flat=True)
    )
    assert Booking.objects.filter(status__in=["requested", "confirmed"]).exists()
    assert Outcome.objects.count() == 150
    printed = capsys.readouterr().out
    for name in ["nasional", "provinsi", "manajer", "konsultan", "konsultan2", "umkm"]:
        assert name in printed
    assert "plut-demo" in printed
    # A second run leaves everything as it was.
    call_command("load_demo")
    assert Enterprise.objects.count() == 200


def test_each_demo_account_has_its_scope(reference_data, demo_mode):
    demo_load(today=TODAY)
    logins = {login.username: login for login in demo_logins()}
    home, other = DEMO_CENTRES[0], DEMO_CENTRES[1]
    assert logins["provinsi"].scope == "Lampung"
    assert logins["manajer"].scope == home
    assert logins["konsultan"].scope == home
    assert logins["konsultan2"].scope == other
    assert User.objects.get(username="umkm").person.enterprises.count() == 1
    for name in logins:
        assert User.objects.get(username=name).check_password("plut-demo")
    # The named consultants take part of their centres' sessions.
    assert MentoringSession.objects.filter(consultant__username="konsultan").exists()
    assert MentoringSession.objects.filter(consultant__username="konsultan2").exists()


def test_generator_is_deterministic(reference_data):
    centres = [Centre.objects.get(name=DEMO_CENTRES[0])]
    first = generate(
        centres=centres,
        enterprises=5,
        cooperatives=2,
        sessions=5,
        bookings=3,
        outcomes=2,
        seed=7,
        today=TODAY,
    )
    names = [e.name for e in first.enterprises]
    topics = [s.topic for s in first.sessions]
    second = generate(
        centres=centres,
        enterprises=5,
        cooperatives=2,
        sessions=5,
        bookings=3,
        outcomes=2,
        seed=7,
        today=TODAY,
    )
    assert [e.name for e in second.enterprises] == names
    assert [s.topic for s in second.sessions] == topics


def test_generated_rows_are_valid(reference_data):
    data = generate(
        centres=list(Centre.objects.filter(name__in=DEMO_CENTRES)),
        enterprises=30,
        cooperatives=5,
        sessions=30,
        bookings=10,
        outcomes=10,
        today=TODAY,
    )
    for row in [*data.enterprises, *data.cooperatives, *data.sessions, *data.outcomes]:
        row.full_clean()
    for enterprise in data.enterprises:
        enterprise.owner.full_clean()


def test_generator_writes_in_bulk_not_row_by_row(reference_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    centres = list(Centre.objects.filter(name__in=DEMO_CENTRES))

    with CaptureQueriesContext(connection) as context:
        generate(
            centres=centres,
            enterprises=1000,
            cooperatives=100,
            sessions=2000,
            bookings=200,
            outcomes=500,
            today=TODAY,
        )
    rows = 1000 * 2 + 100 * 2 + 2000 * 2 + 200 + 500  # with owners, chairs, attendance
    # Batches only (the database's parameter limit sets their size): row-by-row saving would
    # need one query per row.
    assert len(context.captured_queries) < rows / 20


def test_demo_sessions_happen_in_each_centres_working_hours(reference_data, demo_mode):
    from zoneinfo import ZoneInfo

    demo_load(today=TODAY)
    for session in MentoringSession.objects.select_related("centre__province")[:100]:
        local = session.starts_at.astimezone(ZoneInfo(session.centre.timezone))
        assert 8 <= local.hour <= 15


def test_the_ministrys_indicator_has_a_value_at_every_level_of_the_demo(reference_data, demo_mode):
    """Enterprises are registered (their turnover: the baseline) before the year of outcomes, so
    "Kenaikan omzet UMKM dampingan" tells a story in the nation, the province and each centre."""
    from django.http import QueryDict

    from plut.top.dashboards.facts import keep
    from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, filters_from, place_for
    from plut.top.dashboards.selectors import kpis

    demo_load()
    keep.drain()  # the demo's sessions, into the facts (what the worker of `make run` does)
    national = User.objects.get(username="nasional")
    places = [place_for(national, NATIONAL), place_for(national, PROVINCE, "18")]
    places += [
        place_for(national, CENTRE, Centre.objects.get(name=name).pk) for name in DEMO_CENTRES
    ]
    for place in places:
        _form, filters = filters_from(QueryDict(), user=national, place=place)
        cards = {card["key"]: card["current"] for card in kpis(national, place, filters)["cards"]}
        assert cards["turnover_enterprises"] >= 3, place
        assert 0 < cards["turnover_increase"] < 60, place  # a believable growth, in percent
