"""Reads for sessions, follow-ups, bookings and outcomes, always through the user's scope."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from cooperatives.models import Enterprise
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome, SessionEnterprise
from plut.accounts.scope import visible_to


def sessions_visible_to(user: Any) -> QuerySet[MentoringSession]:
    return visible_to(
        user,
        MentoringSession.objects.select_related("centre__province", "consultant", "service_area"),
    )


def client_names(sessions: Iterable[MentoringSession]) -> dict[int, list[str]]:
    """Each session's clients' names in alphabetical order, in one query of two columns (a
    prefetch of the enterprises built a model and a related manager per row: a third of a
    list page's time)."""
    names: dict[int, list[str]] = defaultdict(list)
    pairs = (
        SessionEnterprise.objects.filter(session__in=[session.pk for session in sessions])
        .order_by("enterprise__name", "enterprise_id")
        .values_list("session_id", "enterprise__name")
    )
    for session_id, name in pairs:
        names[session_id].append(name)
    return names


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return visible_to(user, FollowUp.objects.select_related("session", "assignee"))


def bookings_visible_to(user: Any) -> QuerySet[Booking]:
    return visible_to(
        user,
        Booking.objects.select_related(
            "enterprise", "centre__province", "service_area", "consultant"
        ),
    )


def outcomes_visible_to(user: Any) -> QuerySet[Outcome]:
    return visible_to(user, Outcome.objects.select_related("enterprise"))


# A search that names more than this many clients or topics is a common word ("Kopi": 83 000
# clients, one session in ten): walking the sessions newest-first fills a page within a few
# hundred rows. Below the caps, fetching the listed sessions (about six per client) is cheaper
# than a walk, which would read 1 / (share of matching sessions) rows per row shown.
SEARCH_MANY_CLIENTS = 5000
SEARCH_MANY_TOPICS = 10000


def _ids(queryset: QuerySet, limit: int) -> list[int] | None:
    """The primary keys of ``queryset``, or None when it has more than ``limit``."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
    return None if len(ids) > limit else ids


def _estimated(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` holds (planning only, well under a
    millisecond), or None elsewhere. The statistics of the trigram expression indexes know a
    common word: "Kopi" is estimated at 103 000 clients (83 000 in fact)."""
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _common(text: str, named: Q) -> bool:
    """Whether the planner expects ``text`` to name more clients or topics than the caps:
    then the walk suits it, and the capped look-ups (20 ms for a common word, which reads
    5 000 names to learn that it is common) are skipped. An estimate that is too low costs
    nothing: the capped look-ups still catch the word."""
    estimates = (
        (Enterprise.objects.filter(named), SEARCH_MANY_CLIENTS),
        (MentoringSession.objects.filter(topic__icontains=text), SEARCH_MANY_TOPICS),
    )
    for queryset, cap in estimates:
        estimate = _estimated(queryset)
        if estimate is not None and estimate > 2 * cap:
            return True
    return False


def _few_matches(text: str) -> set[int] | None:
    """The ids of every session that ``text`` finds, or None when it names too many clients
    or topics to list (each look-up is one trigram index scan, stopped at its cap)."""
    named = Q(name__icontains=text)
    if text.isdigit():
        named |= Q(nib=text)
    if _common(text, named):
        return None
    clients: list[int] = []
    for matching in (named, Q(owner__full_name__icontains=text)):
        ids = _ids(Enterprise.objects.filter(matching), SEARCH_MANY_CLIENTS)
        if ids is None:
            return None
        clients += ids
    topics = _ids(MentoringSession.objects.filter(topic__icontains=text), SEARCH_MANY_TOPICS)
    if topics is None:
        return None
    attended = SessionEnterprise.objects.filter(enterprise__in=clients)
    return {*topics, *attended.values_list("session_id", flat=True)}


def sessions_matching(queryset: QuerySet[MentoringSession], text: str) -> QuerySet:
    """The sessions of ``queryset`` whose topic contains ``text`` or that a client attended
    whose name or owner's name contains it, or whose NIB it is.

    One condition with an OR across the participants can only be answered by testing every
    session, newest first, until a page is full: instant for a common word, a read of all five
    million sessions for a rare one. So the matching clients and topics are looked up first,
    each through its trigram index (migrations mentoring 0008, cooperatives 0003) and capped:
    a rare word yields a short list of session ids to fetch directly, and only a common word,
    which overflows a cap, falls back to the walk that suits it. Both give the same rows.
    """
    text = text.strip()
    ids = _few_matches(text)
    if ids is not None:
        return queryset.filter(pk__in=ids)
    clients = Q(enterprise__name__icontains=text) | Q(enterprise__owner__full_name__icontains=text)
    if text.isdigit():
        clients |= Q(enterprise__nib=text)
    # EXISTS keeps a session with two matching clients once, without DISTINCT.
    attended_by = SessionEnterprise.objects.filter(clients, session=OuterRef("pk"))
    return queryset.filter(Q(topic__icontains=text) | Exists(attended_by))
