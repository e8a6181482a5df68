"""Reporting periods in centre-local calendars, and the two periods each one is compared with.

A period is a range of calendar dates. A session (or booking) belongs to it when its start, read
on its own centre's clock (WIB, WITA or WIT), falls on one of those dates. A national or
provincial figure for "November" therefore counts November as each centre lives it: a centre in
Papua starts November at 00:00 WIT, two hours before one in Java. "Today", for the presets, is
the date in the dashboard's own zone (the centre's or province's; WIB for the nation).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, DateField, DateTimeField, DurationField, F, Q, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.calendar import closed_days, local_midnight
from plut.foundation.core.dates import TimeZone

PRESETS = {
    "month": _("Bulan ini"),
    "last_month": _("Bulan lalu"),
    "quarter": _("Triwulan ini"),
    "year": _("Tahun ini"),
    "last_year": _("Tahun lalu"),
    "12m": _("12 bulan terakhir"),
    "custom": _("Rentang tanggal sendiri"),
}
DEFAULT_PRESET = "12m"
MAX_DAYS = 366 * 3

# Indonesia keeps no daylight saving time, so each zone is a fixed offset from UTC; adding it
# to a UTC moment gives the centre's wall clock, which the database can then cut into months.
ZONE_OFFSETS = {
    zone: ZoneInfo(zone).utcoffset(datetime.datetime(2000, 1, 1)) for zone in TimeZone.values
}


def add_months(day: datetime.date, months: int, *, month_end: bool = False) -> datetime.date:
    """``day`` moved by whole months, the day clamped to the month's length (31 Mar - 1 = 28 Feb);
    with ``month_end`` the result is the last day of its month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, last if month_end else min(day.day, last))


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    months_step: int = 0  # the calendar unit to step back by; 0 = the period's own length

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def _is_month_end(self) -> bool:
        return self.end == add_months(self.end, 0, month_end=True)

    def previous(self) -> Period:
        """The same span one calendar unit earlier (a month, a quarter, a year), or for a rolling
        or custom range the range of equal length just before it."""
        if self.months_step:
            return Period(
                add_months(self.start, -self.months_step),
                add_months(self.end, -self.months_step, month_end=self._is_month_end()),
                self.months_step,
            )
        length = datetime.timedelta(days=self.days)
        return Period(self.start - length, self.end - length)

    def year_ago(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February)."""
        return Period(
            add_months(self.start, -12),
            add_months(self.end, -12, month_end=self._is_month_end()),
            self.months_step,
        )

    def comparisons(self) -> dict[str, Period]:
        return {"current": self, "previous": self.previous(), "year_ago": self.year_ago()}

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches, for the time axis of charts."""
        first, result = self.start.replace(day=1), []
        while first <= self.end:
            result.append(first)
            first = add_months(first, 1)
        return result

    def working_days(self, *, until: datetime.date | None = None) -> int:
        """Monday to Friday, less Indonesia's public holidays, up to ``until`` if earlier."""
        end = min(self.end, until) if until else self.end
        if end < self.start:
            return 0
        closed = closed_days(self.start, end)
        return sum(
            1
            for offset in range((end - self.start).days + 1)
            if (day := self.start + datetime.timedelta(days=offset)).weekday() < 5
            and day not in closed
        )

    def weekday_counts(self) -> dict[int, int]:
        """How many working days of each weekday (0 = Monday) the period holds."""
        closed = closed_days(self.start, self.end)
        counts: dict[int, int] = {}
        for offset in range(self.days):
            day = self.start + datetime.timedelta(days=offset)
            if day not in closed:
                counts[day.weekday()] = counts.get(day.weekday(), 0) + 1
        return counts


def preset_period(preset: str, today: datetime.date) -> Period:
    if preset == "month":
        return Period(today.replace(day=1), add_months(today, 0, month_end=True), 1)
    if preset == "last_month":
        first = add_months(today.replace(day=1), -1)
        return Period(first, add_months(first, 0, month_end=True), 1)
    if preset == "quarter":
        first = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return Period(first, add_months(first, 2, month_end=True), 3)
    if preset == "year":
        return Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31), 12)
    if preset == "last_year":
        return Period(
            datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31), 12
        )
    # "12m": the twelve whole months up to and including the current one.
    first = add_months(today.replace(day=1), -11)
    return Period(first, add_months(today, 0, month_end=True), 12)


def in_period(field: str, zone_path: str, period: Period) -> Q:
    """Rows whose moment ``field`` falls within ``period`` on the clock of the zone found at
    ``zone_path``. A range on the column per zone, so the (centre, starts_at) index serves it,
    inside the range all zones' bounds span: one range the planner can estimate and seek to
    when no centre leads (five million sessions read whole for a fortnight of the nation's
    otherwise: docs/performance.md)."""
    after = period.end + datetime.timedelta(days=1)
    bounds = {
        zone: (local_midnight(period.start, zone), local_midnight(after, zone))
        for zone in TimeZone.values
    }
    envelope = Q(
        **{
            f"{field}__gte": min(start for start, _end in bounds.values()),
            f"{field}__lt": max(end for _start, end in bounds.values()),
        }
    )
    return envelope & reduce(
        or_,
        (
            Q(**{zone_path: zone, f"{field}__gte": start, f"{field}__lt": end})
            for zone, (start, end) in bounds.items()
        ),
    )


def before(field: str, zone_path: str, day: datetime.date) -> Q:
    """Rows whose moment falls before ``day`` begins on their own clock (within the latest of
    the zones' bounds, as ``in_period``)."""
    bounds = {zone: local_midnight(day, zone) for zone in TimeZone.values}
    return Q(**{f"{field}__lt": max(bounds.values())}) & reduce(
        or_, (Q(**{zone_path: zone, f"{field}__lt": bound}) for zone, bound in bounds.items())
    )


def _wall_clock(field: str, zone_path: str) -> Any:
    offset = Case(
        *(When(**{zone_path: zone}, then=Value(delta)) for zone, delta in ZONE_OFFSETS.items()),
        output_field=DurationField(),
    )
    wall_clock = F(field) + offset
    wall_clock.output_field = DateTimeField()
    return wall_clock


def local_month(field: str, zone_path: str) -> TruncMonth:
    """The first day of the month ``field`` falls in, on each row's own clock."""
    return TruncMonth(_wall_clock(field, zone_path), tzinfo=datetime.UTC, output_field=DateField())


def local_day(field: str, zone_path: str) -> TruncDate:
    """The date ``field`` falls on, on each row's own clock."""
    return TruncDate(_wall_clock(field, zone_path), tzinfo=datetime.UTC)


def month_end(day: datetime.date) -> datetime.date:
    return add_months(day, 0, month_end=True)
