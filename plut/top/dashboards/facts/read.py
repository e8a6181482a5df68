"""A dashboard's figures from the cells: a few rows per month, whatever the filters.

A period is cut into whole months, read from the month cells, and the days of a month it only
partly covers (custom ranges): from the nation's day cells, or for a province or a centre from
the source tables (a few hundred sessions). The sets of ids are united before counting, so
"unique", "new" and "returning" enterprises are exact over any range.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from clinics.selectors import areas_by_code
from mentoring.models import Booking, MentoringSession
from plut.top.dashboards.facts.keep import ANY_AREA, ANY_MODE, ZONE, cell_totals
from plut.top.dashboards.facts.measure import (
    NUMBERS,
    SESSION_NUMBERS,
    SETS,
    Totals,
    measure,
    names_of_people,
)
from plut.top.dashboards.facts.measure import workload as measure_workload
from plut.top.dashboards.filters import Filters, Place
from plut.top.dashboards.models import Cell, ConsultantCell, Grain, Level
from plut.top.dashboards.periods import Period, in_period, month_end

ONE_DAY = datetime.timedelta(days=1)


def answers(filters: Filters) -> bool:
    """Whether the cells hold these filters (a regency is read from the source tables)."""
    return not filters.invalid and not filters.regency


@dataclass(frozen=True)
class Key:
    """Which cells a place and its filters read."""

    level: int
    scope: int
    area: int
    mode: str

    @classmethod
    def of(cls, place: Place, filters: Filters) -> Key:
        area = areas_by_code(active=False)[filters.service_area].pk if filters.service_area else 0
        mode = filters.mode or ANY_MODE
        if filters.centre:
            return cls(Level.CENTRE, filters.centre, area, mode)
        if place.centre:
            return cls(Level.CENTRE, place.centre.pk, area, mode)
        if place.province:
            return cls(Level.PROVINCE, int(place.province.code), area, mode)
        return cls(Level.NATION, 0, area, mode)


def split(period: Period) -> tuple[list[datetime.date], list[Period]]:
    """The whole months of ``period`` (their first days) and the parts of months it covers."""
    months, parts = [], []
    cursor = period.start
    while cursor <= period.end:
        last = month_end(cursor)
        if cursor.day == 1 and last <= period.end:
            months.append(cursor)
        else:
            parts.append(Period(cursor, min(last, period.end)))
        cursor = last + ONE_DAY
    return months, parts


# --- Days no month cell holds ----------------------------------------------------------------


def _of_places(model: type[MentoringSession | Booking], level: int, scopes: list[int]) -> QuerySet:
    """The sessions or bookings of the centres or provinces listed (or of the nation)."""
    rows = model.objects.all()
    if level == Level.CENTRE:
        return rows.filter(centre_id__in=scopes)
    if level == Level.PROVINCE:
        return rows.filter(centre__province_id__in=[f"{scope:02d}" for scope in scopes])
    return rows


def _narrowed(rows: QuerySet, area: int, mode: str, period: Period) -> QuerySet:
    rows = rows.filter(in_period("starts_at", ZONE, period))
    if area:
        rows = rows.filter(service_area_id=area)
    if mode:
        rows = rows.filter(mode=mode)
    return rows


def _part_live(level: int, scopes: list[int], area: int, mode: str, part: Period) -> dict:
    """``{scope: Totals}`` of some days of a province or centre, from the source tables."""
    column = "centre_id" if level == Level.CENTRE else "centre__province_id"

    def dimensions(path: str) -> dict:
        return {"scope": F(f"{path}{column}")}

    measured = measure(
        _narrowed(_of_places(MentoringSession, level, scopes), area, mode, part),
        _narrowed(_of_places(Booking, level, scopes), area, mode, part),
        dimensions,
    )
    return {int(scope): totals for (scope,), totals in measured.items()}


def _part_days(area: int, mode: str, part: Period) -> Totals:
    """The nation's days of ``part``, from its day cells."""
    rows = Cell.objects.filter(
        level=Level.NATION,
        scope=0,
        area=area,
        mode=mode,
        grain=Grain.DAY,
        day__gte=part.start,
        day__lte=part.end,
    ).values(*NUMBERS, *SETS)
    return Totals.of(cell_totals(row) for row in rows)


def _parts(level: int, scopes: list[int], area: int, mode: str, part: Period) -> dict:
    if level == Level.NATION:
        return {0: _part_days(area, mode, part)}
    return _part_live(level, scopes, area, mode, part)


# --- One place: every month once --------------------------------------------------------------


