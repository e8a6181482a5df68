"""Keyset pagination: every row exactly once, in order, without COUNT or OFFSET."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cooperatives.models import Cooperative
from mentoring.models import MentoringSession, Mode
from plut.foundation.core.pagination import keyset_page
from tests.factories.cooperatives import CooperativeFactory
from tests.factories.mentoring import SessionFactory

NEWEST = ("-starts_at", "-id")
MODES = [Mode.IN_PERSON, Mode.FIELD_VISIT]


@pytest.fixture
def sessions(world):
    """120 sessions at centre a, in groups of three that start at the very same moment, and
    created out of order, so an id says nothing about the start time."""
    MentoringSession.objects.all().delete()
    base = timezone.now() - datetime.timedelta(days=30)
    for n in range(120):
        starts = base + datetime.timedelta(hours=(n * 7) % 40)  # n, n + 40 and n + 80 tie
        SessionFactory(
            consultant=world.a.consultant,
            mode=MODES[n % 2],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
    return MentoringSession.objects.all()


def _walk(queryset, order, size=50):
    """Every page from the first, following next cursors; the pages' items."""
    pages, cursor = [], None
    # A cursor that fails to move forward would loop for ever; no walk here needs 100 pages.
    for _ in range(100):
        page = keyset_page(queryset, order=order, cursor=cursor, size=size)
        pages.append(page.items)
        if not page.has_next:
            assert page.next_cursor is None
            return pages
        cursor = page.next_cursor
    raise AssertionError("the cursor never reached the last page")


def _expected(queryset, order):
    return list(queryset.order_by(*order).values_list("pk", flat=True))


def test_the_first_page_has_size_rows_and_a_cursor(sessions):
    page = keyset_page(sessions, order=NEWEST, cursor=None, size=50)
    assert len(page.items) == 50
    assert page.has_next
    assert page.next_cursor


@pytest.mark.parametrize("order", [NEWEST, ("starts_at", "id"), ("mode", "-starts_at", "-id")])
def test_following_cursors_yields_every_row_once_in_order(sessions, order):
    pages = _walk(sessions, order)
    assert [len(items) for items in pages] == [50, 50, 20]
    ids = [row.pk for items in pages for row in items]
    assert ids == _expected(sessions, order)  # ties on starts_at broken by id


def test_a_page_boundary_inside_a_tie_loses_nothing(sessions):
    # Pages of 4 cut every group of three identical start times somewhere in the middle.
    pages = _walk(sessions, NEWEST, size=4)
    ids = [row.pk for items in pages for row in items]
    assert ids == _expected(sessions, NEWEST)


def test_nullable_columns_page_through_their_nulls_last(world):
    Cooperative.objects.all().delete()
    for n in range(30):
        CooperativeFactory(
            centre=world.a.centre,
            last_rat_on=None if n % 3 == 0 else datetime.date(2025, 1, 1 + n % 5),
        )
    cooperatives = Cooperative.objects.all()
    order = ("-last_rat_on", "-id")
    pages = _walk(cooperatives, order, size=7)
    rows = [row for items in pages for row in items]
    assert len({row.pk for row in rows}) == 30
    dated = [row.last_rat_on for row in rows if row.last_rat_on]
    assert dated == sorted(dated, reverse=True)
    assert all(row.last_rat_on is None for row in rows[len(dated) :])


@pytest.mark.parametrize(
    "cursor",
    [
        "rubbish",
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0",  # the right shape, unsigned
        "",
    ],
)
def test_a_cursor_that_does_not_verify_gives_the_first_page(sessions, cursor):
    first = keyset_page(sessions, order=NEWEST, cursor=None, size=50)
    page = keyset_page(sessions, order=NEWEST, cursor=cursor, size=50)
    assert [row.pk for row in page.items] == [row.pk for row in first.items]


def test_an_edited_cursor_gives_the_first_page(sessions):
    first = keyset_page(sessions, order=NEWEST, cursor=None, size=50)
    forged = first.next_cursor[:-2] + ("AA" if not first.next_cursor.endswith("AA") else "BB")
    page = keyset_page(sessions, order=NEWEST, cursor=forged, size=50)
    assert [row.pk for row in page.items] == [row.pk for row in first.items]


def test_a_cursor_from_another_order_gives_the_first_page(sessions):
    oldest = ("starts_at", "id")
    newest_cursor = keyset_page(sessions, order=NEWEST, cursor=None).next_cursor
    page = keyset_page(sessions, order=oldest, cursor=newest_cursor)
    assert [row.pk for row in page.items] == _expected(sessions, oldest)[:50]


def test_the_cursor_is_url_safe(sessions):
    cursor = keyset_page(sessions, order=NEWEST, cursor=None).next_cursor
    assert all(ch.isalnum() or ch in "-_:" for ch in cursor)


def test_no_page_counts_rows_or_skips_them(sessions):
    with CaptureQueriesContext(connection) as captured:
        pages = _walk(sessions, NEWEST)
    assert len(pages) == 3
    assert len(captured.captured_queries) == 3  # one query a page
    for query in captured.captured_queries:
        sql = query["sql"].upper()
        assert "COUNT(" not in sql
        assert "OFFSET" not in sql
        assert "LIMIT 51" in sql


def test_the_order_must_end_with_the_unique_id(sessions):
    with pytest.raises(ValueError):
        keyset_page(sessions, order=("-starts_at",), cursor=None)


# --- A page of several parts (an OR no one index orders, read part by part) ---------------


@pytest.mark.parametrize("order", [NEWEST, ("starts_at", "id")])
@pytest.mark.parametrize("size", [50, 4])
def test_parts_page_through_their_union_in_order(sessions, order, size):
    # Split by mode (the ties on starts_at fall in both parts): every row once, in order.
    parts = [sessions.filter(mode=mode) for mode in MODES]
    pages = _walk(parts, order, size=size)
    assert all(len(items) == size for items in pages[:-1])
    assert [row.pk for items in pages for row in items] == _expected(sessions, order)


def test_parts_cost_a_query_each_a_page(sessions):
    parts = [sessions.filter(mode=mode) for mode in MODES]
    with CaptureQueriesContext(connection) as captured:
        pages = _walk(parts, NEWEST)
    assert len(pages) == 3
    assert len(captured.captured_queries) == 6
    assert all("LIMIT 51" in query["sql"].upper() for query in captured.captured_queries)


def test_parts_merge_only_on_numbers_and_dates(sessions):
    parts = [sessions.filter(mode=mode) for mode in MODES]
    with pytest.raises(ValueError):
        keyset_page(parts, order=("mode", "id"), cursor=None)
