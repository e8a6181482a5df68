"""Dashboard figures, computed by the database over querysets narrowed to a user's scope.

Every function takes the user, the place (nation, province or centre) and the filters, and
returns plain dicts and lists, so the pages, the exports, the monthly reports and the API all
read the same numbers. Each block is one aggregate query (conditional aggregation for the three
compared periods, or one GROUP BY); Python only arranges the handful of result rows. The exact
definitions are in docs/dashboards.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pyroaring import BitMap

from clinics.models import Centre, ServiceArea, StaffMembership, WorkingHours
from clinics.selectors import centres_visible_to
from cooperatives.models import Enterprise, rat_cutoff
from cooperatives.selectors import cooperatives_visible_to
from mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSession,
    Mode,
    Outcome,
    SatisfactionSurvey,
    SessionEnterprise,
)
from mentoring.selectors.records import (
    bookings_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.accounts.models import Role
from plut.foundation.accounts.scope import visible_to
from plut.foundation.regions.models import Province
from plut.top.dashboards.facts import measure as facts_measure
from plut.top.dashboards.facts import read as facts
from plut.top.dashboards.facts.measure import Totals
from plut.top.dashboards.filters import NATIONAL, PROVINCE, Filters, Place
from plut.top.dashboards.models import CentreUtilisation, Level
from plut.top.dashboards.periods import (
    Period,
    before,
    in_period,
    local_month,
)

SESSION_ZONE = "centre__province__timezone"
PERIOD_KEYS = ("current", "previous", "year_ago")


# --- Scoped querysets -----------------------------------------------------------------------


def sessions_in_scope(user: Any, place: Place, filters: Filters) -> QuerySet[MentoringSession]:
    """The user's sessions within the place and the filters (any date)."""
    sessions = sessions_visible_to(user).order_by()
    if filters.invalid:
        return sessions.none()
    if place.centre:
        sessions = sessions.filter(centre=place.centre)
    elif place.province:
        sessions = sessions.filter(centre__province=place.province)
    if filters.centre:
        sessions = sessions.filter(centre_id=filters.centre)
    if filters.service_area:
        sessions = sessions.filter(service_area__code=filters.service_area)
    if filters.mode:
        sessions = sessions.filter(mode=filters.mode)
    if filters.regency:
        sessions = facts_measure.in_regency(sessions, filters.regency)
    return sessions


def bookings_in_scope(user: Any, place: Place, filters: Filters) -> QuerySet[Booking]:
    bookings = bookings_visible_to(user).order_by()
    if filters.invalid:
        return bookings.none()
    if place.centre:
        bookings = bookings.filter(centre=place.centre)
    elif place.province:
        bookings = bookings.filter(centre__province=place.province)
    if filters.centre:
        bookings = bookings.filter(centre_id=filters.centre)
    if filters.service_area:
        bookings = bookings.filter(service_area__code=filters.service_area)
    if filters.mode:
        bookings = bookings.filter(mode=filters.mode)
    if filters.regency:
        bookings = facts_measure.in_regency(bookings, filters.regency)
    return bookings


def outcomes_in_scope(user: Any, place: Place, filters: Filters) -> QuerySet[Outcome]:
    """Outcomes belong to the enterprise's own centre (its "PLUT pendamping"), not to one
    session: the service area and mode filters do not apply to them."""
    outcomes = outcomes_visible_to(user).order_by()
    if filters.invalid:
        return outcomes.none()
    if place.centre:
        outcomes = outcomes.filter(enterprise__centre=place.centre)
    elif place.province:
        outcomes = outcomes.filter(enterprise__centre__province=place.province)
    if filters.centre:
        outcomes = outcomes.filter(enterprise__centre_id=filters.centre)
    if filters.regency:
        outcomes = outcomes.filter(enterprise__regency_id=filters.regency)
    return outcomes


def _sessions_in(period: Period) -> Q:
    return in_period("starts_at", SESSION_ZONE, period)


def _any_of(periods: Iterable[Period], make: Any) -> Q:
    query = Q(pk__in=[])
    for period in periods:
        query |= make(period)
    return query


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 1)


