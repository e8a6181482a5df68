"""Slot generation: weekly hours, buffers, leave, public holidays, notice, and the three zones."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from mentoring.slots import Slot, WeeklyWindow, free_slots

UTC = datetime.UTC
# Monday 30 November 2026, 00:00 UTC = 07:00 WIB = 08:00 WITA = 09:00 WIT.
MONDAY = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
MORNING = [WeeklyWindow(0, datetime.time(8), datetime.time(12))]


def _slots(**kwargs):
    params = dict(
        zone="Asia/Jakarta",
        hours={1: MORNING},
        leave={},
        busy={},
        closed_days=set(),
        slot_minutes=60,
        buffer_minutes=0,
        notice_minutes=0,
        now=MONDAY,
        days=1,
    )
    params.update(kwargs)
    return free_slots(**params)


def _local(slots, zone="Asia/Jakarta"):
    return [s.starts_at.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for s in slots]


def test_weekly_hours_make_a_grid_of_slots():
    assert _local(_slots()) == ["Mon 08:00", "Mon 09:00", "Mon 10:00", "Mon 11:00"]


def test_slot_length_follows_the_service_area():
    assert _local(_slots(slot_minutes=90)) == ["Mon 08:00", "Mon 09:30"]


def test_a_booking_and_its_buffer_block_neighbouring_slots():
    tz = ZoneInfo("Asia/Jakarta")
    busy = {
        1: [
            (
                datetime.datetime(2026, 11, 30, 9, 0, tzinfo=tz),
                datetime.datetime(2026, 11, 30, 10, 0, tzinfo=tz),
            )
        ]
    }
    assert _local(_slots(busy=busy)) == ["Mon 08:00", "Mon 10:00", "Mon 11:00"]
    assert _local(_slots(busy=busy, buffer_minutes=15)) == ["Mon 11:00"]


def test_leave_and_public_holidays_close_the_day():
    assert _slots(leave={1: [(datetime.date(2026, 11, 29), datetime.date(2026, 11, 30))]}) == []
    assert _slots(closed_days={datetime.date(2026, 11, 30)}) == []


def test_minimum_notice_hides_slots_too_soon():
    # 07:00 WIB now, two hours' notice: 09:00 is the first slot.
    assert _local(_slots(notice_minutes=120)) == ["Mon 09:00", "Mon 10:00", "Mon 11:00"]


@pytest.mark.parametrize(
    ("zone", "first_utc_hour"),
    [("Asia/Jakarta", 1), ("Asia/Makassar", 0), ("Asia/Jayapura", 23)],
)
def test_eight_oclock_is_local_in_each_of_the_three_zones(zone, first_utc_hour):
    now = MONDAY - datetime.timedelta(hours=3)  # Sunday evening UTC
    slots = _slots(zone=zone, now=now, days=2)
    assert _local(slots, zone)[0] == "Mon 08:00"
    assert slots[0].starts_at.astimezone(UTC).hour == first_utc_hour


def test_the_centres_day_starts_at_its_own_midnight():
    # 23:30 UTC on Sunday is already Monday 08:30 in Jayapura (WIT): Monday's 08:00 is past.
    now = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert _local(_slots(zone="Asia/Jayapura", now=now), "Asia/Jayapura") == [
        "Mon 09:00",
        "Mon 10:00",
        "Mon 11:00",
    ]
    # The same moment is still Monday 06:30 in Jakarta: the whole morning is ahead.
    assert _local(_slots(zone="Asia/Jakarta", now=now)) == [
        "Mon 08:00",
        "Mon 09:00",
        "Mon 10:00",
        "Mon 11:00",
    ]


def test_each_slot_says_which_consultants_are_free():
    tz = ZoneInfo("Asia/Jakarta")
    busy = {
        2: [
            (
                datetime.datetime(2026, 11, 30, 8, tzinfo=tz),
                datetime.datetime(2026, 11, 30, 9, tzinfo=tz),
            )
        ]
    }
    slots = _slots(hours={1: MORNING, 2: MORNING}, busy=busy)
    assert [s.consultant_ids for s in slots] == [(1,), (1, 2), (1, 2), (1, 2)]


def test_four_weeks_ahead_only_on_working_days():
    slots = _slots(days=28)
    days = {s.starts_at.date() for s in slots}
    assert len(days) == 4  # four Mondays
    assert all(s.starts_at.astimezone(ZoneInfo("Asia/Jakarta")).weekday() == 0 for s in slots)


# --- One chosen slot (``at``): what booking checks --------------------------------------------

WIB = ZoneInfo("Asia/Jakarta")


def _wib(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Jakarta; days past 30 run on into December (32 = 2 December)."""
    monday = datetime.datetime(2026, 11, 30, hour, minute, tzinfo=WIB)
    return monday + datetime.timedelta(days=day - 30)


