"""Reads for the client profiles: the timeline of what happened, the formalisation ladder, and
the enterprise's turnover and jobs against its baseline.

Each read is a fixed number of queries whatever the size of the history: the timeline merges
three capped querysets in Python, the ladder is one aggregate over the enterprise's outcomes,
the latest figures are subqueries of the query that reads the enterprise.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.selectors import attach_centres
from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.selectors import enterprise_possible_duplicates, enterprises_visible_to
from mentoring.models import Booking, Outcome, OutcomeSource, SessionEnterprise
from mentoring.selectors.records import (
    bookings_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.core.dates import TimeZone
from plut.foundation.core.phone import phone_mask
from plut.foundation.messaging.models import OptOut
from plut.foundation.messaging.optouts import opt_outs_shown

# Per kind of record: a profile is a summary, the lists and exports hold everything.
TIMELINE_LIMIT = 100
MEMBER_LIMIT = 100
MERGE_CHOICES_LIMIT = 20


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "session", "booking" or "outcome"
    moment: datetime.datetime
    zone: str  # IANA zone the moment is shown in
    record: Any


@dataclass(frozen=True)
class Timeline:
    items: list[TimelineItem]
    truncated: bool  # some kind had more than ``limit`` records; only the newest are shown
    limit: int


def enterprise_opt_outs(enterprise: Enterprise) -> list[OptOut]:
    """The stops (STOP/BERHENTI) of the owner's phone and of every phone the enterprise's
    bookings were made with, where the portal would otherwise write to it (one query)."""
    booked = Booking.objects.filter(enterprise=enterprise).exclude(contact_phone="")
    stops = opt_outs_shown(enterprise.owner.phone, also=booked.values("contact_phone"))
    for stop in stops:
        stop.phone_shown = phone_mask(stop.phone)  # type: ignore[attr-defined]
    return stops


def enterprise_zone(enterprise: Enterprise) -> str:
    """The zone the enterprise's dates are read in: its centre's, else its regency's province.

    Expects its centre attached (clinics.selectors.attach_centres) and ``regency__province``
    selected.
    """
    if enterprise.centre_id:
        return enterprise.centre.province.timezone
    return enterprise.regency.province.timezone if enterprise.regency_id else TimeZone.WIB


def _newest(queryset: QuerySet, limit: int) -> tuple[list[Any], bool]:
    # One row more than shown tells whether there were more, without a COUNT.
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _merged(groups: list[list[TimelineItem]]) -> list[TimelineItem]:
    items = [item for group in groups for item in group]
    items.sort(key=lambda item: item.moment, reverse=True)
    return items


def _session_items(sessions: list[Any]) -> list[TimelineItem]:
    return [TimelineItem("session", s.starts_at, s.centre.province.timezone, s) for s in sessions]


def enterprise_timeline(
    user: Any, enterprise: Enterprise, *, limit: int = TIMELINE_LIMIT
) -> Timeline:
    """Sessions, bookings and outcomes of one enterprise that ``user`` may see, newest first.

    Attaches their centres and the enterprise's own (clinics.selectors.attach_centres), and
    to each outcome its change against the baseline (``attach_changes``)."""
    sessions, more_sessions = _newest(
        sessions_visible_to(user)
        .filter(sessionenterprise__enterprise=enterprise)
        # The filter's join to the link row is reused: attendance in a group session.
        .annotate(attended=F("sessionenterprise__attended"))
        .select_related(None)
        .select_related("consultant", "service_area")
        .order_by("-starts_at", "-id"),
        limit,
    )
    bookings, more_bookings = _newest(
        bookings_visible_to(user)
        .filter(enterprise=enterprise)
        .select_related(None)  # its enterprise is this one
        .select_related("service_area", "consultant")
        .order_by("-starts_at", "-id"),
        limit,
    )
    attach_centres([enterprise, *sessions, *bookings])
    outcomes, more_outcomes = _newest(
        outcomes_visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("reported_by", "verified_by")
        .order_by("-recorded_on", "-id"),
        limit,
    )
    attach_changes(outcomes, enterprise_baseline(enterprise))
    zone = enterprise_zone(enterprise)
    # An outcome has a date, not a time: it sorts after everything else on that day.
    end_of_day = datetime.time(23, 59, 59)
    return Timeline(
        items=_merged(
            [
                _session_items(sessions),
                [
                    TimelineItem("booking", b.starts_at, b.centre.province.timezone, b)
                    for b in bookings
                ],
                [
                    TimelineItem(
                        "outcome",
                        datetime.datetime.combine(o.recorded_on, end_of_day, ZoneInfo(zone)),
                        zone,
                        o,
                    )
                    for o in outcomes
                ],
            ]
        ),
        truncated=more_sessions or more_bookings or more_outcomes,
        limit=limit,
    )


def cooperative_timeline(
    user: Any, cooperative: Cooperative, *, limit: int = TIMELINE_LIMIT
) -> Timeline:
    """The sessions that served a cooperative and that ``user`` may see, newest first."""
    sessions, more = _newest(
        sessions_visible_to(user).filter(cooperatives=cooperative).order_by("-starts_at", "-id"),
        limit,
    )
    return Timeline(items=_session_items(sessions), truncated=more, limit=limit)


# --- Turnover and jobs: the baseline, the latest, the change -------------------------------

# The baseline is what the enterprise's own record holds: the turnover and jobs given when it
# was registered (the session form's inline registration, the import, the API), as corrected
# since with "Ubah data". The record keeps no date for those figures, so the baseline is dated
# the day the record was created, in the enterprise's zone. Outcome -> baseline figure:
BASELINE_FIELDS = {"turnover": "annual_turnover", "employees": "employees"}

# Outcomes whose figures count: those staff record, and the owner's own answers (check-ins)
# once staff have verified them.
COUNTED_OUTCOMES = Q(source=OutcomeSource.STAFF) | Q(verified_at__isnull=False)


@dataclass(frozen=True)
class Figure:
    value: int | None  # None: never given
    on: datetime.date | None  # the day it was measured (None with no value)
    is_baseline: bool  # the registration's figure; else the newest counted outcome's


@dataclass(frozen=True)
class Change:
    """A figure against the baseline: +Rp 400.000.000 (+10 %)."""

    amount: int  # new minus baseline
    base: int  # the baseline: no percentage from 0

    @property
    def size(self) -> int:
        return abs(self.amount)

    @property
    def sign(self) -> str:
        return "+" if self.amount > 0 else "\u2212" if self.amount < 0 else ""


def figure_change(value: int | None, baseline: Figure) -> Change | None:
    if value is None or baseline.value is None:
        return None
    return Change(amount=value - baseline.value, base=baseline.value)


@dataclass(frozen=True)
class Baseline:
    turnover: Figure
    employees: Figure


def enterprise_baseline(enterprise: Enterprise) -> Baseline:
    """The turnover and jobs the enterprise started from (``BASELINE_FIELDS``), dated the day
    its record was created. No query: expects what ``enterprise_zone`` does."""
    on = timezone.localtime(enterprise.created_at, ZoneInfo(enterprise_zone(enterprise))).date()
    figures = {
        name: Figure(getattr(enterprise, field), on, is_baseline=True)
        for name, field in BASELINE_FIELDS.items()
    }
    return Baseline(**figures)


def with_latest_figures(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Each enterprise with ``latest_<figure>`` and ``latest_<figure>_on``: the newest counted
    outcome that measured that figure (turnover, employees), or None. Subqueries of the same
    query, served by the outcomes' (enterprise, -recorded_on) index."""
    annotations = {}
    for name in BASELINE_FIELDS:
        newest = Outcome.objects.filter(
            COUNTED_OUTCOMES, enterprise=OuterRef("pk"), **{f"{name}__isnull": False}
        ).order_by("-recorded_on", "-id")
        annotations[f"latest_{name}"] = Subquery(newest.values(name)[:1])
        annotations[f"latest_{name}_on"] = Subquery(newest.values("recorded_on")[:1])
    return enterprises.annotate(**annotations)


