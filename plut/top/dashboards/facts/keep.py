"""Keeping the cells true: each changed centre and date is recomputed from the source tables.

Database triggers (dashboards 0003, 0004) leave a ``DirtyMark`` for every write to sessions,
attendance, cooperatives served, surveys and bookings, whatever wrote them. ``drain`` takes the
pending marks, recomputes the months of each centre they touch (a month of one centre is a few
hundred sessions) with its regency cells, then those months of its province and of the nation
as unions of the cells below, and the nation's days; then deletes the marks it read. An
enterprise moved to another regency marks its sessions' and bookings' centres and dates. A
write that commits meanwhile leaves a mark of its own, which the next drain takes: the marks
are deleted by id, never by what they say.

Everything a centre or province is (its province, its zone) is read when a cell is computed:
moving a centre to another province or a province to another zone needs
``manage.py dashboard_facts --rebuild``, as does a database loaded with the triggers off
(the scale generator's ``COPY``).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from itertools import product

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from pyroaring import BitMap

from clinics.models import Centre
from mentoring.models import Booking, MentoringSession
from plut.top.dashboards.facts.measure import (
    NUMBERS,
    SESSION_NUMBERS,
    SETS,
    Totals,
    measure,
    measure_per_regency,
    workload,
)
from plut.top.dashboards.models import (
    Cell,
    ConsultantCell,
    DirtyMark,
    Figures,
    Grain,
    Level,
    RegencyCell,
)
from plut.top.dashboards.periods import Period, in_period, local_day, local_month, month_end

logger = logging.getLogger(__name__)

ZONE = "centre__province__timezone"
ONE_DAY = datetime.timedelta(days=1)
# Marks taken per transaction: a bulk import's marks are worked through in rounds.
ROUND = 5_000
# One refresher at a time (PostgreSQL advisory lock; SQLite writes one at a time anyway).
LOCK_ID = 0x504C5554  # "PLUT"

ANY_AREA, ANY_MODE = 0, ""


def _keys(area: int, mode: str) -> list[tuple[int, str]]:
    """The cells a leaf (one area, one mode) adds to: itself and the "any" roll-ups."""
    return list(product((area, ANY_AREA), (mode, ANY_MODE)))


def _rolled_up(leaves: dict[tuple, Totals]) -> dict[tuple, Totals]:
    """``{(bucket, area, mode, ...): Totals}`` with the any-area and any-mode rows added."""
    cells: dict[tuple, Totals] = defaultdict(Totals)
    for (bucket, area, mode, *rest), totals in leaves.items():
        for key in _keys(area, mode):
            cells[(bucket, *key, *rest)].add(totals)
    return cells


def _dimensions(bucket: str):
    def dimensions(path: str) -> dict:
        moment, zone = f"{path}starts_at", f"{path}{ZONE}"
        return {
            "bucket": local_month(moment, zone) if bucket == "month" else local_day(moment, zone),
            # Not "area" and "mode": an annotation may not take a field's name.
            "leaf_area": F(f"{path}service_area_id"),
            "leaf_mode": F(f"{path}mode"),
        }

    return dimensions


def _figures(totals: Totals) -> dict:
    """A cell's figure fields (``Figures``) from ``totals``."""
    return {
        **{name: getattr(totals, name) for name in NUMBERS},
        **{name: getattr(totals, name).serialize() for name in SETS},
    }


def _cell(level: int, scope: int, grain: str, day: datetime.date, area: int, mode: str, t: Totals):
    return Cell(level=level, scope=scope, grain=grain, day=day, area=area, mode=mode, **_figures(t))


def cell_totals(cell: Figures | dict) -> Totals:
    get = cell.get if isinstance(cell, dict) else lambda name: getattr(cell, name)
    return Totals(
        **{name: get(name) for name in NUMBERS},
        **{name: BitMap.deserialize(bytes(get(name))) for name in SETS},
    )


def _replace(level: int, scopes: Iterable[int], grain: str, days: set, cells: dict) -> None:
    """Write ``{(scope, day, area, mode): Totals}`` as the only cells of those scopes and days."""
    Cell.objects.filter(level=level, scope__in=list(scopes), grain=grain, day__in=days).delete()
    Cell.objects.bulk_create(
        [
            _cell(level, scope, grain, day, area, mode, totals)
            for (scope, day, area, mode), totals in cells.items()
            if not totals.is_empty()
        ],
        batch_size=500,
    )


# --- Centres ---------------------------------------------------------------------------------


def _months_span(months: set[datetime.date]) -> Period:
    return Period(min(months), month_end(max(months)))