def rate_percent(part: float | None, whole: float | None) -> float | None:
    """A share in percent, one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    share = Decimal(part or 0) * 100 / Decimal(whole)
    return float(share.quantize(Decimal("0.1"), ROUND_HALF_UP))


# --- KPI blocks: one query each, all three periods at once -----------------------------------


def session_figures(sessions: QuerySet[MentoringSession], filters: Filters) -> dict[str, dict]:
    periods = filters.period.comparisons()
    aggregates: dict[str, Any] = {}
    for key, period in periods.items():
        inside = _sessions_in(period)
        aggregates[f"{key}__sessions"] = Count("pk", filter=inside)
        for part in ("contact", "preparation", "travel"):
            aggregates[f"{key}__{part}"] = Sum(f"{part}_minutes", filter=inside)
    row = sessions.filter(_any_of(periods.values(), _sessions_in)).aggregate(**aggregates)
    return {
        key: _session_block(
            row[f"{key}__sessions"],
            row[f"{key}__contact"],
            row[f"{key}__preparation"],
            row[f"{key}__travel"],
        )
        for key in periods
    }


def _session_block(sessions: int, contact: Any, preparation: Any, travel: Any) -> dict[str, Any]:
    return {
        "sessions": sessions,
        "contact_hours": _hours(contact),
        "preparation_hours": _hours(preparation),
        "travel_hours": _hours(travel),
    }


def enterprise_figures(sessions: QuerySet[MentoringSession], filters: Filters) -> dict[str, dict]:
    """Unique enterprises that attended a session in the period; "returning" ones had attended
    a session in this scope and filters before the period began, the others are "new".

    One pass over the attendances, grouped per enterprise (flags per period), then counted.
    """
    periods = filters.period.comparisons()
    start, zone = "session__starts_at", f"session__{SESSION_ZONE}"

    def flag(condition: Q) -> Max:
        return Max(Case(When(condition, then=Value(1)), default=Value(0)))

    per_enterprise = (
        SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
        .values("enterprise_id")
        .annotate(
            **{f"served_{key}": flag(in_period(start, zone, p)) for key, p in periods.items()},
            **{f"earlier_{key}": flag(before(start, zone, p.start)) for key, p in periods.items()},
        )
    )
    row = per_enterprise.aggregate(
        **{f"{key}__unique": Sum(f"served_{key}") for key in periods},
        **{
            f"{key}__returning": Count(
                "enterprise_id", filter=Q(**{f"served_{key}": 1, f"earlier_{key}": 1})
            )
            for key in periods
        },
    )
    return {
        key: _enterprise_block(row[f"{key}__unique"] or 0, row[f"{key}__returning"])
        for key in periods
    }


def _enterprise_block(unique: int, returning: int) -> dict[str, int]:
    return {
        "enterprises": unique,
        "enterprises_new": unique - returning,
        "enterprises_returning": returning,
    }


def cooperative_figures(sessions: QuerySet[MentoringSession], filters: Filters) -> dict[str, dict]:
    periods = filters.period.comparisons()
    links = MentoringSession.cooperatives.through.objects.filter(
        mentoringsession__in=sessions.values("pk")
    )

    def inside(period: Period) -> Q:
        return in_period("mentoringsession__starts_at", f"mentoringsession__{SESSION_ZONE}", period)

    row = links.aggregate(
        **{
            key: Count("cooperative", distinct=True, filter=inside(period))
            for key, period in periods.items()
        }
    )
    return {key: {"cooperatives": row[key]} for key in periods}


def booking_figures(bookings: QuerySet[Booking], filters: Filters) -> dict[str, dict]:
    """Bookings whose appointment falls in the period. The no-show rate is of the bookings that
    reached their time and were settled (completed or no-show), not of cancelled ones."""
    periods = filters.period.comparisons()
    aggregates: dict[str, Any] = {}
    for key, period in periods.items():
        inside = in_period("starts_at", SESSION_ZONE, period)
        aggregates[f"{key}__all"] = Count("pk", filter=inside)
        for status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED):
            aggregates[f"{key}__{status}"] = Count("pk", filter=inside & Q(status=status))
    row = bookings.filter(
        _any_of(periods.values(), lambda p: in_period("starts_at", SESSION_ZONE, p))
    ).aggregate(**aggregates)
    return {
        key: _booking_block(
            row[f"{key}__all"],
            row[f"{key}__completed"],
            row[f"{key}__no_show"],
            row[f"{key}__cancelled"],
        )
        for key in periods
    }


def _booking_block(bookings: int, completed: int, no_show: int, cancelled: int) -> dict[str, Any]:
    return {
        "bookings": bookings,
        "bookings_completed": completed,
        "bookings_no_show": no_show,
        "bookings_cancelled": cancelled,
        "no_show_rate": rate_percent(no_show, no_show + completed),
    }


def satisfaction_figures(sessions: QuerySet[MentoringSession], filters: Filters) -> dict[str, dict]:
    """Mean score (1-5) of the answered surveys about sessions held in the period."""
    periods = filters.period.comparisons()
    surveys = SatisfactionSurvey.objects.filter(
        session__in=sessions.values("pk"), score__isnull=False
    )
    aggregates: dict[str, Any] = {}
    for key, period in periods.items():
        inside = in_period("session__starts_at", f"session__{SESSION_ZONE}", period)
        aggregates[f"{key}__avg"] = Avg("score", filter=inside)
        aggregates[f"{key}__n"] = Count("pk", filter=inside)
    row = surveys.aggregate(**aggregates)
    return {key: _satisfaction_block(row[f"{key}__avg"], row[f"{key}__n"]) for key in periods}


def _satisfaction_block(mean: Any, responses: int) -> dict[str, Any]:
    return {"satisfaction": _score(mean), "satisfaction_responses": responses}


def _score(mean: Any) -> float | None:
    """A mean score to two decimals, the same on both engines (PostgreSQL's AVG is numeric,
    SQLite's a float): rounded as a decimal, given as a float."""
    return None if mean is None else float(round(Decimal(mean), 2))


def _mean(total: int, count: int) -> Decimal | None:
    """A mean score as PostgreSQL's AVG gives it (numeric), for the same rounding."""
    return Decimal(total) / Decimal(count) if count else None


PERMITS = ("nib", "pirt", "halal", "sni")


class _Measured(NamedTuple):
    """One outcome, as the outcome and turnover figures read it."""

    pk: int
    enterprise: int
    on: datetime.date
    employees: int | None
    turnover: int | None
    financing: int | None
    permits: int  # how many of the four permits it records


MEASURED = (
    "pk",
    "enterprise_id",
    "recorded_on",
    "employees",
    "turnover",
    "financing_amount",
    *(f"obtained_{permit}" for permit in PERMITS),
)


def _measured(outcomes: QuerySet[Outcome], *groups: str) -> Iterator[tuple[tuple, _Measured]]:
    """Every outcome in scope with its ``groups`` values, per enterprise in the order it was
    recorded (one query)."""
    rows = outcomes.order_by("enterprise_id", "recorded_on", "pk").values_list(*groups, *MEASURED)
    for row in rows:
        pk, enterprise, on, employees, turnover, financing, *permits = row[len(groups) :]
        yield (
            row[: len(groups)],
            _Measured(pk, enterprise, on, employees, turnover, financing, sum(permits)),
        )


def _outcomes_by_enterprise(outcomes: QuerySet[Outcome]) -> dict[int, list[_Measured]]:
    """Every outcome in scope, per enterprise in the order it was recorded (one query).

    Outcomes are few (one enterprise in twenty has any), so reading them whole and pairing each
    with the enterprise's earlier ones here costs less than a correlated subquery per outcome.
    """
    result: dict[int, list[_Measured]] = {}
    for _group, outcome in _measured(outcomes):
        result.setdefault(outcome.enterprise, []).append(outcome)
    return result


def _outcomes_by_province(outcomes: QuerySet[Outcome]) -> dict[str, dict[int, list[_Measured]]]:
    """``_outcomes_by_enterprise`` per province of the enterprise's own centre, where its
    outcomes count (``outcomes_in_scope``): one query for them all."""
    result: dict[str, dict[int, list[_Measured]]] = {}
    for (province,), outcome in _measured(outcomes, "enterprise__centre__province"):
        result.setdefault(province, {}).setdefault(outcome.enterprise, []).append(outcome)
    return result


def outcome_figures(measured: dict[int, list[_Measured]], filters: Filters) -> dict[str, dict]:
    """Financing, jobs and permits recorded in the period.

    Jobs created: for each measurement in the period, the headcount minus the enterprise's
    previous measurement (a net change, so jobs lost count too); first measurements add none.
    """
    periods = filters.period.comparisons()
    result = {key: {"outcomes": 0, "financing": 0, "jobs": 0, "permits": 0} for key in periods}
    for history in measured.values():
        previous = None  # the headcount last measured before this outcome
        for outcome in history:
            for key, period in periods.items():
                if not period.start <= outcome.on <= period.end:
                    continue
                figures = result[key]
                figures["outcomes"] += 1
                figures["financing"] += outcome.financing or 0
                figures["permits"] += outcome.permits
                if outcome.employees is not None and previous is not None:
                    figures["jobs"] += outcome.employees - previous
            if outcome.employees is not None:
                previous = outcome.employees
    return result


def turnover_figures(
    filters: Filters,
    outcomes: QuerySet[Outcome],
    measured: dict[int, list[_Measured]],
    assisted: QuerySet[MentoringSession] | BitMap,
) -> dict[str, dict]:
    """The ministry's indicator: the % increase in turnover of assisted enterprises.

    Over the assisted enterprises (at least one attended session in this scope and filters)
    that have a baseline and a later turnover recorded within the period (the latest one
    there): (sum of latest - sum of baselines) / sum of baselines. The baseline is the turnover
    given when the enterprise was registered or taken in (``Enterprise.annual_turnover``, dated
    the day its record was created, as the profile shows it: mentoring.selectors.profiles),
    else its first recorded outcome's turnover.

    ``assisted`` is the scope's sessions (read as a semi-join) or the set of the enterprises
    that attended them (from the facts). Only enterprises with a turnover recorded in one of
    the periods are read.
    """
    periods = filters.period.comparisons()
    return _turnover(periods, measured, _baselines(outcomes, periods, assisted), assisted)


def _baselines(
    outcomes: QuerySet[Outcome],
    periods: dict[str, Period],
    assisted: QuerySet[MentoringSession] | BitMap | None = None,
) -> dict[int, tuple[int | None, datetime.date]]:
    """``{enterprise: (turnover given, day its record was created)}`` for the enterprises with
    a turnover recorded in one of the periods, only assisted ones when ``assisted`` is a
    queryset of sessions (one query)."""
    # A semi-join, not a list of ids: tens of thousands at national scale.
    recorded = outcomes.filter(turnover__isnull=False).filter(
        _any_of(periods.values(), lambda p: Q(recorded_on__gte=p.start, recorded_on__lte=p.end))
    )
    enterprises = Enterprise.objects.filter(pk__in=recorded.values("enterprise_id"))
    if isinstance(assisted, QuerySet):
        enterprises = enterprises.filter(
            pk__in=SessionEnterprise.objects.filter(
                attended=True, session__in=assisted.values("pk")
            ).values("enterprise_id")
        )
    # The day the record was created, in the portal's zone, as the profile shows it.
    rows = enterprises.values_list("pk", "annual_turnover", TruncDate("created_at"))
    return {pk: (given, created_on) for pk, given, created_on in rows}


def _turnover(
    periods: dict[str, Period],
    measured: dict[int, list[_Measured]],
    baselines: dict[int, tuple[int | None, datetime.date]],
    assisted: QuerySet[MentoringSession] | BitMap | None,
) -> dict[str, dict]:
    """The indicator per period (``turnover_figures``) from the enterprises' outcomes and
    baselines; an enterprise outside ``assisted``'s set, or whose baseline was not read, is
    not counted."""
    latest: dict[int, dict[str, _Measured]] = {}
    for enterprise, history in measured.items():
        for outcome in history:
            if outcome.turnover is None:
                continue
            for key, period in periods.items():
                if period.start <= outcome.on <= period.end:
                    latest.setdefault(enterprise, {})[key] = outcome  # the last one wins
    totals = {key: [0, 0, 0] for key in periods}  # enterprises, baselines, latest
    for pk, last_in in latest.items():
        if pk not in baselines or (isinstance(assisted, BitMap) and pk not in assisted):
            continue
        given, created_on = baselines[pk]
        if given is not None:
            base, base_on = given, created_on
        else:
            first = next(o for o in measured[pk] if o.turnover is not None)
            base, base_on = first.turnover, first.on
        for key, last in last_in.items():
            if last.on > base_on:
                totals[key][0] += 1
                totals[key][1] += base
                totals[key][2] += last.turnover
    result = {}
    for key in periods:
        count, baseline, newest = totals[key]
        result[key] = {
            "turnover_enterprises": count,
            "turnover_baseline": baseline,
            "turnover_latest": newest,
            "turnover_increase": rate_percent(newest - baseline, baseline),
        }
    return result


KPI_DEFINITIONS: list[tuple[str, Any, str]] = [
    # (key, label, format) in the order the cards show them.
    ("sessions", _("Sesi pendampingan"), "int"),
    ("contact_hours", _("Jam kontak"), "hours"),
    ("preparation_hours", _("Jam persiapan"), "hours"),
    ("travel_hours", _("Jam perjalanan"), "hours"),
    ("enterprises", _("UMKM dilayani (unik)"), "int"),
    ("enterprises_new", _("UMKM baru"), "int"),
    ("enterprises_returning", _("UMKM kembali"), "int"),
    ("cooperatives", _("Koperasi dilayani"), "int"),
    ("bookings", _("Pemesanan"), "int"),
    ("no_show_rate", _("Tingkat tidak hadir"), "percent"),
    ("satisfaction", _("Kepuasan (1-5)"), "score"),
    ("satisfaction_responses", _("Survei kepuasan dijawab"), "int"),
    ("financing", _("Pembiayaan diperoleh"), "rupiah"),
    ("jobs", _("Lapangan kerja tercipta (neto)"), "int"),
    ("permits", _("Izin dan sertifikat diperoleh"), "int"),
    ("turnover_increase", _("Kenaikan omzet UMKM dampingan"), "percent"),
    ("turnover_enterprises", _("UMKM dengan omzet awal dan terbaru"), "int"),
]


def kpis(user: Any, place: Place, filters: Filters) -> dict[str, Any]:
    """Every KPI for the period, the previous period and a year earlier (seven queries).

    Returns ``{"periods": {key: {start, end}}, "cards": [{key, label, format, current,
    previous, year_ago}, ...]}``.
    """
    merged: dict[str, dict[str, Any]] = {key: {} for key in PERIOD_KEYS}
    outcomes = outcomes_in_scope(user, place, filters)
    measured = _outcomes_by_enterprise(outcomes)
    if facts.answers(filters):
        kept = facts.PlaceFacts(facts.Key.of(place, filters))
        blocks: tuple[dict[str, dict], ...] = (
            _fact_figures(kept, filters),
            turnover_figures(filters, outcomes, measured, kept.ever().enterprises),
        )
    else:
        sessions = sessions_in_scope(user, place, filters)
        blocks = (
            session_figures(sessions, filters),
            enterprise_figures(sessions, filters),
            cooperative_figures(sessions, filters),
            booking_figures(bookings_in_scope(user, place, filters), filters),
            satisfaction_figures(sessions, filters),
            turnover_figures(filters, outcomes, measured, sessions),
        )
    blocks += (outcome_figures(measured, filters),)
    for block in blocks:
        for key in PERIOD_KEYS:
            merged[key].update(block[key])
    periods = filters.period.comparisons()
    increase = merged["current"]["turnover_increase"]
    target = settings.MINISTRY_TURNOVER_TARGET_PERCENT
    return {
        "periods": {key: {"start": p.start, "end": p.end} for key, p in periods.items()},
        # The ministry's indicator beside its target and the enterprises it rests on.
        "indicator": {
            "enterprises": merged["current"]["turnover_enterprises"],
            "target": target,
            "met": None if increase is None else increase >= target,
        },
        "cards": [
            {
                "key": key,
                "label": label,
                "format": fmt,
                **{period: merged[period][key] for period in PERIOD_KEYS},
            }
            for key, label, fmt in KPI_DEFINITIONS
        ],
    }


def _fact_figures(kept: facts.PlaceFacts, filters: Filters) -> dict[str, dict]:
    """The session, enterprise, cooperative, booking and satisfaction blocks from the facts."""
    return {
        key: _fact_block(kept.within(period), kept.before(period.start))
        for key, period in filters.period.comparisons().items()
    }


def _fact_block(within: Totals, before: Totals) -> dict[str, Any]:
    """Those blocks for one period: what its sessions and bookings add up to, and everything
    before it began (whose enterprises make the period's ones "returning")."""
    returning = within.enterprises.intersection_cardinality(before.enterprises)
    return {
        **_session_block(
            within.sessions,
            within.contact_minutes,
            within.preparation_minutes,
            within.travel_minutes,
        ),
        **_enterprise_block(len(within.enterprises), returning),
        "cooperatives": len(within.cooperatives),
        **_booking_block(
            within.bookings,
            within.bookings_completed,
            within.bookings_no_show,
            within.bookings_cancelled,
        ),
        **_satisfaction_block(_mean(within.score_sum, within.surveys), within.surveys),
    }


# --- Charts: the current period only -------------------------------------------------------


def sessions_over_time(user: Any, place: Place, filters: Filters) -> dict[str, Any]:
    """Sessions per month by service area, and per mode (one GROUP BY query)."""
    period = filters.period
    months = period.months()
    by_area: dict[int, list[int]] = {}
    by_mode: dict[str, int] = {}
    if facts.answers(filters):
        per_area, per_mode = facts.sessions_per_month(facts.Key.of(place, filters), period)
        for (month, area), count in per_area.items():
            by_area.setdefault(area, [0] * len(months))[months.index(month)] += count
        for (_month, mode), count in per_mode.items():
            by_mode[mode] = by_mode.get(mode, 0) + count
    else:
        grouped = (
            sessions_in_scope(user, place, filters)
            .filter(_sessions_in(period))
            .annotate(month=local_month("starts_at", SESSION_ZONE))
            .values("month", "service_area_id", "mode")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in grouped:
            counts = by_area.setdefault(row["service_area_id"], [0] * len(months))
            counts[months.index(row["month"])] += row["count"]
            by_mode[row["mode"]] = by_mode.get(row["mode"], 0) + row["count"]
    areas = [area for area in _service_areas() if area.pk in by_area]
    return {
        "months": [month.isoformat() for month in months],
        "by_area": [
            {"area": area.code, "label": area.name, "counts": by_area[area.pk]} for area in areas
        ],
        "by_mode": [
            {"mode": value, "label": label, "count": by_mode.get(value, 0)}
            for value, label in Mode.choices
        ],
    }


def _service_areas() -> list[ServiceArea]:
    # A handful of reference rows, in their display order: one small query.
    return list(ServiceArea.objects.order_by("order", "code"))


def consultant_workload(user: Any, place: Place, filters: Filters) -> list[dict[str, Any]]:
    """Sessions led and hours per consultant in the period, busiest first."""
    if facts.answers(filters):
        centres = (
            None if place.level == NATIONAL and not filters.centre else _centre_ids(place, filters)
        )
        rows = list(facts.workload(centres, facts.Key.of(place, filters), filters.period).values())
    else:
        rows = facts_measure.workload(
            sessions_in_scope(user, place, filters).filter(_sessions_in(filters.period)),
            {},
            named=True,
        )
    rows.sort(key=lambda row: (-row["sessions"], row["username"]))
    return [
        {
            "consultant_id": row["consultant_id"],
            "name": f"{row['first_name']} {row['last_name']}".strip() or row["username"],
            "centre_id": row["centre_id"],
            "centre": row["centre_name"],
            "sessions": row["sessions"],
            "contact_hours": _hours(row["contact_minutes"]),
            "preparation_hours": _hours(row["preparation_minutes"]),
            "travel_hours": _hours(row["travel_minutes"]),
        }
        for row in rows
    ]


def _centre_ids(place: Place, filters: Filters) -> list[int]:
    """The centres a place and its centre filter cover (a province's: one small query)."""
    if filters.centre:
        return [filters.centre]
    if place.centre:
        return [place.centre.pk]
    return list(Centre.objects.filter(province=place.province).values_list("pk", flat=True))


def outcomes_over_time(user: Any, place: Place, filters: Filters) -> dict[str, Any]:
    """Outcomes, financing and permits per month of the period (one GROUP BY query)."""
    period = filters.period
    rows = (
        outcomes_in_scope(user, place, filters)
        .filter(recorded_on__gte=period.start, recorded_on__lte=period.end)
        .annotate(month=TruncMonth("recorded_on"))
        .values("month")
        .annotate(
            outcomes=Count("pk"),
            financing=Sum("financing_amount"),
            nib=Count("pk", filter=Q(obtained_nib=True)),
            pirt=Count("pk", filter=Q(obtained_pirt=True)),
            halal=Count("pk", filter=Q(obtained_halal=True)),
            sni=Count("pk", filter=Q(obtained_sni=True)),
        )
        .order_by("month")
    )
    months = period.months()
    series = {name: [0] * len(months) for name in ("outcomes", "financing", "permits")}
    for row in rows:
        index = months.index(row["month"])
        series["outcomes"][index] = row["outcomes"]
        series["financing"][index] = row["financing"] or 0
        series["permits"][index] = row["nib"] + row["pirt"] + row["halal"] + row["sni"]
    return {"months": [month.isoformat() for month in months], **series}


LADDER = [
    ("nib", _("NIB")),
    ("pirt", _("PIRT")),
    ("halal", _("Sertifikat halal")),
    ("sni", _("SNI")),
    ("financing", _("Pembiayaan")),
]


def formalisation_ladder(user: Any, place: Place, filters: Filters) -> list[dict[str, Any]]:
    """Enterprises that have reached each rung by the end of the period (one query)."""
    outcomes = outcomes_in_scope(user, place, filters).filter(recorded_on__lte=filters.period.end)
    conditions = {
        "nib": Q(obtained_nib=True),
        "pirt": Q(obtained_pirt=True),
        "halal": Q(obtained_halal=True),
        "sni": Q(obtained_sni=True),
        "financing": Q(financing_amount__gt=0),
    }
    row = outcomes.aggregate(
        **{key: Count("enterprise", distinct=True, filter=q) for key, q in conditions.items()}
    )
    return [{"step": key, "label": label, "enterprises": row[key]} for key, label in LADDER]


# --- Cooperatives in scope ------------------------------------------------------------------


def cooperatives_by_area(user: Any, place: Place, filters: Filters) -> dict[str, Any]:
    """Registered cooperatives, active ones (RAT within COOPERATIVE_ACTIVE_RAT_YEARS of today),
    members and workforce, per regency (per province for the nation). One GROUP BY query."""
    cooperatives = cooperatives_visible_to(user).order_by()
    if filters.invalid:
        cooperatives = cooperatives.none()
    if place.centre:
        cooperatives = cooperatives.filter(centre=place.centre)
    elif place.province:
        cooperatives = cooperatives.filter(regency__province=place.province)
    if filters.centre:
        cooperatives = cooperatives.filter(centre_id=filters.centre)
    if filters.regency:
        cooperatives = cooperatives.filter(regency_id=filters.regency)
    if place.level == NATIONAL:
        key, name = "regency__province_id", "regency__province__name"
    else:
        key, name = "regency_id", "regency__name"
    rows = (
        cooperatives.values(key, name)
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=Q(last_rat_on__gte=rat_cutoff())),
            members=Sum("members"),
            workforce=Sum("workforce"),
        )
        .order_by(name)
    )
    areas = [
        {
            "code": row[key],
            "name": row[name],
            "total": row["total"],
            "active": row["active"],
            "active_rate": rate_percent(row["active"], row["total"]),
            "members": row["members"] or 0,
            "workforce": row["workforce"] or 0,
        }
        for row in rows
    ]
    total = {
        name: sum(area[name] for area in areas)
        for name in ("total", "active", "members", "workforce")
    }
    total["active_rate"] = rate_percent(total["active"], total["total"])
    return {
        "rows": areas,
        "total": total,
        "rat_years": settings.COOPERATIVE_ACTIVE_RAT_YEARS,
        "by": "province" if place.level == NATIONAL else "regency",
    }