@dataclass(frozen=True)
class Standing:
    """One figure on the profile's headline: as it stands now, its baseline, the change."""

    now: Figure  # the newest counted outcome's, else the baseline itself
    baseline: Figure
    change: Change | None  # None while ``now`` is the baseline


@dataclass(frozen=True)
class Figures:
    turnover: Standing
    employees: Standing


def enterprise_figures(enterprise: Enterprise) -> Figures:
    """The latest turnover and jobs against the baseline. Expects ``with_latest_figures``."""
    baseline = enterprise_baseline(enterprise)
    standings = {}
    for name in BASELINE_FIELDS:
        base = getattr(baseline, name)
        value = getattr(enterprise, f"latest_{name}")
        if value is None:
            standings[name] = Standing(now=base, baseline=base, change=None)
        else:
            now = Figure(value, getattr(enterprise, f"latest_{name}_on"), is_baseline=False)
            standings[name] = Standing(now=now, baseline=base, change=figure_change(value, base))
    return Figures(**standings)


def attach_changes(outcomes: list[Outcome], baseline: Baseline) -> None:
    """Give each outcome ``turnover_change`` and ``employees_change`` against ``baseline``."""
    for outcome in outcomes:
        outcome.turnover_change = figure_change(outcome.turnover, baseline.turnover)
        outcome.employees_change = figure_change(outcome.employees, baseline.employees)