def rebuild_centre(centre_id: int, months: set[datetime.date]) -> None:
    """Recompute one centre's cells and its consultants' cells for ``months`` (first days)."""
    span = _months_span(months)
    sessions = MentoringSession.objects.filter(centre_id=centre_id).filter(
        in_period("starts_at", ZONE, span)
    )
    bookings = Booking.objects.filter(centre_id=centre_id).filter(
        in_period("starts_at", ZONE, span)
    )
    leaves = measure(sessions, bookings, _dimensions("month"))
    cells = {
        (centre_id, month, area, mode): totals
        for (month, area, mode), totals in _rolled_up(leaves).items()
        if month in months
    }
    _replace(Level.CENTRE, [centre_id], Grain.MONTH, months, cells)
    _replace_regencies(
        centre_id, months, measure_per_regency(sessions, bookings, _dimensions("month"))
    )

    people: dict[tuple, dict] = {}
    for row in workload(sessions, _dimensions("month")("")):
        if row["bucket"] not in months:
            continue
        for area, mode in _keys(row["leaf_area"], row["leaf_mode"]):
            key = (row["bucket"], area, mode, row["consultant_id"])
            kept = people.setdefault(key, dict.fromkeys(SESSION_NUMBERS, 0))
            for name in SESSION_NUMBERS:
                kept[name] += row[name] or 0
    ConsultantCell.objects.filter(centre_id=centre_id, day__in=months).delete()
    ConsultantCell.objects.bulk_create(
        [
            ConsultantCell(
                centre_id=centre_id, day=month, area=area, mode=mode, consultant_id=consultant, **n
            )
            for (month, area, mode, consultant), n in people.items()
        ],
        batch_size=1000,
    )


def _replace_regencies(centre_id: int, months: set, leaves: dict[tuple, Totals]) -> None:
    """Write ``{(month, area, mode, regency): Totals}`` as the centre's only regency cells of
    those months (no "any" rows: a reader adds up the leaves its filters take)."""
    RegencyCell.objects.filter(centre_id=centre_id, day__in=months).delete()
    province = Centre.objects.filter(pk=centre_id).values_list("province_id", flat=True).first()
    if province is None:
        return  # the centre is gone, and its cells with it
    RegencyCell.objects.bulk_create(
        [
            RegencyCell(
                centre_id=centre_id,
                province=int(province),
                regency=regency,
                day=month,
                area=area,
                mode=mode,
                **_figures(totals),
            )
            for (month, area, mode, regency), totals in leaves.items()
            if month in months and not totals.is_empty()
        ],
        batch_size=1000,
    )


# --- Provinces and the nation: unions of the cells below ------------------------------------


def _combine(level: int, scopes: list, months: set, scope_of: dict) -> dict[tuple, Totals]:
    """The cells of ``level`` for ``months``, regrouped by ``scope_of[scope]``."""
    combined: dict[tuple, Totals] = defaultdict(Totals)
    rows = Cell.objects.filter(
        level=level, scope__in=scopes, grain=Grain.MONTH, day__in=months
    ).values("scope", "day", "area", "mode", *NUMBERS, *SETS)
    for row in rows.iterator(chunk_size=2000):
        combined[(scope_of[row["scope"]], row["day"], row["area"], row["mode"])].add(
            cell_totals(row)
        )
    return combined


def rebuild_rollups(centre_months: dict[int, set[datetime.date]]) -> None:
    """The province and nation cells of the months the centres' cells changed in."""
    province_of = {pk: int(code) for pk, code in Centre.objects.values_list("pk", "province_id")}
    by_province: dict[int, set] = defaultdict(set)
    for centre, months in centre_months.items():
        if centre in province_of:
            by_province[province_of[centre]] |= months
    for province, months in by_province.items():
        centres = [pk for pk, code in province_of.items() if code == province]
        cells = _combine(Level.CENTRE, centres, months, province_of)
        _replace(Level.PROVINCE, [province], Grain.MONTH, months, cells)
    months = set().union(*by_province.values()) if by_province else set()
    for month in sorted(months):
        provinces = sorted(set(province_of.values()))
        cells = _combine(Level.PROVINCE, provinces, {month}, dict.fromkeys(provinces, 0))
        _replace(Level.NATION, [0], Grain.MONTH, {month}, cells)