# --- League table of centres, and the ranked provinces ---------------------------------------


def _per(queryset: QuerySet, group: str, value: Any) -> Subquery:
    """One number per outer row from ``queryset`` grouped by ``group`` (an OuterRef match)."""
    return Subquery(
        queryset.filter(**{group: OuterRef("pk")})
        .order_by()
        .values(group)
        .annotate(value=value)
        .values("value")
    )


def _grouped(queryset: QuerySet, group: str, value: Any) -> dict[Any, Any]:
    """``{group value: aggregate}`` from one GROUP BY query."""
    return dict(queryset.order_by().values(group).annotate(value=value).values_list(group, "value"))


LEAGUE_SORTS = (
    "name",
    "sessions",
    "per_consultant_day",
    "fill_rate",
    "enterprises",
    "satisfaction",
    "outcomes",
    "flagged",
)


def _sorted(rows: list[dict[str, Any]], sort: str, allowed: Iterable[str]) -> list[dict]:
    """Rows ordered by a whitelisted key; "-key" descending; missing values last."""
    name = sort.lstrip("-")
    if name not in allowed:
        name, sort = "name", "name"
    present = [row for row in rows if row[name] is not None]
    missing = [row for row in rows if row[name] is None]
    present.sort(key=lambda row: (row[name], row["name"]), reverse=sort.startswith("-"))
    return present + missing


