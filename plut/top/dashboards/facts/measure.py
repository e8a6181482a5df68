"""What a set of sessions and bookings adds up to, per group: numbers and sets of ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from pyroaring import BitMap

from clinics.models import Centre
from mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSession,
    SatisfactionSurvey,
    SessionEnterprise,
)
from plut.foundation.accounts.models import User

NUMBERS = (
    "sessions",
    "contact_minutes",
    "preparation_minutes",
    "travel_minutes",
    "surveys",
    "score_sum",
    "bookings",
    "bookings_completed",
    "bookings_no_show",
    "bookings_cancelled",
    "booked_seconds",
)
SETS = ("enterprises", "cooperatives")


@dataclass
class Totals:
    """The additive figures of a cell, and the sets of enterprises and cooperatives served."""

    sessions: int = 0
    contact_minutes: int = 0
    preparation_minutes: int = 0
    travel_minutes: int = 0
    surveys: int = 0
    score_sum: int = 0
    bookings: int = 0
    bookings_completed: int = 0
    bookings_no_show: int = 0
    bookings_cancelled: int = 0
    booked_seconds: int = 0
    enterprises: BitMap = field(default_factory=BitMap)
    cooperatives: BitMap = field(default_factory=BitMap)

    def add(self, other: Totals) -> None:
        for name in NUMBERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.enterprises |= other.enterprises
        self.cooperatives |= other.cooperatives

    @classmethod
    def of(cls, parts: Iterable[Totals]) -> Totals:
        """The sum of ``parts``, their sets united in one pass each (a national map unites
        thousands of them: docs/performance.md)."""
        parts = list(parts)
        if not parts:
            return cls()
        return cls(
            **{name: sum(getattr(part, name) for part in parts) for name in NUMBERS},
            **{name: BitMap.union(*(getattr(part, name) for part in parts)) for name in SETS},
        )

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


Dimensions = dict[str, Any]  # name -> expression, given the path from a row to its session


def measure(
    sessions: QuerySet[MentoringSession],
    bookings: QuerySet[Booking],
    dimensions: Any,
) -> dict[tuple, Totals]:
    """``{group: Totals}`` for the sessions and bookings given, grouped by ``dimensions(path)``
    (a function of the path from a row to its session or booking: "" for sessions and
    bookings, "session__" for attendance and surveys): five GROUP BY queries.

    Attendance counts enterprises that attended; surveys count answered ones, about the
    session's time; bookings count by status, and their duration unless cancelled.
    """
    result: dict[tuple, Totals] = {}

    def totals(row: tuple) -> Totals:
        return result.setdefault(tuple(row), Totals())

    own = dimensions("")
    names = list(own)
    session_ids = sessions.values("pk")
    for row in sessions.annotate(**own).values(*names).annotate(**_session_sums()).order_by():
        cell = totals([row[name] for name in names])
        for name in SESSION_NUMBERS:
            setattr(cell, name, row[name] or 0)
    via_session = dimensions("session__")
    for row in (
        SatisfactionSurvey.objects.filter(session__in=session_ids, score__isnull=False)
        .annotate(**via_session)
        .values(*names)
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by()
    ):
        cell = totals([row[name] for name in names])
        cell.surveys, cell.score_sum = row["n"], row["total"] or 0
    attended = (
        SessionEnterprise.objects.filter(attended=True, session__in=session_ids)
        .annotate(**via_session)
        .values_list(*names, "enterprise_id")
        .order_by()
    )
    for *group, enterprise in attended:
        totals(group).enterprises.add(enterprise)
    links = MentoringSession.cooperatives.through.objects.filter(mentoringsession__in=session_ids)
    for *group, cooperative in (
        links.annotate(**dimensions("mentoringsession__"))
        .values_list(*names, "cooperative_id")
        .order_by()
    ):
        totals(group).cooperatives.add(cooperative)
    _measure_bookings(bookings, own, totals)
    return result


def _measure_bookings(bookings: QuerySet[Booking], own: Dimensions, totals: Any) -> None:
    """The bookings' figures per group of ``own``, added to ``totals(group)``: one query."""
    names = list(own)
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    kept = ~Q(status=BookingStatus.CANCELLED)
    for row in (
        bookings.annotate(**own)
        .values(*names)
        .annotate(
            n=Count("pk"),
            completed=Count("pk", filter=Q(status=BookingStatus.COMPLETED)),
            no_show=Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
            booked=Sum(duration, filter=kept),
        )
        .order_by()
    ):
        cell = totals([row[name] for name in names])
        cell.bookings = row["n"]
        cell.bookings_completed = row["completed"]
        cell.bookings_no_show = row["no_show"]
        cell.bookings_cancelled = row["cancelled"]
        cell.booked_seconds = round(row["booked"].total_seconds()) if row["booked"] else 0


