"""Free booking slots: pure logic, no database.

A slot is offered when at least one consultant who works at that hour is free of bookings
(with the centre's buffer on both sides), not on leave, on a day that is not a public holiday,
and far enough ahead (the minimum notice). Everything is computed on the centre's own calendar
day and clock (WIB, WITA or WIT), then compared as aware datetimes, so a browser's zone never
matters and a day is the centre's day even around midnight.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WeeklyWindow:
    weekday: int  # Monday = 0, as datetime.date.weekday()
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    consultant_ids: tuple[int, ...]  # who is free for it, for routing


def _overlaps(
    start: datetime.datetime,
    end: datetime.datetime,
    busy: Sequence[tuple[datetime.datetime, datetime.datetime]],
) -> bool:
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def free_slots(
    *,
    zone: str,
    hours: Mapping[int, Iterable[WeeklyWindow]],
    leave: Mapping[int, Iterable[tuple[datetime.date, datetime.date]]],
    busy: Mapping[int, Sequence[tuple[datetime.datetime, datetime.datetime]]],
    closed_days: set[datetime.date],
    slot_minutes: int,
    buffer_minutes: int,
    notice_minutes: int,
    now: datetime.datetime,
    days: int = 28,
) -> list[Slot]:
    """Slots in the next ``days`` centre-local days, earliest first.

    ``hours``, ``leave`` and ``busy`` are keyed by consultant id; ``leave`` holds inclusive date
    ranges; ``busy`` the consultant's active bookings. Slots start on a grid from the start of
    each working window, so a window 08:00-12:00 with 60-minute slots offers 08:00 to 11:00.
    """
    tz = ZoneInfo(zone)
    slot = datetime.timedelta(minutes=slot_minutes)
    buffer = datetime.timedelta(minutes=buffer_minutes)
    earliest = now + datetime.timedelta(minutes=notice_minutes)
    first_day = now.astimezone(tz).date()
    free: dict[datetime.datetime, list[int]] = {}
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        if day in closed_days:
            continue
        for consultant_id, windows in hours.items():
            if any(start <= day <= end for start, end in leave.get(consultant_id, ())):
                continue
            taken = busy.get(consultant_id, ())
            for window in windows:
                if window.weekday != day.weekday():
                    continue
                start = datetime.datetime.combine(day, window.start, tzinfo=tz)
                window_end = datetime.datetime.combine(day, window.end, tzinfo=tz)
                while start + slot <= window_end:
                    if start >= earliest and not _overlaps(
                        start - buffer, start + slot + buffer, taken
                    ):
                        free.setdefault(start, []).append(consultant_id)
                    start += slot
    return [
        Slot(starts_at=start, ends_at=start + slot, consultant_ids=tuple(sorted(ids)))
        for start, ids in sorted(free.items())
    ]