def centre_league(
    user: Any, place: Place, filters: Filters, *, sort: str = "-sessions"
) -> list[dict[str, Any]]:
    """Every centre in scope with its utilisation in the period (seven queries).

    Sessions per consultant per working day divides the centre's sessions by its active
    consultants times the working days (Monday-Friday less public holidays) elapsed so far;
    the booking fill rate divides the booked hours (bookings not cancelled) by the consultants'
    weekly working hours over the period's working days.
    """
    period = filters.period
    sessions = sessions_in_scope(user, place, filters).filter(_sessions_in(period))
    centres = centres_visible_to(user).order_by()
    if filters.invalid:
        centres = centres.none()
    if place.centre:
        centres = centres.filter(pk=place.centre.pk)
    elif place.province:
        centres = centres.filter(province=place.province)
    if filters.centre:
        centres = centres.filter(pk=filters.centre)
    consultants = StaffMembership.objects.filter(user__role=Role.CONSULTANT, user__is_active=True)
    outcomes = outcomes_in_scope(user, place, filters).filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end
    )
    latest_week = CentreUtilisation.objects.filter(centre=OuterRef("pk")).order_by("-week_start")
    rows = centres.values("pk", "name", "province_id", "province__name").annotate(
        consultants=Coalesce(_per(consultants, "centre", Count("pk")), 0),
        flagged=Coalesce(Subquery(latest_week.values("flagged")[:1]), False),
    )
    rows = list(rows)
    outcome_counts = _grouped(outcomes, "enterprise__centre", Count("pk"))
    if facts.answers(filters):
        key = facts.Key.of(place, filters)
        per_centre = facts.per_scope(Level.CENTRE, [row["pk"] for row in rows], key, period)
        session_counts = {pk: t.sessions for pk, t in per_centre.items()}
        booked_time = {
            pk: datetime.timedelta(seconds=t.booked_seconds) for pk, t in per_centre.items()
        }
        enterprises = {pk: len(t.enterprises) for pk, t in per_centre.items()}
        satisfaction = {
            pk: _mean(t.score_sum, t.surveys) for pk, t in per_centre.items() if t.surveys
        }
    else:
        session_counts, booked_time, enterprises, satisfaction = _per_centre_live(
            user, place, filters, sessions
        )
    available = _working_minutes({row["pk"] for row in rows}, period)
    working_days = period.working_days(until=timezone.localdate())
    league = []
    for row in rows:
        booked_minutes = (booked_time.get(row["pk"]) or datetime.timedelta()).total_seconds() / 60
        sessions_held = session_counts.get(row["pk"], 0)
        staff_days = row["consultants"] * working_days
        league.append(
            {
                "centre_id": row["pk"],
                "name": row["name"],
                "province_code": row["province_id"],
                "province": row["province__name"],
                "sessions": sessions_held,
                "consultants": row["consultants"],
                "per_consultant_day": round(sessions_held / staff_days, 2) if staff_days else None,
                "fill_rate": rate_percent(booked_minutes, available.get(row["pk"])),
                "enterprises": enterprises.get(row["pk"], 0),
                "satisfaction": _score(satisfaction.get(row["pk"])),
                "outcomes": outcome_counts.get(row["pk"], 0),
                "flagged": row["flagged"],
            }
        )
    return _sorted(league, sort, LEAGUE_SORTS)


