"""Slot generation: weekly hours, buffers, leave, public holidays, notice, and the three zones."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from mentoring.slots import WeeklyWindow, free_slots

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
