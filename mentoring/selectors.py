"""Reads for sessions, follow-ups, bookings and outcomes, always through the user's scope."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Upper

from cooperatives.models import Enterprise
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome, SessionEnterprise
from plut.accounts.scope import visible_to
from plut.core.pagination import PAGE_SIZE


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


def search_limit() -> int:
    """How many sessions a search may find and still be fetched by id; a word found in more is
    walked, newest first, instead.

    A walk reads about PAGE_SIZE / share rows to fill a page, where share is the fraction of
    sessions the word finds (m of n); fetching by id reads the m sessions. The two meet where
    m = sqrt(PAGE_SIZE x n): about 16 000 of five million sessions, 1 600 of fifty thousand.
    Half that, because a row fetched by id costs more than a row read in a walk (an index probe
    each, then a sort). Without the table's size (SQLite's small tables), a fixed 5 000."""
    if connection.vendor != "postgresql":
        return 5000
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [MentoringSession._meta.db_table],
        )
        sessions = max(int(cursor.fetchone()[0]), 0)  # -1: never analysed
    return max(500, math.isqrt(PAGE_SIZE * sessions) // 2)


def _ids(queryset: QuerySet, limit: int, field: str = "pk") -> list[int] | None:
    """The ``field`` (ids) of ``queryset``'s rows, or None when it has more than ``limit``."""
    ids = list(queryset.order_by().values_list(field, flat=True)[: limit + 1])
    return None if len(ids) > limit else ids


def _estimated(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` holds (planning only, well under a
    millisecond), or None elsewhere. The statistics of the search text's trigram expression
    index know a common word (mentoring 0011)."""
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _few_matches(text: str, found: Q) -> set[int] | None:
    """The ids of every session ``found`` selects, or None when there are more than
    search_limit(): a common word ("Kopi": one session in ten), which the planner's estimate
    names at once, or a word whose capped look-ups overflow.

    The look-ups go where a word is cheapest to find: clients by name and by owner's name
    (tables of one million), and topics. The search text's own trigram index would answer
    too, but a name made of common words ("Warung Berkah ...") reads those words' long
    trigram lists among five million sessions (70 ms); among a million clients they are a
    sixth as long. An estimate that is too low costs only the capped look-ups."""
    limit = search_limit()
    estimate = _estimated(MentoringSession.objects.filter(found))
    if estimate is not None and estimate > limit:
        return None
    named = Q(name__icontains=text)
    if text.isdigit():
        named |= Q(nib=text)
    clients: list[int] = []
    for matching in (named, Q(owner__full_name__icontains=text)):
        ids = _ids(Enterprise.objects.filter(matching), limit)
        if ids is None:
            return None
        clients += ids
    topics = _ids(MentoringSession.objects.filter(topic__icontains=text), limit)
    participants = SessionEnterprise.objects.filter(enterprise__in=clients)
    attended = _ids(participants, limit, field="session_id")
    if topics is None or attended is None:
        return None
    return {*topics, *attended}


def sessions_matching(queryset: QuerySet[MentoringSession], text: str) -> QuerySet:
    """The sessions of ``queryset`` whose topic contains ``text`` or that a client attended
    whose name or owner's name contains it, or whose NIB it is.

    Names and topic are one stored column per session (``search_text``, kept by the
    database: migration mentoring 0010), so testing a session is reading one value of its
    own row. A rare word's sessions are looked up first as a short list of ids; a common
    word, which overflows a cap, is found by walking the sessions newest first, which fills
    a page within a few hundred rows. Both give the same rows.
    """
    # The stored text holds one field per line: a line break typed into the box (a pasted
    # name) must not match across two of them.
    text = " ".join(text.splitlines()).strip()
    # The text is stored in capitals (mentoring 0012): the query is folded once, by the same
    # upper() as the text, instead of every text tested.
    found = Q(search_text__contains=Upper(Value(text)))
    if text.isdigit():
        # An NIB names one enterprise exactly; its digits inside a name or topic still match.
        with_nib = SessionEnterprise.objects.filter(enterprise__nib=text)
        found |= Q(pk__in=with_nib.values("session_id"))
    ids = _few_matches(text, found)
    return queryset.filter(pk__in=ids) if ids is not None else queryset.filter(found)