def _per_centre_live(
    user: Any, place: Place, filters: Filters, sessions: QuerySet[MentoringSession]
) -> tuple[dict, dict, dict, dict]:
    """Sessions, booked time, unique enterprises and mean score per centre, from the source
    tables. Grouped queries rather than correlated subqueries over the big tables: each would
    re-read the scoped sessions or bookings once per centre."""
    attended = SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
    surveys = SatisfactionSurvey.objects.filter(
        session__in=sessions.values("pk"), score__isnull=False
    )
    booked = bookings_in_scope(user, place, filters).filter(
        in_period("starts_at", SESSION_ZONE, filters.period), ~Q(status=BookingStatus.CANCELLED)
    )
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    return (
        _grouped(sessions, "centre", Count("pk")),
        _grouped(booked, "centre", Sum(duration)),
        _grouped(attended, "session__centre", Count("enterprise", distinct=True)),
        _grouped(surveys, "session__centre", Avg("score")),
    )


def _working_minutes(centre_ids: set[int], period: Period) -> dict[int, float]:
    """Each centre's consultant working minutes over the period's working days (one query,
    grouped by identical weekly hours)."""
    counts = period.weekday_counts()
    groups = (
        WorkingHours.objects.filter(
            membership__centre_id__in=centre_ids,
            membership__user__role=Role.CONSULTANT,
            membership__user__is_active=True,
        )
        .values("membership__centre_id", "weekday", "starts", "ends")
        .annotate(n=Count("pk"))
        .order_by()
    )
    minutes: dict[int, float] = {}
    for group in groups:
        if group["weekday"] >= 5:
            continue  # weekends are not working days
        span = datetime.datetime.combine(
            datetime.date.min, group["ends"]
        ) - datetime.datetime.combine(datetime.date.min, group["starts"])
        total = span.total_seconds() / 60 * group["n"] * counts.get(group["weekday"], 0)
        centre = group["membership__centre_id"]
        minutes[centre] = minutes.get(centre, 0) + total
    return minutes


