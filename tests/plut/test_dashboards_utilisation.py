"""The weekly under-use ("rumah hantu") alert: figures per centre and ISO week, the floor and
the sharp drop, an idempotent upsert, a digest sent once, and the flag on the league table."""

from __future__ import annotations

import datetime

import pytest

from clinics.models import WorkingHours
from plut.foundation.messaging.models import Message
from plut.top.dashboards.models import CentreUtilisation
from plut.top.dashboards.services import last_complete_week, utilisation_weekly
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

# Monday 16 November 2026, 10:00 WIB: the last whole week is 9-15 November (no holidays).
NOW = datetime.datetime(2026, 11, 16, 3, 0, tzinfo=datetime.UTC)
WEEK = datetime.date(2026, 11, 9)


@pytest.fixture
def week(world, settings, time_machine):
    settings.UNDERUSE_MIN_SESSIONS_PER_CONSULTANT_DAY = 1.0
    settings.UNDERUSE_MIN_FILL_RATE = 0.0
    settings.UNDERUSE_DROP_RATIO = 0.5
    time_machine.move_to(NOW, tick=False)
    for user in (world.a.officer, world.b.officer, world.national):
        user.email = f"{user.username}@example.id"
        user.save()
    # Centre b: 6 sessions by its one consultant in 5 working days (1.2 a day), above the floor;
    # centre a: none (the fixture's session is outside the week).
    for day in range(6):
        SessionFactory(
            consultant=world.b.consultant,
            starts_at=datetime.datetime(2026, 11, 9 + day % 5, 1, 0, tzinfo=datetime.UTC),
        )
    return world


def test_last_complete_week_is_the_monday_before_this_weeks():
    assert last_complete_week(datetime.date(2026, 11, 16)) == WEEK
    assert last_complete_week(datetime.date(2026, 11, 22)) == WEEK


def test_a_centre_below_the_floor_is_flagged_and_one_above_is_not(week):
    utilisation_weekly()
    a = CentreUtilisation.objects.get(centre=week.a.centre, week_start=WEEK)
    b = CentreUtilisation.objects.get(centre=week.b.centre, week_start=WEEK)
    assert (a.sessions, a.consultants, a.working_days, a.per_consultant_day) == (0, 1, 5, 0.0)
    assert a.below_floor and a.flagged
    assert (b.sessions, b.per_consultant_day, b.flagged) == (6, 1.2, False)


def test_a_sharp_drop_from_the_centres_own_eight_week_average_is_flagged(week):
    for weeks_back in range(1, 9):
        CentreUtilisation.objects.create(
            centre=week.b.centre,
            week_start=WEEK - datetime.timedelta(weeks=weeks_back),
            per_consultant_day=3.0,
        )
    utilisation_weekly()
    b = CentreUtilisation.objects.get(centre=week.b.centre, week_start=WEEK)
    assert b.trailing_per_consultant_day == 3.0
    assert (b.below_floor, b.dropped, b.flagged) == (False, True, True)


def test_fill_rate_divides_booked_hours_by_working_hours(week, settings):
    membership = week.b.consultant.staff_membership
    for weekday in range(5):  # 8 hours a day, 40 in the week
        WorkingHours.objects.create(
            membership=membership,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(16),
        )
    booking = week.b.booking
    booking.starts_at = datetime.datetime(2026, 11, 10, 2, 0, tzinfo=datetime.UTC)
    booking.ends_at = booking.starts_at + datetime.timedelta(hours=2)
    booking.save()
    utilisation_weekly()
    assert CentreUtilisation.objects.get(centre=week.b.centre).fill_rate == 5.0  # 2 of 40 h


def test_running_again_updates_in_place_and_sends_no_second_digest(week):
    utilisation_weekly()
    rows, messages = CentreUtilisation.objects.count(), Message.objects.count()
    utilisation_weekly()
    assert CentreUtilisation.objects.count() == rows
    assert Message.objects.count() == messages


def test_the_digest_goes_to_the_officers_of_flagged_provinces_and_the_ministry(week):
    utilisation_weekly()
    digests = Message.objects.filter(kind="underuse_digest")
    flagged = CentreUtilisation.objects.filter(flagged=True).select_related("centre")
    provinces = {row.centre.province_id for row in flagged}
    officers = {"officer_a@example.id"} | ({"officer_b@example.id"} if "73" in provinces else set())
    assert set(digests.values_list("recipient", flat=True)) == officers | {"national@example.id"}
    officer = digests.get(recipient="officer_a@example.id")
    assert week.a.centre.name in officer.body
    assert not any(
        row.centre.province_id != "18" and row.centre.name in officer.body for row in flagged
    )
    assert week.b.centre.name not in digests.get(recipient="national@example.id").body
    assert officer.key == f"underuse:{WEEK.isoformat()}:user:{week.a.officer.pk}"


def test_the_flag_shows_on_the_league_table(client, week):
    utilisation_weekly()
    client.force_login(week.national)
    response = client.get("/dashboard/national/centres/?sort=-flagged")
    league = {row["centre_id"]: row for row in response.context["data"]["league"]}
    assert league[week.a.centre.pk]["flagged"] is True
    assert league[week.b.centre.pk]["flagged"] is False
    assert 'class="flagged"' in response.content.decode()