@dataclass(frozen=True)
class LadderStep:
    code: str
    label: str
    done: bool


@dataclass(frozen=True)
class Ladder:
    steps: list[LadderStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)


# The common path of an assisted micro business, in order (see DOMAIN.md).
LADDER_STEPS = (
    ("nib", _("NIB (Nomor Induk Berusaha)")),
    ("pirt", _("PIRT (izin produksi pangan industri rumah tangga)")),
    ("halal", _("Sertifikat halal")),
    ("sni", _("SNI (Standar Nasional Indonesia)")),
    ("financing", _("Pembiayaan, mis. KUR")),
)


def enterprise_ladder(enterprise: Enterprise, timeline: Timeline | None = None) -> Ladder:
    """How far the enterprise is on the formalisation ladder, from one aggregate query, or
    from the outcomes of its ``timeline`` when that holds them all (not truncated).

    A step counts once any outcome reports it; NIB also counts when the enterprise has one on
    record (many arrive with it). Outcomes follow their enterprise's scope, so whoever may see
    the enterprise may see all of them.
    """
    if timeline is not None and not timeline.truncated:
        outcomes = [item.record for item in timeline.items if item.kind == "outcome"]
        reached = {
            "nib": any(o.obtained_nib for o in outcomes),
            "pirt": any(o.obtained_pirt for o in outcomes),
            "halal": any(o.obtained_halal for o in outcomes),
            "sni": any(o.obtained_sni for o in outcomes),
            "financing": any((o.financing_amount or 0) > 0 for o in outcomes),
        }
    else:
        reached = Outcome.objects.filter(enterprise=enterprise).aggregate(
            nib=Count("pk", filter=Q(obtained_nib=True)),
            pirt=Count("pk", filter=Q(obtained_pirt=True)),
            halal=Count("pk", filter=Q(obtained_halal=True)),
            sni=Count("pk", filter=Q(obtained_sni=True)),
            financing=Count("pk", filter=Q(financing_amount__gt=0)),
        )
    done = {code: bool(reached[code]) for code, _label in LADDER_STEPS}
    done["nib"] = done["nib"] or bool(enterprise.nib)
    return Ladder([LadderStep(code, str(label), done[code]) for code, label in LADDER_STEPS])


def cooperative_members(
    user: Any, cooperative: Cooperative, *, limit: int = MEMBER_LIMIT
) -> tuple[list[Enterprise], bool]:
    """Member enterprises in ``user``'s scope, by name; and whether there were more."""
    return _newest(
        enterprises_visible_to(user).filter(cooperative=cooperative).order_by("name", "pk"), limit
    )


def cooperative_board(cooperative: Cooperative) -> list[Person]:
    return list(cooperative.board_members.order_by("full_name", "pk"))