def rebuild_nation_days(days: set[datetime.date]) -> None:
    """The nation's day cells for ``days`` (each centre's own calendar day)."""
    for first, last in _runs(sorted(days)):
        span = Period(first, last)
        leaves = measure(
            MentoringSession.objects.filter(in_period("starts_at", ZONE, span)),
            Booking.objects.filter(in_period("starts_at", ZONE, span)),
            _dimensions("day"),
        )
        cells = {
            (0, day, area, mode): totals
            for (day, area, mode), totals in _rolled_up(leaves).items()
            if first <= day <= last
        }
        _replace(Level.NATION, [0], Grain.DAY, set(_days(first, last)), cells)


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _runs(days: list[datetime.date], gap: int = 7) -> list[tuple[datetime.date, datetime.date]]:
    """Stretches of ``days`` (allowing short gaps), each read with one range; a month at most,
    so a rebuild of every day never holds the whole country's attendance in memory."""
    runs: list[list[datetime.date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days <= gap and (day - runs[-1][0]).days < 31:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


# --- Marks ----------------------------------------------------------------------------------


def _lock(*, wait: bool = True) -> bool:
    """Hold the refresher's lock until the transaction ends; False if another holds it and
    ``wait`` is off."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_ID])
        return cursor.fetchone()[0]


def rebuild(centre_days: set[tuple[int, datetime.date]]) -> None:
    """Recompute what the (centre, UTC date) pairs may have changed: a UTC date is the same
    or the next local date in Indonesia's zones (UTC+7 to +9)."""
    centre_months: dict[int, set] = defaultdict(set)
    days: set[datetime.date] = set()
    for centre, day in centre_days:
        for local in (day, day + ONE_DAY):
            centre_months[centre].add(local.replace(day=1))
            days.add(local)
    for centre, months in centre_months.items():
        rebuild_centre(centre, months)
    rebuild_rollups(centre_months)
    rebuild_nation_days(days)


def drain(rounds: int | None = None) -> int:
    """Work through the pending marks; returns how many were handled."""
    handled = 0
    while rounds is None or rounds > 0:
        if not DirtyMark.objects.exists():  # the usual answer, without a transaction
            break
        with transaction.atomic():
            _lock()
            marks = list(
                DirtyMark.objects.order_by("centre_id", "day").values_list(
                    "pk", "centre_id", "day"
                )[:ROUND]
            )
            if not marks:
                break
            rebuild({(centre, day) for _pk, centre, day in marks})
            DirtyMark.objects.filter(pk__in=[pk for pk, *_ in marks]).delete()
        handled += len(marks)
        if rounds is not None:
            rounds -= 1
    return handled


def catch_up() -> bool:
    """Before a dashboard is read: whether the cells are current, after working through the
    few marks a recent write may have left that Celery has not taken yet (a handful of
    centre-months, well under a second). After a bulk load, or while Celery is at it, the
    figures are served as they are, marked as being updated."""
    limit = settings.DASHBOARD_FACTS_INLINE
    marks = DirtyMark.objects.values_list("pk", "centre_id", "day")
    marks = list(marks[: limit + 1] if limit is not None else marks)
    if not marks:
        return True
    if limit is not None and len(marks) > limit:
        drain_soon()
        return False
    with transaction.atomic():
        if not _lock(wait=False):
            return False
        rebuild({(centre, day) for _pk, centre, day in marks})
        DirtyMark.objects.filter(pk__in=[pk for pk, *_ in marks]).delete()
    return True


QUEUED = "dashboards:facts:drain-queued"


def drain_soon() -> None:
    """Have Celery work the marks through (once, however many commits ask meanwhile)."""
    from plut.top.dashboards.tasks import dashboard_facts_drain

    try:
        if not cache.add(QUEUED, 1, timeout=60):
            return
        dashboard_facts_drain.delay()
    except Exception:
        # A write must not fail because the broker or the cache is down: the marks stay,
        # and the minute's beat (or the next dashboard view, or commit) takes them.
        logger.warning("Dashboard facts not queued for refresh: broker or cache unreachable.")
        with contextlib.suppress(Exception):
            cache.delete(QUEUED)


def drain_queued() -> int:
    """The Celery task's body: let the next commit queue again, then drain."""
    cache.delete(QUEUED)
    return drain()


def rebuild_all() -> int:
    """Every cell from the source tables (after loading data with the triggers off)."""
    with transaction.atomic():
        _lock()
        Cell.objects.all().delete()
        RegencyCell.objects.all().delete()
        ConsultantCell.objects.all().delete()
        DirtyMark.objects.all().delete()
        pairs = set()
        for model in (MentoringSession, Booking):
            pairs |= set(
                model.objects.annotate(month=local_month("starts_at", ZONE))
                .values_list("centre_id", "month")
                .distinct()
                .order_by()
            )
        centre_months: dict[int, set] = defaultdict(set)
        for centre, month in pairs:
            centre_months[centre].add(month)
        for centre, months in centre_months.items():
            rebuild_centre(centre, months)
        rebuild_rollups(centre_months)
        days = set()
        for model in (MentoringSession, Booking):
            days |= set(
                model.objects.annotate(day=local_day("starts_at", ZONE))
                .values_list("day", flat=True)
                .distinct()
                .order_by()
            )
        if days:
            rebuild_nation_days(days)
    return len(pairs)
