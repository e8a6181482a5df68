"""A dashboard's figures from the cells: a few rows per month, whatever the filters.

A period is cut into whole months, read from the month cells, and the days of a month it only
partly covers (custom ranges): from the nation's day cells, or for a province or a centre from
the source tables (a few hundred sessions). The sets of ids are united before counting, so
"unique", "new" and "returning" enterprises are exact over any range. With a regency chosen,
the months are the centres' regency cells (``RegencyCell``, leaves added up here), and the
consultants' workload is read from the regency's sessions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value

from clinics.selectors import areas_by_code
from mentoring.models import Booking, MentoringSession
from plut.top.dashboards.facts.keep import ANY_AREA, ANY_MODE, ZONE, cell_totals
from plut.top.dashboards.facts.measure import (
    NUMBERS,
    SESSION_NUMBERS,
    SETS,
    Totals,
    in_regency,
    measure,
    names_of_people,
)
from plut.top.dashboards.facts.measure import workload as measure_workload
from plut.top.dashboards.filters import Filters, Place
from plut.top.dashboards.models import Cell, ConsultantCell, Grain, Level, RegencyCell
from plut.top.dashboards.periods import Period, in_period, month_end

ONE_DAY = datetime.timedelta(days=1)


def answers(filters: Filters) -> bool:
    """Whether the cells hold these filters (invalid ones show nothing: the source tables'
    empty querysets say so)."""
    return not filters.invalid


@dataclass(frozen=True)
class Key:
    """Which cells a place and its filters read."""

    level: int
    scope: int
    area: int
    mode: str
    regency: str = ""  # Regency.code; "": any

    @classmethod
    def of(cls, place: Place, filters: Filters) -> Key:
        area = areas_by_code(active=False)[filters.service_area].pk if filters.service_area else 0
        mode, regency = filters.mode or ANY_MODE, filters.regency
        if filters.centre:
            return cls(Level.CENTRE, filters.centre, area, mode, regency)
        if place.centre:
            return cls(Level.CENTRE, place.centre.pk, area, mode, regency)
        if place.province:
            return cls(Level.PROVINCE, int(place.province.code), area, mode, regency)
        return cls(Level.NATION, 0, area, mode, regency)


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


def _narrowed(rows: QuerySet, key: Key, period: Period) -> QuerySet:
    """Sessions or bookings within ``key``'s area, mode and regency, started in ``period``."""
    rows = rows.filter(in_period("starts_at", ZONE, period))
    if key.area:
        rows = rows.filter(service_area_id=key.area)
    if key.mode:
        rows = rows.filter(mode=key.mode)
    if key.regency:
        rows = in_regency(rows, key.regency)
    return rows