PROVINCE_SORTS = ("name", "centres", "sessions", "enterprises", "cooperatives", "active_rate")


def province_ranking(
    user: Any, place: Place, filters: Filters, *, sort: str = "-sessions"
) -> list[dict[str, Any]]:
    """The ministry's ranked view: each province's centres, sessions, enterprises served and
    active cooperatives in the period (five queries)."""
    ranking = _provinces_with_centres(user, place, filters)
    session_counts, enterprises = _per_province(
        user, place, filters, [row["code"] for row in ranking]
    )
    for row in ranking:
        row["sessions"] = session_counts.get(row["code"], 0)
        row["enterprises"] = enterprises.get(row["code"], 0)
    return _sorted(ranking, sort, PROVINCE_SORTS)


def _provinces_with_centres(user: Any, place: Place, filters: Filters) -> list[dict[str, Any]]:
    """The provinces with a centre in scope, with their centres, registered cooperatives and
    the share of them active (three queries); none but for the nation."""
    if place.level != NATIONAL:
        return []
    cooperatives = cooperatives_visible_to(user)
    centres = centres_visible_to(user)
    if filters.centre:
        centres = centres.filter(pk=filters.centre)
        cooperatives = cooperatives.filter(centre_id=filters.centre)
    centres_count = _grouped(centres, "province", Count("pk"))
    provinces = visible_to(user, Province.objects.all()).filter(code__in=list(centres_count))
    cooperative_counts = {
        province: (total, active)
        for province, total, active in cooperatives.order_by()
        .values("regency__province")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(last_rat_on__gte=rat_cutoff())))
        .values_list("regency__province", "total", "active")
    }
    rows = []
    for code, name in provinces.values_list("code", "name"):
        total, active = cooperative_counts.get(code, (0, 0))
        rows.append(
            {
                "code": code,
                "name": name,
                "centres": centres_count[code],
                "cooperatives": total,
                "active_rate": rate_percent(active, total),
            }
        )
    return rows