def in_regency(rows: QuerySet, regency: str) -> QuerySet:
    """Sessions with a participant (attending or not) who lives in ``regency``, or bookings of
    an enterprise there: what the dashboards' regency filter means. Led by the regency's
    clients (a few thousand of a million, each in a handful of sessions), not by testing every
    session of the place for one."""
    if rows.model is Booking:
        return rows.filter(enterprise__regency_id=regency)
    clients_there = SessionEnterprise.objects.filter(enterprise__regency_id=regency)
    return rows.filter(pk__in=clients_there.values("session_id"))


def measure_per_regency(
    sessions: QuerySet[MentoringSession],
    bookings: QuerySet[Booking],
    dimensions: Any,
) -> dict[tuple, Totals]:
    """``{(*group, regency): Totals}``: what ``measure`` gives, for the clients of each regency
    (``in_regency``). A session counts once in every regency one of its participants lives in,
    with all its attending enterprises and cooperatives, as the filter counts it; so the
    sessions are grouped here, in Python, from their rows (six queries), rather than by a join
    that would repeat a session once per participant.
    """
    own = dimensions("")
    names = list(own)
    result: dict[tuple, Totals] = {}
    session_ids = sessions.values("pk")
    regencies: dict[int, set[str]] = defaultdict(set)
    for session, regency in (
        SessionEnterprise.objects.filter(session__in=session_ids)
        .values_list("session_id", "enterprise__regency_id")
        .distinct()
        .order_by()
    ):
        regencies[session].add(regency)

    def cells(session: int) -> list[Totals]:
        group = groups.get(session)
        if group is None:
            return []
        return [result.setdefault((*group, regency), Totals()) for regency in regencies[session]]

    groups: dict[int, tuple] = {}
    for pk, *values in (
        sessions.annotate(**own).values_list("pk", *names, *SESSION_NUMBERS[1:]).order_by()
    ):
        groups[pk] = tuple(values[: len(names)])
        minutes = values[len(names) :]
        for cell in cells(pk):
            cell.sessions += 1
            for name, value in zip(SESSION_NUMBERS[1:], minutes, strict=True):
                setattr(cell, name, getattr(cell, name) + (value or 0))
    for session, score in (
        SatisfactionSurvey.objects.filter(session__in=session_ids, score__isnull=False)
        .values_list("session_id", "score")
        .order_by()
    ):
        for cell in cells(session):
            cell.surveys += 1
            cell.score_sum += score
    for session, enterprise in SessionEnterprise.objects.filter(
        attended=True, session__in=session_ids
    ).values_list("session_id", "enterprise_id"):
        for cell in cells(session):
            cell.enterprises.add(enterprise)
    links = MentoringSession.cooperatives.through.objects.filter(mentoringsession__in=session_ids)
    for session, cooperative in links.values_list("mentoringsession_id", "cooperative_id"):
        for cell in cells(session):
            cell.cooperatives.add(cooperative)

    def booking_totals(group: list) -> Totals:
        return result.setdefault(tuple(group), Totals())

    _measure_bookings(
        bookings,
        {**own, "regency": F("enterprise__regency_id")},
        booking_totals,
    )
    return result


SESSION_NUMBERS = ("sessions", "contact_minutes", "preparation_minutes", "travel_minutes")


def _session_sums() -> dict[str, Any]:
    return {
        "sessions": Count("pk"),
        **{name: Sum(name) for name in SESSION_NUMBERS[1:]},
    }


def workload(
    sessions: QuerySet[MentoringSession], dimensions: Dimensions, *, named: bool = False
) -> list[dict]:
    """Sessions and minutes per consultant (and centre) within each group: one GROUP BY;
    ``named``: with the consultant's and the centre's names."""
    names = [*dimensions, "centre_id", "consultant_id"]
    rows = sessions.annotate(**dimensions).values(*names).annotate(**_session_sums())
    if named:
        rows = rows.annotate(**names_of_people())
    return list(rows.order_by())


def names_of_people() -> dict[str, Subquery]:
    """The names of a row's consultant and centre, read in the row's own query (one query
    however many rows, none to look them up afterwards)."""
    person = User.objects.filter(pk=OuterRef("consultant_id"))
    return {
        **{field: Subquery(person.values(field)[:1]) for field in PERSON_NAMES},
        "centre_name": Subquery(Centre.objects.filter(pk=OuterRef("centre_id")).values("name")),
    }


PERSON_NAMES = ("first_name", "last_name", "username")
