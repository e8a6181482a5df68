"""Dashboard figures, computed by the database over querysets narrowed to a user's scope.

Every function takes the user, the place (nation, province or centre) and the filters, and
returns plain dicts and lists, so the pages, the exports, the monthly reports and the API all
read the same numbers. Each block is one aggregate query (conditional aggregation for the three
compared periods, or one GROUP BY); Python only arranges the handful of result rows. The exact
definitions are in docs/dashboards.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import ServiceArea, StaffMembership, WorkingHours
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
from plut.top.dashboards.filters import NATIONAL, Filters, Place
from plut.top.dashboards.models import CentreUtilisation
from plut.top.dashboards.periods import Period, before, in_period, local_month

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
        clients_there = SessionEnterprise.objects.filter(
            session=OuterRef("pk"), enterprise__regency_id=filters.regency
        )
        sessions = sessions.filter(Exists(clients_there))
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
        bookings = bookings.filter(enterprise__regency_id=filters.regency)
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


def _rate(part: float | None, whole: float | None) -> float | None:
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
        key: {
            "sessions": row[f"{key}__sessions"],
            "contact_hours": _hours(row[f"{key}__contact"]),
            "preparation_hours": _hours(row[f"{key}__preparation"]),
            "travel_hours": _hours(row[f"{key}__travel"]),
        }
        for key in periods
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
        key: {
            "enterprises": row[f"{key}__unique"] or 0,
            "enterprises_new": (row[f"{key}__unique"] or 0) - row[f"{key}__returning"],
            "enterprises_returning": row[f"{key}__returning"],
        }
        for key in periods
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
    result = {}
    for key in periods:
        no_show, completed = row[f"{key}__no_show"], row[f"{key}__completed"]
        result[key] = {
            "bookings": row[f"{key}__all"],
            "bookings_completed": completed,
            "bookings_no_show": no_show,
            "bookings_cancelled": row[f"{key}__cancelled"],
            "no_show_rate": _rate(no_show, no_show + completed),
        }
    return result


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
    return {
        key: {
            "satisfaction": round(row[f"{key}__avg"], 2)
            if row[f"{key}__avg"] is not None
            else None,
            "satisfaction_responses": row[f"{key}__n"],
        }
        for key in periods
    }


def _previous_headcount() -> Subquery:
    """The enterprise's headcount at its previous measurement (None for the first)."""
    earlier = Outcome.objects.filter(
        enterprise=OuterRef("enterprise"), employees__isnull=False
    ).filter(
        Q(recorded_on__lt=OuterRef("recorded_on"))
        | Q(recorded_on=OuterRef("recorded_on"), pk__lt=OuterRef("pk"))
    )
    return Subquery(earlier.order_by("-recorded_on", "-pk").values("employees")[:1])


def outcome_figures(outcomes: QuerySet[Outcome], filters: Filters) -> dict[str, dict]:
    """Financing, jobs and permits recorded in the period.

    Jobs created: for each measurement in the period, the headcount minus the enterprise's
    previous measurement (a net change, so jobs lost count too); first measurements add none.
    """
    periods = filters.period.comparisons()
    change = ExpressionWrapper(
        F("employees") - F("previous_employees"), output_field=IntegerField()
    )
    measured = Q(employees__isnull=False, previous_employees__isnull=False)
    aggregates: dict[str, Any] = {}
    for key, period in periods.items():
        inside = Q(recorded_on__gte=period.start, recorded_on__lte=period.end)
        aggregates[f"{key}__outcomes"] = Count("pk", filter=inside)
        aggregates[f"{key}__financing"] = Sum("financing_amount", filter=inside)
        aggregates[f"{key}__jobs"] = Sum(change, filter=inside & measured)
        for permit in ("nib", "pirt", "halal", "sni"):
            aggregates[f"{key}__{permit}"] = Count(
                "pk", filter=inside & Q(**{f"obtained_{permit}": True})
            )
    span = Q(pk__in=[])
    for period in periods.values():
        span |= Q(recorded_on__gte=period.start, recorded_on__lte=period.end)
    row = (
        outcomes.annotate(previous_employees=_previous_headcount())
        .filter(span)
        .aggregate(**aggregates)
    )
    return {
        key: {
            "outcomes": row[f"{key}__outcomes"],
            "financing": row[f"{key}__financing"] or 0,
            "jobs": row[f"{key}__jobs"] or 0,
            "permits": sum(row[f"{key}__{p}"] for p in ("nib", "pirt", "halal", "sni")),
        }
        for key in periods
    }


