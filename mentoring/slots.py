"""Free booking slots: pure logic, no database.

A slot is offered when at least one consultant who works at that hour is free of bookings
(with the centre's buffer on both sides), not on leave, on a day that is not a public holiday,
and far enough ahead (the minimum notice). Everything is computed on the centre's own calendar
day and clock (WIB, WITA or WIT), then compared as aware datetimes, so a browser's zone never
matters and a day is the centre's day even around midnight.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
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


Span = tuple[datetime.datetime, datetime.datetime]


class _Busy:
    """One consultant's bookings, for overlap tests in O(log n) rather than a pass each.

    Sorted by start, with the latest end so far: among the bookings that begin before ``end``,
    one ends after ``start`` exactly when their latest end does. That holds even if bookings
    overlap each other (SQLite has no exclusion constraint). Moments are POSIX timestamps:
    comparing datetimes of different zones asks both for their offset every time."""

    def __init__(self, spans: Sequence[Span]) -> None:
        ordered = sorted((start.timestamp(), end.timestamp()) for start, end in spans)
        self.starts = [span[0] for span in ordered]
        self.latest_end = list(accumulate((span[1] for span in ordered), max))

    def overlaps(self, start: float, end: float) -> bool:
        before_end = bisect.bisect_left(self.starts, end)
        return before_end > 0 and self.latest_end[before_end - 1] > start


def free_slots(
    *,
    zone: str,
    hours: Mapping[int, Iterable[WeeklyWindow]],
    leave: Mapping[int, Iterable[tuple[datetime.date, datetime.date]]],
    busy: Mapping[int, Sequence[Span]],
    closed_days: set[datetime.date],
    slot_minutes: int,
    buffer_minutes: int,
    notice_minutes: int,
    now: datetime.datetime,
    days: int = 28,
    at: datetime.datetime | None = None,
) -> list[Slot]:
    """Slots in the next ``days`` centre-local days, earliest first.

    ``hours``, ``leave`` and ``busy`` are keyed by consultant id; ``leave`` holds inclusive date
    ranges; ``busy`` the consultant's active bookings. Slots start on a grid from the start of
    each working window, so a window 08:00-12:00 with 60-minute slots offers 08:00 to 11:00.

    With ``at``, only the slot starting then, if it is offered (a list of one, or empty): only
    its day is walked, so the inputs need only cover that day (its weekday's hours, leave on
    it, bookings within a buffer of the slot). The same walk as the whole list, so a slot is
    bookable exactly when the page would offer it.
    """
    tz = ZoneInfo(zone)
    slot = datetime.timedelta(minutes=slot_minutes)
    length, buffer = slot.total_seconds(), buffer_minutes * 60
    earliest = (now + datetime.timedelta(minutes=notice_minutes)).timestamp()
    first_day = now.astimezone(tz).date()
    horizon = [first_day + datetime.timedelta(days=offset) for offset in range(days)]
    wanted = None if at is None else at.timestamp()
    if at is not None:
        horizon = [day for day in horizon if day == at.astimezone(tz).date()]
    taken = {consultant_id: _Busy(spans) for consultant_id, spans in busy.items()}
    nobody = _Busy(())
    offered: list[Slot] = []
    for day in horizon:
        if day in closed_days:
            continue
        weekday = day.weekday()
        # The walk steps through POSIX timestamps: a datetime sum and its timestamp() at every
        # step were most of the page's time. Indonesia's zones keep no daylight saving, so a
        # step of the clock is a step of the timestamp.
        free: dict[float, list[int]] = {}
        for consultant_id, windows in hours.items():
            if any(start <= day <= end for start, end in leave.get(consultant_id, ())):
                continue
            bookings = taken.get(consultant_id, nobody)
            for window in windows:
                if window.weekday != weekday:
                    continue
                moment = datetime.datetime.combine(day, window.start, tzinfo=tz).timestamp()
                window_end = datetime.datetime.combine(day, window.end, tzinfo=tz).timestamp()
                while moment + length <= window_end:
                    if (
                        moment >= earliest
                        and wanted in (None, moment)
                        and not bookings.overlaps(moment - buffer, moment + length + buffer)
                    ):
                        free.setdefault(moment, []).append(consultant_id)
                    moment += length
        for moment, ids in sorted(free.items()):
            starts_at = datetime.datetime.fromtimestamp(moment, tz)
            offered.append(Slot(starts_at, starts_at + slot, tuple(sorted(ids))))
    return offered
