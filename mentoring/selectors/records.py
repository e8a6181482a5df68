"""Reads for sessions, follow-ups, bookings and outcomes, always through the user's scope."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

from clinics.centre_cache import centres_by_id
from clinics.selectors import centres_in_zone
from cooperatives.models import Enterprise
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome, SessionEnterprise
from plut.foundation.accounts.scope import scope_of, visible_to
from plut.foundation.core.calendar import today_in
from plut.foundation.core.dates import TimeZone
from plut.foundation.core.pagination import PAGE_SIZE


def sessions_visible_to(user: Any) -> QuerySet[MentoringSession]:
    return visible_to(
        user,
        MentoringSession.objects.select_related("centre__province", "consultant", "service_area"),
    )


def zones_of(user: Any) -> list[str] | None:
    """The one zone of a centre's or a province's staff, or None: every zone, each centre on
    its own clock."""
    scope = scope_of(user)
    if scope.centre_id is not None:
        centre = centres_by_id([scope.centre_id]).get(scope.centre_id)
        return [centre.timezone] if centre else None
    if scope.province_code is not None:
        return [user.province.timezone]
    return None


# The comparison that holds exactly where the other one fails (the two sides of a bound).
_OTHER_SIDE = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}


def on_centres_clock(
    column: str,
    lookup: str,
    bound: Callable[[str], Any],
    *,
    zones: list[str] | None,
    centre_path: str = "centre",
) -> Q:
    """``column`` compared (``lookup``: "lt", "gte"...) with ``bound(zone)`` for the rows of
    the centres in each zone: "today", "this week" and "overdue" are each centre's own (at
    00:30 WIT it is still yesterday in WIB). ``zones``: the zones the rows can be in (zones_of),
    None for every zone.

    The column is compared with the loosest of the zones' bounds, never cast to a local date:
    a range an index seeks to. Then the rows of a zone whose own bound is tighter are left out
    where they fall between the two bounds, a few hours' worth: stated as that narrow window,
    the planner sees it removes next to nothing, where a test of each zone's whole bound made
    it expect a handful of rows and pick a plan for a handful. The zone of a row is its
    centre's, from the centres each process keeps (no join to the provinces).
    """
    if zones is not None and len(zones) == 1:
        return Q(**{f"{column}__{lookup}": bound(zones[0])})
    bounds = {zone: bound(zone) for zone in zones or TimeZone.values}
    loosest = (max if lookup in ("lt", "lte") else min)(bounds.values())
    condition = Q(**{f"{column}__{lookup}": loosest})
    for zone, value in bounds.items():
        if value != loosest:
            condition &= ~Q(
                **{
                    f"{centre_path}__in": centres_in_zone(zone),
                    f"{column}__{_OTHER_SIDE[lookup]}": value,
                    f"{column}__{lookup}": loosest,
                }
            )
    return condition


def overdue(zones: list[str] | None = None) -> Q:
    """Follow-ups open past their due day on their own centre's calendar."""
    return Q(done_at__isnull=True) & on_centres_clock("due_on", "lt", today_in, zones=zones)


def client_names(sessions: Iterable[MentoringSession]) -> dict[int, list[str]]:
    """Each session's clients' names in alphabetical order, in one query of two columns (a
    prefetch of the enterprises built a model and a related manager per row, a large share of
    a list page's time; docs/performance.md#measurements-behind-the-codes-shape)."""
    names: dict[int, list[str]] = defaultdict(list)
    pairs = (
        SessionEnterprise.objects.filter(session__in=[session.pk for session in sessions])
        .order_by("enterprise__name", "enterprise_id")
        .values_list("session_id", "enterprise__name")
    )
    for session_id, name in pairs:
        names[session_id].append(name)
    return names


def attach_client_ids(sessions: Iterable[MentoringSession]) -> None:
    """Give each session ``enterprise_ids`` and ``cooperative_ids``, in their names' order, from
    two queries of two columns: a prefetch built a model and a related manager per row, a large
    share of the API's session page
    (docs/performance.md#measurements-behind-the-codes-shape)."""
    sessions = list(sessions)
    ids = [session.pk for session in sessions]
    enterprises: dict[int, list[int]] = defaultdict(list)
    for session_id, enterprise_id in (
        SessionEnterprise.objects.filter(session__in=ids)
        .order_by("enterprise__name", "enterprise_id")
        .values_list("session_id", "enterprise_id")
    ):
        enterprises[session_id].append(enterprise_id)
    cooperatives: dict[int, list[int]] = defaultdict(list)
    for session_id, cooperative_id in (
        MentoringSession.cooperatives.through.objects.filter(mentoringsession__in=ids)
        .order_by("cooperative__name", "cooperative_id")
        .values_list("mentoringsession_id", "cooperative_id")
    ):
        cooperatives[session_id].append(cooperative_id)
    for session in sessions:
        session.enterprise_ids = enterprises.get(session.pk, [])
        session.cooperative_ids = cooperatives.get(session.pk, [])


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