def turnover_figures(
    user: Any, place: Place, filters: Filters, sessions: QuerySet[MentoringSession]
) -> dict[str, dict]:
    """The ministry's indicator: the % increase in turnover of assisted enterprises.

    Over the assisted enterprises (at least one attended session in this scope and filters)
    that have a baseline (their earliest recorded turnover) and a later turnover recorded within
    the period (the latest one there): (sum of latest - sum of baselines) / sum of baselines.
    """
    periods = filters.period.comparisons()
    enterprises = visible_to(user, Enterprise.objects.all()).order_by()
    if place.centre:
        enterprises = enterprises.filter(centre=place.centre)
    elif place.province:
        enterprises = enterprises.filter(centre__province=place.province)
    if filters.centre:
        enterprises = enterprises.filter(centre_id=filters.centre)
    if filters.regency:
        enterprises = enterprises.filter(regency_id=filters.regency)
    # Semi-joins, not correlated subqueries: only assisted enterprises with a turnover on
    # record get the per-enterprise lookups below.
    assisted = SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
    measured = Outcome.objects.filter(turnover__isnull=False)
    turnovers = Outcome.objects.filter(enterprise=OuterRef("pk"), turnover__isnull=False)
    first = turnovers.order_by("recorded_on", "pk")
    annotations: dict[str, Any] = {
        "base": Subquery(first.values("turnover")[:1]),
        "base_on": Subquery(first.values("recorded_on")[:1]),
    }
    aggregates: dict[str, Any] = {}
    for key, period in periods.items():
        last = turnovers.filter(
            recorded_on__gte=period.start, recorded_on__lte=period.end
        ).order_by("-recorded_on", "-pk")
        annotations[f"last_{key}"] = Subquery(last.values("turnover")[:1])
        annotations[f"last_on_{key}"] = Subquery(last.values("recorded_on")[:1])
        paired = Q(base__isnull=False, **{f"last_{key}__isnull": False}) & Q(
            **{f"last_on_{key}__gt": F("base_on")}
        )
        aggregates[f"{key}__n"] = Count("pk", filter=paired)
        aggregates[f"{key}__base"] = Sum("base", filter=paired)
        aggregates[f"{key}__last"] = Sum(f"last_{key}", filter=paired)
    row = (
        enterprises.filter(
            pk__in=assisted.values("enterprise_id"), id__in=measured.values("enterprise_id")
        )
        .annotate(**annotations)
        .aggregate(**aggregates)
    )
    result = {}
    for key in periods:
        base, last = row[f"{key}__base"] or 0, row[f"{key}__last"] or 0
        result[key] = {
            "turnover_enterprises": row[f"{key}__n"],
            "turnover_baseline": base,
            "turnover_latest": last,
            "turnover_increase": _rate(last - base, base),
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
    sessions = sessions_in_scope(user, place, filters)
    merged: dict[str, dict[str, Any]] = {key: {} for key in PERIOD_KEYS}
    blocks = (
        session_figures(sessions, filters),
        enterprise_figures(sessions, filters),
        cooperative_figures(sessions, filters),
        booking_figures(bookings_in_scope(user, place, filters), filters),
        satisfaction_figures(sessions, filters),
        outcome_figures(outcomes_in_scope(user, place, filters), filters),
        turnover_figures(user, place, filters, sessions),
    )
    for block in blocks:
        for key in PERIOD_KEYS:
            merged[key].update(block[key])
    periods = filters.period.comparisons()
    return {
        "periods": {key: {"start": p.start, "end": p.end} for key, p in periods.items()},
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


# --- Charts: the current period only -------------------------------------------------------


def sessions_over_time(user: Any, place: Place, filters: Filters) -> dict[str, Any]:
    """Sessions per month by service area, and per mode (one GROUP BY query)."""
    period = filters.period
    grouped = (
        sessions_in_scope(user, place, filters)
        .filter(_sessions_in(period))
        .annotate(month=local_month("starts_at", SESSION_ZONE))
        .values("month", "service_area_id", "mode")
        .annotate(count=Count("pk"))
        .order_by()
    )
    months = period.months()
    by_area: dict[int, list[int]] = {}
    by_mode: dict[str, int] = {}
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
    rows = (
        sessions_in_scope(user, place, filters)
        .filter(_sessions_in(filters.period))
        .values(
            "consultant_id",
            "consultant__first_name",
            "consultant__last_name",
            "consultant__username",
            "centre_id",
            "centre__name",
        )
        .annotate(
            sessions=Count("pk"),
            contact=Sum("contact_minutes"),
            preparation=Sum("preparation_minutes"),
            travel=Sum("travel_minutes"),
        )
        .order_by("-sessions", "consultant__username")
    )
    return [
        {
            "consultant_id": row["consultant_id"],
            "name": f"{row['consultant__first_name']} {row['consultant__last_name']}".strip()
            or row["consultant__username"],
            "centre_id": row["centre_id"],
            "centre": row["centre__name"],
            "sessions": row["sessions"],
            "contact_hours": _hours(row["contact"]),
            "preparation_hours": _hours(row["preparation"]),
            "travel_hours": _hours(row["travel"]),
        }
        for row in rows
    ]


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
            "active_rate": _rate(row["active"], row["total"]),
            "members": row["members"] or 0,
            "workforce": row["workforce"] or 0,
        }
        for row in rows
    ]
    total = {
        name: sum(area[name] for area in areas)
        for name in ("total", "active", "members", "workforce")
    }
    total["active_rate"] = _rate(total["active"], total["total"])
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
    attended = SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
    surveys = SatisfactionSurvey.objects.filter(
        session__in=sessions.values("pk"), score__isnull=False
    )
    outcomes = outcomes_in_scope(user, place, filters).filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end
    )
    booked = bookings_in_scope(user, place, filters).filter(
        in_period("starts_at", SESSION_ZONE, period), ~Q(status=BookingStatus.CANCELLED)
    )
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    latest_week = CentreUtilisation.objects.filter(centre=OuterRef("pk")).order_by("-week_start")
    rows = centres.values("pk", "name", "province_id", "province__name").annotate(
        consultants=Coalesce(_per(consultants, "centre", Count("pk")), 0),
        flagged=Coalesce(Subquery(latest_week.values("flagged")[:1]), False),
    )
    rows = list(rows)
    # Grouped queries rather than correlated subqueries over the big tables: each would
    # re-read the scoped sessions, bookings or outcomes once per centre.
    session_counts = _grouped(sessions, "centre", Count("pk"))
    outcome_counts = _grouped(outcomes, "enterprise__centre", Count("pk"))
    booked_time = _grouped(booked, "centre", Sum(duration))
    enterprises = _grouped(attended, "session__centre", Count("enterprise", distinct=True))
    satisfaction = _grouped(surveys, "session__centre", Avg("score"))
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
                "fill_rate": _rate(booked_minutes, available.get(row["pk"])),
                "enterprises": enterprises.get(row["pk"], 0),
                "satisfaction": round(satisfaction[row["pk"]], 2)
                if row["pk"] in satisfaction
                else None,
                "outcomes": outcome_counts.get(row["pk"], 0),
                "flagged": row["flagged"],
            }
        )
    return _sorted(league, sort, LEAGUE_SORTS)


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
    if place.level != NATIONAL:
        return []
    sessions = sessions_in_scope(user, place, filters).filter(_sessions_in(filters.period))
    attended = SessionEnterprise.objects.filter(attended=True, session__in=sessions.values("pk"))
    cooperatives = cooperatives_visible_to(user)
    centres = centres_visible_to(user)
    if filters.centre:
        centres = centres.filter(pk=filters.centre)
        cooperatives = cooperatives.filter(centre_id=filters.centre)
    centres_count = _grouped(centres, "province", Count("pk"))
    provinces = visible_to(user, Province.objects.all()).filter(code__in=list(centres_count))
    # One GROUP BY per figure rather than a subquery per province: at national scale each
    # subquery would read a year of the country's sessions again, 38 times.
    session_counts = _grouped(sessions, "centre__province", Count("pk"))
    cooperative_counts = {
        province: (total, active)
        for province, total, active in cooperatives.order_by()
        .values("regency__province")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(last_rat_on__gte=rat_cutoff())))
        .values_list("regency__province", "total", "active")
    }
    enterprises = _grouped(
        attended, "session__centre__province", Count("enterprise", distinct=True)
    )
    ranking = []
    for code, name in provinces.values_list("code", "name"):
        total, active = cooperative_counts.get(code, (0, 0))
        ranking.append(
            {
                "code": code,
                "name": name,
                "centres": centres_count[code],
                "sessions": session_counts.get(code, 0),
                "enterprises": enterprises.get(code, 0),
                "cooperatives": total,
                "active_rate": _rate(active, total),
            }
        )
    return _sorted(ranking, sort, PROVINCE_SORTS)