def _per_province(
    user: Any, place: Place, filters: Filters, provinces: list[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Sessions and unique enterprises per province in the period."""
    if facts.answers(filters):
        key = facts.Key.of(place, filters)
        if key.level == Level.CENTRE:  # a centre chosen: its province's row only
            found = facts.per_scope(Level.CENTRE, [key.scope], key, filters.period)
            code = Centre.objects.values_list("province_id", flat=True).get(pk=key.scope)
            totals = {code: found[key.scope]} if key.scope in found else {}
        else:
            found = facts.per_scope(
                Level.PROVINCE, [int(code) for code in provinces], key, filters.period
            )
            totals = {f"{scope:02d}": t for scope, t in found.items()}
        return (
            {code: t.sessions for code, t in totals.items()},
            {code: len(t.enterprises) for code, t in totals.items()},
        )
    # One GROUP BY per figure rather than a subquery per province: at national scale each
    # subquery would read a year of the country's sessions again, 38 times.
    sessions = sessions_in_scope(user, place, filters).filter(_sessions_in(filters.period))
    attended = SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
    return (
        _grouped(sessions, "centre__province", Count("pk")),
        _grouped(attended, "session__centre__province", Count("enterprise", distinct=True)),
    )


# --- The province map: every KPI card of every province --------------------------------------

# The KPI cards by the names the map's figures give them: "cooperatives" there is the
# ranking's registered count, so the card of the cooperatives served is "cooperatives_served".
MAP_CARDS = {
    ("cooperatives_served" if key == "cooperatives" else key): key
    for key, _label, _fmt in KPI_DEFINITIONS
}
MAP_SORTS = (*PROVINCE_SORTS, *MAP_CARDS)


def province_figures(
    user: Any, place: Place, filters: Filters, *, sort: str = "-sessions"
) -> list[dict[str, Any]]:
    """What the national map offers: the ranked provinces with, besides the ranking's columns,
    every KPI card's value in the period (by MAP_CARDS' names), each exactly what the province's
    own dashboard shows on the card with the same filters. A fixed number of queries, however
    many provinces (docs/dashboards.md)."""
    rows = _provinces_with_centres(user, place, filters)
    cards = _province_cards(user, place, filters, [row["code"] for row in rows])
    for row in rows:
        # The ranking's sessions and enterprises are these cards too, read once here.
        row.update({name: cards[row["code"]][key] for name, key in MAP_CARDS.items()})
    return _sorted(rows, sort, MAP_SORTS)


def _province_cards(
    user: Any, place: Place, filters: Filters, codes: list[str]
) -> dict[str, dict[str, Any]]:
    """``{province code: {card key: value}}``: the current values ``kpis`` gives each province
    with these filters, from the facts of all of them at once: the period's, the earlier ones
    (for the returning enterprises), every month's (for the assisted enterprises of the
    turnover indicator), and the outcomes grouped by their enterprise's province."""
    key = facts.Key.of(place, filters) if facts.answers(filters) else None
    if key is None or key.level != Level.NATION:
        # A centre chosen (its province alone is ranked) or filters the facts do not hold (an
        # invalid one shows nothing): each province's own figures.
        return {
            province.code: {
                card["key"]: card["current"]
                for card in kpis(user, Place(PROVINCE, province=province), filters)["cards"]
            }
            for province in Province.objects.filter(code__in=codes)
        }
    period = filters.period
    scopes = {code: int(code) for code in codes}
    kept = facts.PlacesFacts(Level.PROVINCE, list(scopes.values()), key)
    outcomes = outcomes_in_scope(user, place, filters)
    measured = _outcomes_by_province(outcomes)
    current = {"current": period}
    baselines = _baselines(outcomes, current)
    cards = {}
    for code, scope in scopes.items():
        own = measured.get(code, {})
        cards[code] = {
            **_fact_block(kept.within(scope, period), kept.before(scope, period.start)),
            **outcome_figures(own, filters)["current"],
            **_turnover(current, own, baselines, kept.ever(scope).enterprises)["current"],
        }
    return cards
