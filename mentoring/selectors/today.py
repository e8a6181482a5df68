"""Hari ini's lists: today's bookings, the follow-ups due by today, this week's sessions.

Each is read from an index in its own order, whatever the scope: a centre's rows from the
centre's index, an officer's from the national one, every zone's "today" on its own clock
(``on_centres_clock``). The rows read only the columns the page shows (their clients are read
by the page's tables, mentoring.tables.today_tables), and their centres come from the centres
each process keeps (docs/performance.md, session 14: the workspace).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from clinics.selectors import attach_centres
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, FollowUp, MentoringSession
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    on_centres_clock,
    sessions_visible_to,
)
from plut.foundation.accounts.models import Role
from plut.foundation.core.calendar import day_bounds, today_in

# Rows per list: a day's work, and a bound.
TODAY_ROWS = 50

_NAMES = ("first_name", "last_name", "username")
_AREA = ("service_area__name_id", "service_area__name_en")


@dataclass(frozen=True)
class TodayLists:
    bookings: list[Booking]
    follow_ups: list[FollowUp]
    sessions: list[MentoringSession]


def today_lists(user: Any, *, zones: list[str] | None, now: datetime.datetime) -> TodayLists:
    """``user``'s Hari ini as of ``now``: a consultant's own follow-ups and sessions, the rest
    of the scope's for everyone else; the bookings of the whole scope. ``zones``: the zones
    the scope's centres are in (mentoring.selectors.records.zones_of)."""

    def today(zone: str) -> datetime.datetime:
        return day_bounds(now, zone)[0]

    def tomorrow(zone: str) -> datetime.datetime:
        return day_bounds(now, zone)[1]

    def monday(zone: str) -> datetime.datetime:
        start = today(zone)
        return start - datetime.timedelta(days=start.weekday())

    bookings = (
        bookings_visible_to(user)
        .select_related(None)
        .select_related("enterprise", "service_area", "consultant")
        .only(
            "starts_at",
            "status",
            "centre",
            "enterprise__name",
            *_AREA,
            *(f"consultant__{name}" for name in _NAMES),
        )
        .filter(status__in=ACTIVE_BOOKING_STATUSES)
        .filter(on_centres_clock("starts_at", "gte", today, zones=zones))
        .filter(on_centres_clock("starts_at", "lt", tomorrow, zones=zones))
        .order_by("starts_at", "id")
    )
    follow_ups = (
        follow_ups_visible_to(user)
        .select_related(None)
        .select_related("session", "assignee")
        .only(
            "action",
            "due_on",
            "done_at",
            "centre",
            "session__topic",
            *(f"assignee__{name}" for name in _NAMES),
        )
        .filter(done_at__isnull=True)
        .filter(on_centres_clock("due_on", "lte", today_in, zones=zones))
        .order_by("due_on", "id")
    )
    sessions = (
        sessions_visible_to(user)
        .select_related(None)
        .select_related("service_area", "consultant")
        .only(
            "topic",
            "starts_at",
            "centre",
            *_AREA,
            *(f"consultant__{name}" for name in _NAMES),
        )
        .filter(on_centres_clock("starts_at", "gte", monday, zones=zones))
        .order_by("-starts_at", "-id")
    )
    # A consultant's follow-ups and sessions are their own; a manager sees the whole centre.
    if user.role == Role.CONSULTANT:
        follow_ups = follow_ups.filter(assignee=user)
        sessions = sessions.filter(consultant=user)
    lists = TodayLists(
        bookings=list(bookings[:TODAY_ROWS]),
        follow_ups=list(follow_ups[:TODAY_ROWS]),
        sessions=list(sessions[:TODAY_ROWS]),
    )
    attach_centres([*lists.bookings, *lists.follow_ups, *lists.sessions])
    return lists