def enterprise_merge_candidates(user: Any, keep: Enterprise) -> QuerySet[Enterprise]:
    """Enterprises that may be merged into ``keep``: in scope, at the same centre, not itself."""
    return (
        enterprises_visible_to(user)
        .filter(centre_id=keep.centre_id)
        .exclude(pk=keep.pk)
        .order_by("name", "pk")
    )


def enterprise_merge_search(user: Any, keep: Enterprise, query: str) -> list[Enterprise]:
    """Candidates matching a name or NIB; without a query, the likely duplicates of ``keep``."""
    candidates = enterprise_merge_candidates(user, keep)
    query = query.strip()
    if not query:
        likely = enterprise_possible_duplicates(
            user, name=keep.name, regency_id=keep.regency_id, nik=keep.owner.nik
        )
        ids = [e.pk for e in likely if e.pk != keep.pk][:MERGE_CHOICES_LIMIT]
        return list(candidates.filter(pk__in=ids))
    match = Q(name__icontains=query)
    if query.isdigit():
        match |= Q(nib__startswith=query)
    return list(candidates.filter(match)[:MERGE_CHOICES_LIMIT])


@dataclass(frozen=True)
class LikelyDuplicate:
    enterprise: Enterprise
    reasons: list[str]  # "NIB sama", "telepon sama", ...


def booking_likely_duplicates(user: Any, booking: Booking) -> list[LikelyDuplicate]:
    """Records that may be the business behind a public booking, which was filed under records
    of its own (``mentoring.selectors.bookings._client``): in ``user``'s scope at the booking's
    centre (those a merge accepts), holding the NIB, phone or email typed with it, or a similar name
    in its regency. Staff judge, then link the booking by merging its record into one of them.
    """
    own = booking.enterprise
    candidates = enterprise_merge_candidates(user, own)
    typed = Q()
    if booking.contact_nib:
        typed |= Q(nib=booking.contact_nib)
    if booking.contact_phone:
        typed |= Q(owner__phone=booking.contact_phone)
    if booking.contact_email:
        typed |= Q(owner__email__iexact=booking.contact_email)
    found = {e.pk: e for e in candidates.filter(typed)[:MERGE_CHOICES_LIMIT]} if typed else {}
    # The same as the merge page's own suggestions, kept to the centre a merge accepts.
    similar = [
        e
        for e in enterprise_possible_duplicates(
            user, name=own.name, regency_id=own.regency_id, nik=None
        )
        if e.centre_id == own.centre_id and e.pk != own.pk
    ]
    similar_ids = {e.pk for e in similar}
    for e in similar:
        found.setdefault(e.pk, e)
    email = booking.contact_email.lower()
    return [
        LikelyDuplicate(
            enterprise=e,
            reasons=[
                str(reason)
                for reason, same in (
                    (_("NIB sama"), bool(booking.contact_nib) and e.nib == booking.contact_nib),
                    (
                        _("telepon sama"),
                        bool(booking.contact_phone) and e.owner.phone == booking.contact_phone,
                    ),
                    (_("email sama"), bool(email) and e.owner.email.lower() == email),
                    (_("nama mirip"), e.pk in similar_ids),
                )
                if same
            ],
        )
        for e in sorted(found.values(), key=lambda e: (e.name, e.pk))
    ]


@dataclass(frozen=True)
class MergeCounts:
    sessions: int
    shared_sessions: int  # sessions both attended: their two links become one
    bookings: int
    outcomes: int


def enterprise_merge_counts(*, keep: Enterprise, remove: Enterprise) -> MergeCounts:
    """What a merge of ``remove`` into ``keep`` would move: every record, in or out of scope."""
    links = SessionEnterprise.objects.filter(enterprise=remove).aggregate(
        total=Count("pk"),
        shared=Count(
            "pk",
            filter=Q(
                session__in=SessionEnterprise.objects.filter(enterprise=keep).values("session_id")
            ),
        ),
    )
    return MergeCounts(
        sessions=links["total"],
        shared_sessions=links["shared"],
        bookings=Booking.objects.filter(enterprise=remove).count(),
        outcomes=Outcome.objects.filter(enterprise=remove).count(),
    )