def _part_live(level: int, scopes: list[int], key: Key, part: Period) -> dict:
    """``{scope: Totals}`` of some days of the places listed, from the source tables."""
    column = {Level.CENTRE: "centre_id", Level.PROVINCE: "centre__province_id"}.get(level)

    def dimensions(path: str) -> dict:
        return {"scope": F(f"{path}{column}") if column else Value(0)}

    measured = measure(
        _narrowed(_of_places(MentoringSession, level, scopes), key, part),
        _narrowed(_of_places(Booking, level, scopes), key, part),
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


def _parts(level: int, scopes: list[int], key: Key, part: Period) -> dict:
    if level == Level.NATION and not key.regency:
        return {0: _part_days(key.area, key.mode, part)}
    return _part_live(level, scopes, key, part)


# --- A regency's months ----------------------------------------------------------------------


def _month_rows(level: int, scopes: list[int], key: Key) -> QuerySet:
    """The month cells of the places listed within ``key``'s filters, each with its ``scope``
    (a regency's leaves, several per month, or one ``Cell`` per month)."""
    if key.regency:
        scope = {Level.CENTRE: F("centre_id"), Level.PROVINCE: F("province")}.get(level, Value(0))
        return _regency_cells(level, scopes, key).annotate(scope=scope)
    return Cell.objects.filter(
        level=level, scope__in=scopes, area=key.area, mode=key.mode, grain=Grain.MONTH
    )


def _regency_cells(level: int, scopes: list[int], key: Key) -> QuerySet:
    """The regency cells (leaves) of the places listed that ``key``'s area and mode take."""
    rows = RegencyCell.objects.filter(regency=key.regency)
    if level == Level.CENTRE:
        rows = rows.filter(centre_id__in=scopes)
    elif level == Level.PROVINCE:
        rows = rows.filter(province__in=scopes)
    if key.area:
        rows = rows.filter(area=key.area)
    if key.mode:
        rows = rows.filter(mode=key.mode)
    return rows


# --- One place: every month once --------------------------------------------------------------


class PlacesFacts:
    """The month cells of several places of one level (the nation, provinces, centres) with
    the same filters, read in one query; each place's figures for any period from them."""

    def __init__(self, level: int, scopes: list[int], key: Key) -> None:
        self.level, self.scopes, self.key = level, scopes, key
        parts: dict[int, dict[datetime.date, list[Totals]]] = defaultdict(lambda: defaultdict(list))
        for row in _month_rows(level, scopes, key).values("scope", "day", *NUMBERS, *SETS):
            parts[row["scope"]][row["day"]].append(cell_totals(row))
        # A regency's month is the sum of its leaves.
        self.months: dict[int, dict[datetime.date, Totals]] = defaultdict(dict)
        for scope, days in parts.items():
            self.months[scope] = {day: Totals.of(leaves) for day, leaves in days.items()}
        self._parts: dict[Period, dict[int, Totals]] = {}

    def _part(self, scope: int, part: Period) -> Totals:
        if part not in self._parts:
            self._parts[part] = _parts(self.level, self.scopes, self.key, part)
        return self._parts[part].get(scope, Totals())

    def within(self, scope: int, period: Period) -> Totals:
        months, parts = split(period)
        kept = self.months[scope]
        return Totals.of(
            [kept[m] for m in months if m in kept] + [self._part(scope, p) for p in parts]
        )

    def before(self, scope: int, day: datetime.date) -> Totals:
        """Everything before ``day`` began."""
        first = day.replace(day=1)
        earlier = [totals for month, totals in self.months[scope].items() if month < first]
        if day != first:
            earlier.append(self._part(scope, Period(first, day - ONE_DAY)))
        return Totals.of(earlier)

    def ever(self, scope: int) -> Totals:
        return Totals.of(self.months[scope].values())


class PlaceFacts:
    """The cells of one place and filters, read once; figures for any period from them."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self._kept = PlacesFacts(key.level, [key.scope], key)

    def within(self, period: Period) -> Totals:
        return self._kept.within(self.key.scope, period)

    def before(self, day: datetime.date) -> Totals:
        return self._kept.before(self.key.scope, day)

    def ever(self) -> Totals:
        return self._kept.ever(self.key.scope)


# --- Many places at once: the league tables -------------------------------------------------


def per_scope(level: int, scopes: list[int], key: Key, period: Period) -> dict:
    """``{scope: Totals}`` over ``period`` for every scope listed (centres or provinces) within
    ``key``'s area, mode and regency (the days of a month the period only partly covers from
    the source tables)."""
    months, parts = split(period)
    result: dict[int, Totals] = defaultdict(Totals)
    rows = _month_rows(level, scopes, key).filter(day__in=months)
    for row in rows.values("scope", *NUMBERS, *SETS):
        result[row["scope"]].add(cell_totals(row))
    for part in parts:
        for scope, totals in _part_live(level, scopes, key, part).items():
            result[scope].add(totals)
    return result


# --- Charts -----------------------------------------------------------------------------------


def sessions_per_month(key: Key, period: Period) -> tuple[dict, dict]:
    """Sessions per (month, area) within the mode filter, and per (month, mode) within the
    area filter, over ``period``."""
    months, parts = split(period)
    if key.regency:
        return _regency_sessions_per_month(key, months, parts)
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
        _count_live(key, part, by_area, by_mode)
    return by_area, by_mode


def _count_live(key: Key, part: Period, by_area: dict, by_mode: dict) -> None:
    """Add the sessions of some days of ``key``'s place, from the source tables."""
    month = part.start.replace(day=1)
    sessions = _narrowed(_of_places(MentoringSession, key.level, [key.scope]), key, part)
    for area, mode, n in (
        sessions.values_list("service_area_id", "mode").annotate(n=Count("pk")).order_by()
    ):
        by_area[(month, area)] += n
        by_mode[(month, mode)] += n


def _regency_sessions_per_month(key: Key, months: list, parts: list[Period]) -> tuple[dict, dict]:
    """``sessions_per_month`` with a regency chosen: every leaf the filters take counts in
    both charts, as a cell of one area and one mode does."""
    by_area: dict[tuple, int] = defaultdict(int)
    by_mode: dict[tuple, int] = defaultdict(int)
    leaves = _regency_cells(key.level, [key.scope], key).filter(day__in=months, sessions__gt=0)
    for day, area, mode, n in leaves.values_list("day", "area", "mode", "sessions"):
        by_area[(day, area)] += n
        by_mode[(day, mode)] += n
    for part in parts:
        _count_live(key, part, by_area, by_mode)
    return by_area, by_mode


def workload(place_centres: list[int] | None, key: Key, period: Period) -> dict[tuple, dict]:
    """``{(consultant_id, centre_id): sums and names}`` over ``period``. The consultants'
    cells hold no regency: with one chosen, its sessions (a few thousand) are read."""
    months, parts = split(period)
    if key.regency:
        months, parts = [], [period]
    cells = ConsultantCell.objects.filter(area=key.area, mode=key.mode, day__in=months)
    sessions = MentoringSession.objects.all()
    if place_centres is not None:
        cells = cells.filter(centre_id__in=place_centres)
        sessions = sessions.filter(centre_id__in=place_centres)
    found = []
    if months:
        found = list(
            cells.values("consultant_id", "centre_id")
            .annotate(**{name: Sum(name) for name in SESSION_NUMBERS}, **names_of_people())
            .order_by()
        )
    for part in parts:
        found += measure_workload(_narrowed(sessions, key, part), {}, named=True)
    result: dict[tuple, dict[str, Any]] = {}
    for row in found:
        kept = result.setdefault(
            (row["consultant_id"], row["centre_id"]),
            {**row, **dict.fromkeys(SESSION_NUMBERS, 0)},
        )
        for name in SESSION_NUMBERS:
            kept[name] += row[name] or 0
    return result
