"""The ministry sorts the league tables by clicking their headings: every sortable column, both
ways, and the order shown is the server's for that sort (the links once read "??sort=…", so
the order never changed)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import QueryDict
from playwright.sync_api import Page, expect

from plut.top.dashboards import selectors
from plut.top.dashboards.filters import NATIONAL, filters_from, place_for
from plut.top.dashboards.sections import LEAGUE_COLUMNS, PROVINCE_COLUMNS
from tests.browser.pages import log_in
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = {
    # section: (table id, its columns, the selector ordering it, the row's name key)
    "centres": ("league", LEAGUE_COLUMNS, selectors.centre_league, "name"),
    "provinces": ("ranking", PROVINCE_COLUMNS, selectors.province_ranking, "name"),
}


def _shown(page: Page, table: str) -> list[str]:
    return page.locator(f"#{table} tbody th[scope=row]").all_inner_texts()


@pytest.mark.parametrize("section", sorted(TABLES))
def test_every_sortable_column_sorts_both_ways(page: Page, live_server, world, section):
    # Different counts per centre, so each order is its own.
    SessionFactory.create_batch(3, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    table, columns, ordered, name = TABLES[section]
    national = world.national
    log_in(page.context, live_server, national)
    page.goto(f"{live_server.url}/dashboard/national/{section}/")
    place = place_for(national, NATIONAL)
    _form, filters = filters_from(QueryDict(), user=national, place=place)

    for key, label in columns:
        heading = page.locator(f"#{table} thead th").filter(has_text=str(label)).first
        link = heading.get_by_role("link")
        if not link.count():
            continue  # the province column of the centre league: a label, not a sort
        for expected_sort, aria in ((f"-{key}", "descending"), (key, "ascending")):
            if parse_qs(urlparse(page.url).query).get("sort") == [expected_sort]:
                continue  # already in this order (the default): a click would reverse it
            link = page.locator(f"#{table} thead th").filter(has_text=str(label)).first
            link.get_by_role("link").click()
            expect(page).to_have_url(re.compile(rf"/{section}/\?sort={re.escape(expected_sort)}$"))
            heading = page.locator(f"#{table} thead th").filter(has_text=str(label)).first
            expect(heading).to_have_attribute("aria-sort", aria)
            rows = ordered(national, place, filters, sort=expected_sort)
            assert _shown(page, table) == [row[name] for row in rows], expected_sort
