"""Dashboard numbers against independent counts on generated data (three centres in WIB, WITA
and WIT, sessions on month and year edges), period arithmetic, and bounded query counts."""

from __future__ import annotations

import datetime

import pytest

from clinics.models import Centre
from mentoring.models import MentoringSession
from plut.top.dashboards.facts import keep
from plut.top.dashboards.periods import Period, add_months, preset_period
from tests.factories.dashboards import expected, generate, wit_centre

pytestmark = pytest.mark.django_db

# 10 January 2027, 12:00 WIB: "last month" is December 2026; the year before, December 2025.
NOW = datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)
KEYS = (
    "sessions",
    "contact_hours",
    "enterprises",
    "enterprises_new",
    "cooperatives",
    "bookings",
    "no_show_rate",
    "satisfaction",
    "satisfaction_responses",
    "financing",
)


@pytest.fixture
def generated(world, time_machine):
    time_machine.move_to(NOW, tick=False)
    centres = [world.a.centre, world.b.centre, wit_centre()]
    generate(centres)
    return centres


def _cards(client, url: str) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    return {card["key"]: card for card in response.context["data"]["kpis"]["cards"]}


def _check(cards: dict, centres: list[Centre]) -> None:
    for period, (year, month) in {
        "current": (2026, 12),
        "previous": (2026, 11),
        "year_ago": (2025, 12),
    }.items():
        truth = expected(centres, year, month)
        shown = {key: cards[key][period] for key in KEYS}
        assert shown == truth, period


def test_national_figures_equal_independent_counts_in_each_centres_zone(client, world, generated):
    client.force_login(world.national)
    _check(_cards(client, "/dashboard/national/?period=last_month"), generated)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_centre_figures_equal_independent_counts(client, world, generated, index):
    client.force_login(world.national)
    centre = generated[index]
    _check(_cards(client, f"/dashboard/centre/{centre.pk}/?period=last_month"), [centre])


def test_province_figures_for_the_officer_hold_only_their_province(client, world, generated):
    client.force_login(world.a.officer)
    _check(_cards(client, "/dashboard/province/18/?period=last_month"), [world.a.centre])


def test_a_session_at_0030_wit_on_1_december_is_december_although_wib_says_november(
    client, world, generated
):
    timur = generated[2]
    december = MentoringSession.objects.filter(
        centre=timur, starts_at=datetime.datetime(2026, 11, 30, 15, 30, tzinfo=datetime.UTC)
    )
    assert december.exists()  # 00:30 WIT = 22:30 WIB on 30 November
    client.force_login(world.national)
    url = f"/dashboard/centre/{timur.pk}/?period=custom&date_from=2026-12-01&date_to=2026-12-01"
    assert _cards(client, url)["sessions"]["current"] == december.count()


def test_the_custom_range_compares_with_the_range_just_before_and_a_year_earlier(
    client, world, generated
):
    client.force_login(world.national)
    response = client.get(
        "/dashboard/national/?period=custom&date_from=2026-12-01&date_to=2026-12-31"
    )
    periods = response.context["data"]["kpis"]["periods"]
    assert periods["previous"] == {
        "start": datetime.date(2026, 10, 31),
        "end": datetime.date(2026, 11, 30),
    }
    assert periods["year_ago"] == {
        "start": datetime.date(2025, 12, 1),
        "end": datetime.date(2025, 12, 31),
    }


def test_periods_step_back_by_calendar_units():
    march = preset_period("month", datetime.date(2027, 3, 15))
    assert (march.previous().start, march.previous().end) == (
        datetime.date(2027, 2, 1),
        datetime.date(2027, 2, 28),
    )
    leap = Period(datetime.date(2028, 2, 1), datetime.date(2028, 2, 29), 1)
    assert leap.year_ago().end == datetime.date(2027, 2, 28)
    quarter = preset_period("quarter", datetime.date(2027, 1, 5))
    assert (quarter.previous().start, quarter.previous().end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)
    # 17 August 2026 (Independence Day) is a Monday: four working days that week.
    week = Period(datetime.date(2026, 8, 17), datetime.date(2026, 8, 23))
    assert week.working_days() == 4


def test_the_league_table_counts_each_centre_in_its_own_zone(client, world, generated):
    client.force_login(world.national)
    league = client.get("/dashboard/national/centres/?period=last_month").context["data"]["league"]
    by_id = {row["centre_id"]: row for row in league}
    for centre in generated:
        truth = expected([centre], 2026, 12)
        assert by_id[centre.pk]["sessions"] == truth["sessions"]
        assert by_id[centre.pk]["enterprises"] == truth["enterprises"]
        assert (
            by_id[centre.pk]["consultants"]
            == centre.memberships.filter(user__role="consultant").count()
        )
    ranking = client.get("/dashboard/national/provinces/?period=last_month").context["data"][
        "ranking"
    ]
    lampung = next(row for row in ranking if row["code"] == "18")
    assert lampung["sessions"] == expected([world.a.centre], 2026, 12)["sessions"]


def test_charts_add_up_to_the_sessions_card(client, world, generated):
    client.force_login(world.national)
    data = client.get("/dashboard/national/charts/?period=last_month").context["data"]
    total = expected(generated, 2026, 12)["sessions"]
    assert sum(sum(area["counts"]) for area in data["over_time"]["by_area"]) == total
    assert sum(mode["count"] for mode in data["over_time"]["by_mode"]) == total
    assert sum(person["sessions"] for person in data["workload"]) == total
    assert data["over_time"]["months"] == ["2026-12-01"]


# (user, url): at most 15 queries, and the same number with the fixture's one row per centre
# as with the generated hundreds.
PAGES = [
    ("national", "/dashboard/national/"),
    ("national", "/dashboard/national/charts/"),
    ("national", "/dashboard/national/provinces/"),
    ("national", "/dashboard/national/centres/"),
    ("national", "/dashboard/national/map/?figure=active_rate"),
    ("national", "/dashboard/national/cooperatives/"),
    ("officer_a", "/dashboard/province/18/?regency=18.71&service_area=financing"),
    ("officer_a", "/dashboard/province/18/charts/"),
    ("officer_a", "/dashboard/province/18/centres/"),
    ("manager_a", "/dashboard/centre/{a}/"),
    ("manager_a", "/dashboard/centre/{a}/charts/"),
    ("manager_a", "/dashboard/centre/{a}/consultants/"),
    ("manager_a", "/dashboard/centre/{a}/cooperatives/"),
    ("manager_a", "/dashboard/centre/{a}/overview/export.xlsx"),
]


def _count_queries(client, world, user: str, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user(user))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url.format(a=world.a.centre.pk))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(("user", "url"), PAGES)
def test_each_page_runs_the_same_bounded_number_of_queries_with_few_or_many_rows(
    client, world, time_machine, django_assert_num_queries, user, url
):
    time_machine.move_to(NOW, tick=False)
    # Counted with the facts current: Celery works each change in (facts/keep.py).
    keep.drain()
    few = _count_queries(client, world, user, url)
    assert few <= 15
    generate([world.a.centre, world.b.centre], sessions_per_centre=60)
    keep.drain()
    client.force_login(world.user(user))
    with django_assert_num_queries(few):
        client.get(url.format(a=world.a.centre.pk))