def search_limit(sessions: int | None) -> int:
    """How many sessions a search may find and still be fetched by id; a word found in more is
    walked, newest first, instead. ``sessions``: how many the table holds (the planner's
    estimate), None where unknown.

    A walk reads about PAGE_SIZE / share rows to fill a page, where share is the fraction of
    sessions the word finds (m of n); fetching by id reads the m sessions. The two meet where
    m = sqrt(PAGE_SIZE x n): about 16 000 of five million sessions, 1 600 of fifty thousand.
    Half that, because a row fetched by id costs more than a row read in a walk (an index probe
    each, then a sort). Without the table's size (SQLite's small tables), a fixed 5 000."""
    if sessions is None:
        return 5000
    return max(500, math.isqrt(PAGE_SIZE * max(sessions, 0)) // 2)


def _ids(queryset: QuerySet, limit: int, field: str = "pk") -> list[int] | None:
    """The ``field`` (ids) of ``queryset``'s rows, or None when it has more than ``limit``."""
    ids = list(queryset.order_by().values_list(field, flat=True)[: limit + 1])
    return None if len(ids) > limit else ids


def _plan_rows(*querysets: QuerySet) -> list[int] | None:
    """PostgreSQL's estimate of the rows each queryset holds, from one EXPLAIN of them all
    (planning only, no rows read: one round trip however many;
    docs/performance.md#measurements-behind-the-codes-shape), or None elsewhere. The statistics
    of the trigram expression indexes know a common word (mentoring 0012, cooperatives 0003)."""
    if connection.vendor != "postgresql":
        return None
    first, *others = (queryset.order_by().values("pk") for queryset in querysets)
    plan = json.loads((first.union(*others, all=True) if others else first).explain(format="json"))
    nodes = plan[0]["Plan"]["Plans"] if others else [plan[0]["Plan"]]
    # UNION ALL plans as one Append of its members, in order; anything else is not read.
    return [int(node["Plan Rows"]) for node in nodes] if len(nodes) == len(querysets) else None


def _containing(queryset: QuerySet, field: str, text: str) -> QuerySet:
    """The rows of ``queryset`` whose ``field`` contains ``text`` (icontains), with the trigram
    index asked only for the word of ``text`` the planner expects in the fewest rows, and
    the whole text then tested on the rows that word finds.

    Business names are a few very common words ("Warung", "Toko", "Berkah", "Jaya", "Kopi") and
    one that tells them apart. Asked for a whole name, the trigram index intersects the common
    words' long lists ("Kopi Sejahtera 999901" among a million clients); asked for its rarest
    word, it reads one short list (docs/performance.md#measurements-behind-the-codes-shape). A
    name of common words only is common itself, and estimated so before it gets here
    (_few_matches)."""
    whole = queryset.filter(**{f"{field}__icontains": text})
    # A word under three letters has no trigram of its own: the index could not be asked.
    words = [word for word in dict.fromkeys(text.split()) if len(word) >= 3]
    if len(words) < 2:
        return whole
    rows = _plan_rows(*(queryset.filter(**{f"{field}__icontains": word}) for word in words))
    if rows is None:
        return whole
    rarest = words[rows.index(min(rows))]
    return (
        queryset.filter(**{f"{field}__icontains": rarest})
        # strpos() is the same test as icontains (the text taken literally, in capitals), in
        # an expression the index does not serve: a filter on the few rows found, not more
        # trigrams to intersect.
        .alias(at=StrIndex(Upper(field), Upper(Value(text))))
        .filter(at__gt=0)
    )


def _few_matches(text: str, found: Q) -> set[int] | None:
    """The ids of every session ``found`` selects, or None when there are more than
    search_limit(): a common word ("Kopi": one session in ten), which the planner's estimate
    names at once, or a word whose capped look-ups overflow.

    The look-ups go where a word is cheapest to find: clients by name and by owner's name
    (tables of one million), and topics. The search text's own trigram index would answer too,
    but a name made of common words ("Warung Berkah ...") reads those words' long trigram lists
    among five million sessions; among a million clients they are a sixth as long
    (docs/performance.md#measurements-behind-the-codes-shape). An estimate that is too low costs
    only the capped look-ups."""
    # The matching sessions and the whole table, estimated in one round trip.
    rows = _plan_rows(MentoringSession.objects.filter(found), MentoringSession.objects.all())
    estimate, sessions = rows if rows is not None else (None, None)
    limit = search_limit(sessions)
    if estimate is not None and estimate > limit:
        return None
    if text.isdigit():
        named = Enterprise.objects.filter(Q(name__icontains=text) | Q(nib=text))
    else:
        named = _containing(Enterprise.objects.all(), "name", text)
    clients: list[int] = []
    for matching in (named, Enterprise.objects.filter(owner__full_name__icontains=text)):
        ids = _ids(matching, limit)
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
    needle = Upper(Value(text))
    found = Q(search_text__contains=needle)
    # The walk tests the same with strpos(), which no index serves, so the planner always
    # walks the list's own order. Offered the trigram index, it read every match of a word
    # it took for rare ("Barokah 1": 72.000 rows) where the walk reads a page's few, and it
    # spent longer planning each page (docs/performance.md#measurements-behind-the-codes-shape).
    walked = Q(GreaterThan(StrIndex("search_text", needle), 0))
    if text.isdigit():
        # An NIB names one enterprise exactly; its digits inside a name or topic still match.
        with_nib = Q(
            pk__in=SessionEnterprise.objects.filter(enterprise__nib=text).values("session_id")
        )
        found |= with_nib
        walked |= with_nib
    ids = _few_matches(text, found)
    return queryset.filter(pk__in=ids) if ids is not None else queryset.filter(walked)
