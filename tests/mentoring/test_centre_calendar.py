"""Each centre's own calendar, for everyone who reads it.

Monday 00:30 in Makassar (WITA) is still Sunday 23:30 in Jakarta (WIB), the portal's own
zone: a provincial officer or the national administrator must see Makassar's Monday for
Makassar's rows, as its staff do, and a follow-up due on Sunday is already late there.
"""

from __future__ import annotations

import datetime
import operator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentoring.models import Booking, BookingStatus, MentoringSession
from mentoring.selectors.records import on_centres_clock, zones_of
from plut.foundation.core.calendar import day_bounds
from tests.factories.cooperatives import CooperativeFactory
from tests.factories.mentoring import BookingFactory, FollowUpFactory

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
# Monday 7 December 2026, 00:30 WITA = Sunday 6 December, 23:30 WIB.
NOW = datetime.datetime(2026, 12, 7, 0, 30, tzinfo=WITA)
MONDAY = datetime.date(2026, 12, 7)
SUNDAY = datetime.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _world_quiet(world):
    # The world's own sessions and follow-ups out of the way of this week's and today's lists.
    MentoringSession.objects.update(
        starts_at=datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.UTC),
    )
    world.a.follow_up.delete()
    world.b.follow_up.delete()


@pytest.mark.parametrize("user_name", ["officer_b", "national", "manager_b"])
@time_machine.travel(NOW, tick=False)
def test_todays_bookings_are_the_centres_monday_for_every_reader(client, world, user_name):
    monday = BookingFactory(
        enterprise=world.b.enterprise,
        status=BookingStatus.CONFIRMED,
        starts_at=datetime.datetime(2026, 12, 7, 9, tzinfo=WITA),
        ends_at=datetime.datetime(2026, 12, 7, 10, tzinfo=WITA),
    )
    sunday = BookingFactory(
        enterprise=world.b.enterprise,
        status=BookingStatus.CONFIRMED,
        starts_at=datetime.datetime(2026, 12, 6, 15, tzinfo=WITA),
        ends_at=datetime.datetime(2026, 12, 6, 16, tzinfo=WITA),
    )
    client.force_login(world.user(user_name))
    shown = set(client.get("/staff/").context["bookings"])
    assert monday in shown
    assert sunday not in shown


@pytest.mark.parametrize("user_name", ["officer_b", "national"])
@time_machine.travel(NOW, tick=False)
def test_a_follow_up_due_on_sunday_is_late_on_the_centres_monday(client, world, user_name):
    late = FollowUpFactory(session=world.b.session, due_on=SUNDAY)
    due = FollowUpFactory(session=world.b.session, due_on=MONDAY)
    client.force_login(world.user(user_name))

    home = client.get("/staff/")
    assert set(home.context["follow_ups"]) == {late, due}
    assert home.content.decode().count("(terlambat)") == 1

    overdue = client.get("/staff/follow-ups/", {"who": "all", "status": "overdue"})
    assert [row.item for row in overdue.context["rows"]] == [late]


@time_machine.travel(NOW, tick=False)
def test_this_week_is_the_centres_week_for_an_officer(client, world):
    # 00:10 on Monday in Makassar is this week there, though Jakarta is still on Sunday.
    world.b.session.starts_at = datetime.datetime(2026, 12, 7, 0, 10, tzinfo=WITA)
    world.b.session.ends_at = world.b.session.starts_at + datetime.timedelta(minutes=15)
    world.b.session.save()
    client.force_login(world.b.officer)
    assert list(client.get("/staff/").context["sessions"]) == [world.b.session]


@time_machine.travel(NOW, tick=False)
def test_the_heading_shows_the_date_with_its_zone(client, world):
    client.force_login(world.b.officer)
    body = client.get("/staff/").content.decode()
    assert "Senin, 7 Desember 2026 · WITA" in body


@time_machine.travel(NOW, tick=False)
def test_a_rat_held_this_morning_in_makassar_is_not_in_the_future(world):
    cooperative = CooperativeFactory(centre=world.b.centre)
    cooperative.last_rat_on = MONDAY
    cooperative.full_clean()
    cooperative.last_rat_on = MONDAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="masa depan"):
        cooperative.full_clean()


COMPARE = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


@pytest.mark.parametrize("kept", [True, False])
@pytest.mark.parametrize("lookup", sorted(COMPARE))
@time_machine.travel(NOW, tick=False)
def test_each_centre_is_compared_with_its_own_zones_bound(world, settings, kept, lookup):
    # One filter for both zones: a range on the column from the loosest bound, and the rows
    # between the bounds kept or dropped by their own centre's (from the kept centres or a
    # subquery). Bookings every half hour around the two midnights, at both centres.
    settings.CENTRE_CACHE = kept
    first = datetime.datetime(2026, 12, 6, 14, tzinfo=datetime.UTC)  # Sunday 21:00 WIB
    made = []
    for side in (world.a, world.b):
        for step in range(10):
            at = first + datetime.timedelta(minutes=30 * step)
            made.append(
                BookingFactory(
                    enterprise=side.enterprise,
                    status=BookingStatus.CANCELLED,
                    starts_at=at,
                    ends_at=at + datetime.timedelta(minutes=15),
                )
            )

    def today(zone: str) -> datetime.datetime:
        return day_bounds(timezone.now(), zone)[0]

    rows = Booking.objects.filter(pk__in=[booking.pk for booking in made])
    found = set(rows.filter(on_centres_clock("starts_at", lookup, today, zones=None)))
    expected = {
        booking
        for booking in made
        if COMPARE[lookup](booking.starts_at, today(booking.centre.timezone))
    }
    assert found == expected
    assert 0 < len(expected) < len(made)


def test_the_zones_of_a_reader_are_their_centres_or_their_provinces(world):
    assert zones_of(world.b.manager) == ["Asia/Makassar"]
    assert zones_of(world.a.consultant) == ["Asia/Jakarta"]
    assert zones_of(world.b.officer) == ["Asia/Makassar"]
    assert zones_of(world.national) is None