class PlaceFacts:
    """The cells of one place and filters, read once; figures for any period from them."""

    def __init__(self, key: Key) -> None:
        self.key = key
        rows = Cell.objects.filter(
            level=key.level, scope=key.scope, area=key.area, mode=key.mode, grain=Grain.MONTH
        ).values("day", *NUMBERS, *SETS)
        self.months = {row["day"]: cell_totals(row) for row in rows}
        self._parts: dict[Period, Totals] = {}

    def _part(self, part: Period) -> Totals:
        if part not in self._parts:
            key = self.key
            found = _parts(key.level, [key.scope], key.area, key.mode, part)
            self._parts[part] = found.get(key.scope, Totals())
        return self._parts[part]

    def within(self, period: Period) -> Totals:
        months, parts = split(period)
        return Totals.of(
            [self.months[m] for m in months if m in self.months] + [self._part(p) for p in parts]
        )

    def before(self, day: datetime.date) -> Totals:
        """Everything before ``day`` began."""
        first = day.replace(day=1)
        earlier = [totals for month, totals in self.months.items() if month < first]
        if day != first:
            earlier.append(self._part(Period(first, day - ONE_DAY)))
        return Totals.of(earlier)

    def ever(self) -> Totals:
        return Totals.of(self.months.values())


# --- Many places at once: the league tables -------------------------------------------------


def per_scope(level: int, scopes: list[int], area: int, mode: str, period: Period) -> dict:
    """``{scope: Totals}`` over ``period`` for every scope listed (centres or provinces; the
    days of a month the period only partly covers from the source tables)."""
    months, parts = split(period)
    result: dict[int, Totals] = defaultdict(Totals)
    rows = Cell.objects.filter(
        level=level, scope__in=scopes, area=area, mode=mode, grain=Grain.MONTH, day__in=months
    ).values("scope", *NUMBERS, *SETS)
    for row in rows:
        result[row["scope"]].add(cell_totals(row))
    for part in parts:
        for scope, totals in _part_live(level, scopes, area, mode, part).items():
            result[scope].add(totals)
    return result


# --- Charts -----------------------------------------------------------------------------------


def sessions_per_month(key: Key, period: Period) -> tuple[dict, dict]:
    """Sessions per (month, area) within the mode filter, and per (month, mode) within the
    area filter, over ``period``."""
    months, parts = split(period)
    per_area = Q(mode=key.mode) & (Q(area=key.area) if key.area else Q(area__gt=0))
    per_mode = Q(area=key.area) & (Q(mode=key.mode) if key.mode else Q(mode__gt=""))
    cells = Cell.objects.filter(per_area | per_mode, level=key.level, scope=key.scope)
    by_area: dict[tuple, int] = defaultdict(int)
    by_mode: dict[tuple, int] = defaultdict(int)

    def count(month: datetime.date, area: int, mode: str, n: int) -> None:
        if not n:
            return  # a cell of bookings only: the chart shows areas with sessions
        if area != ANY_AREA and mode == key.mode:
            by_area[(month, area)] += n
        if mode != ANY_MODE and area == key.area:
            by_mode[(month, mode)] += n

    for day, area, mode, n in cells.filter(grain=Grain.MONTH, day__in=months).values_list(
        "day", "area", "mode", "sessions"
    ):
        count(day, area, mode, n)
    for part in parts:
        month = part.start.replace(day=1)
        if key.level == Level.NATION:
            days = cells.filter(grain=Grain.DAY, day__gte=part.start, day__lte=part.end)
            for area, mode, n in days.values_list("area", "mode").annotate(n=Sum("sessions")):
                count(month, area, mode, n)
            continue
        sessions = _narrowed(
            _of_places(MentoringSession, key.level, [key.scope]), key.area, key.mode, part
        )
        for area, mode, n in (
            sessions.values_list("service_area_id", "mode").annotate(n=Count("pk")).order_by()
        ):
            by_area[(month, area)] += n
            by_mode[(month, mode)] += n
    return by_area, by_mode


def workload(place_centres: list[int] | None, key: Key, period: Period) -> dict[tuple, dict]:
    """``{(consultant_id, centre_id): sums and names}`` over ``period``."""
    months, parts = split(period)
    cells = ConsultantCell.objects.filter(area=key.area, mode=key.mode, day__in=months)
    sessions = MentoringSession.objects.all()
    if place_centres is not None:
        cells = cells.filter(centre_id__in=place_centres)
        sessions = sessions.filter(centre_id__in=place_centres)
    found = list(
        cells.values("consultant_id", "centre_id")
        .annotate(**{name: Sum(name) for name in SESSION_NUMBERS}, **names_of_people())
        .order_by()
    )
    for part in parts:
        found += measure_workload(_narrowed(sessions, key.area, key.mode, part), {}, named=True)
    result: dict[tuple, dict[str, Any]] = {}
    for row in found:
        kept = result.setdefault(
            (row["consultant_id"], row["centre_id"]),
            {**row, **dict.fromkeys(SESSION_NUMBERS, 0)},
        )
        for name in SESSION_NUMBERS:
            kept[name] += row[name] or 0
    return result