WEEKDAYS = [WeeklyWindow(day, datetime.time(8), datetime.time(12)) for day in range(5)]


def _at(moment, **kwargs):
    params = {"days": 28, "hours": {1: WEEKDAYS, 2: WEEKDAYS}, "notice_minutes": 120, **kwargs}
    return _slots(at=moment, **params)


def _hour_slot(start, consultant_ids):
    return Slot(
        starts_at=start, ends_at=start + datetime.timedelta(hours=1), consultant_ids=consultant_ids
    )


def test_a_free_slot_is_found_with_whoever_is_free():
    assert _at(_wib(31, 10)) == [_hour_slot(_wib(31, 10), (1, 2))]
    busy = {2: [(_wib(31, 9), _wib(31, 10))]}
    assert _at(_wib(31, 9), busy=busy) == [_hour_slot(_wib(31, 9), (1,))]


TUESDAY = datetime.date(2026, 12, 1)
BOTH_BOOKED_AT_9 = {c: [(_wib(31, 9), _wib(31, 10))] for c in (1, 2)}


@pytest.mark.parametrize(
    ("why", "moment", "extra"),
    [
        ("taken by both", _wib(31, 9), {"busy": BOTH_BOOKED_AT_9}),
        (
            "the buffer of a booking next to it",
            _wib(31, 10),
            {"busy": BOTH_BOOKED_AT_9, "buffer_minutes": 15},
        ),
        ("before the hours", _wib(31, 7), {}),
        ("the hours end before the slot does", _wib(31, 12), {}),
        ("off the grid", _wib(31, 9, 30), {}),
        ("a Saturday", _wib(35, 9), {}),
        ("a public holiday", _wib(55, 9), {"closed_days": {datetime.date(2026, 12, 25)}}),
        ("both on leave", _wib(31, 9), {"leave": {c: [(TUESDAY, TUESDAY)] for c in (1, 2)}}),
        ("in the past", _wib(27, 9), {}),
        ("inside the notice", _wib(30, 8), {}),
        ("beyond the horizon", _wib(58, 9), {}),  # Monday 28 December: day 29
    ],
)
def test_a_slot_that_is_not_offered_is_refused(why, moment, extra):
    assert _at(moment, **extra) == [], why


def test_the_last_day_of_the_horizon_is_still_offered():
    assert _at(_wib(54, 9)) and _at(_wib(54, 9), days=24) == []  # Thursday 24 December


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_one_slot_is_offered_exactly_when_the_list_offers_it(zone):
    """Every half hour of five weeks, in each zone, with bookings, buffers, leave and a
    holiday: the single-slot answer agrees with the whole list, consultants included."""
    tz = ZoneInfo(zone)

    def local(day: int, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2026, 11, 30, hour, minute, tzinfo=tz) + datetime.timedelta(
            days=day - 30
        )

    afternoon = [WeeklyWindow(day, datetime.time(13), datetime.time(16, 30)) for day in (1, 3)]
    inputs = dict(
        zone=zone,
        hours={1: WEEKDAYS, 2: WEEKDAYS + afternoon, 3: afternoon},
        leave={2: [(local(33, 0).date(), local(37, 0).date())]},
        busy={
            1: [(local(30, 10), local(30, 11)), (local(31, 8, 30), local(31, 9, 30))],
            2: [(local(32, 13), local(32, 14)), (local(40, 9), local(40, 10))],
            3: [(local(31, 14, 15), local(31, 15))],
        },
        closed_days={local(45, 0).date()},
        slot_minutes=45,
        buffer_minutes=10,
        notice_minutes=90,
        now=local(30, 6, 50),
        days=28,
    )
    offered = {slot.starts_at: slot for slot in free_slots(**inputs)}
    assert len(offered) > 100
    moment = local(29, 0)
    while moment < local(65, 0):
        assert free_slots(at=moment, **inputs) == ([offered[moment]] if moment in offered else [])
        moment += datetime.timedelta(minutes=15)
