"""Reads for sessions, follow-ups, bookings and outcomes, always through the user's scope."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

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


# A search found in more sessions than this is a common word ("Kopi": one session in ten):
# walking the sessions newest first fills a page within a few hundred rows. Up to it, the
# trigram index lists the matching sessions, cheaper than a walk, which would read
# 1 / (share of matching sessions) rows per row shown.
SEARCH_MANY_SESSIONS = 5000


def _ids(queryset: QuerySet, limit: int) -> list[int] | None:
    """The primary keys of ``queryset``, or None when it has more than ``limit``."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
    return None if len(ids) > limit else ids


def _estimated(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` holds (planning only, well under a
    millisecond), or None elsewhere. The statistics of the trigram expression index know a
    common word (mentoring 0011)."""
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _few_matches(found: Q) -> list[int] | None:
    """The ids of every session ``found`` selects, or None when there are too many to list.
    A word the planner expects in far more sessions than the cap skips the capped look-up (a
    trigram index scan that would read thousands of rows only to learn the word is common);
    an estimate that is too low costs only that look-up."""
    sessions = MentoringSession.objects.filter(found)
    estimate = _estimated(sessions)
    if estimate is not None and estimate > 2 * SEARCH_MANY_SESSIONS:
        return None
    return _ids(sessions, SEARCH_MANY_SESSIONS)


def sessions_matching(queryset: QuerySet[MentoringSession], text: str) -> QuerySet:
    """The sessions of ``queryset`` whose topic contains ``text`` or that a client attended
    whose name or owner's name contains it, or whose NIB it is.

    Names and topic are one stored column per session (``search_text``, kept by the
    database: migration mentoring 0010). A rare word's sessions come from its trigram index
    as a short list of ids; a common word, which overflows the cap, is found by walking the
    sessions newest first, which fills a page within a few rows. Both give the same rows.
    """
    text = text.strip()
    found = Q(search_text__icontains=text)
    if text.isdigit():
        # An NIB names one enterprise exactly; its digits inside a name or topic still match.
        with_nib = SessionEnterprise.objects.filter(enterprise__nib=text)
        found |= Q(pk__in=with_nib.values("session_id"))
    ids = _few_matches(found)
    return queryset.filter(pk__in=ids) if ids is not None else queryset.filter(found)
