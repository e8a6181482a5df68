"""The workspace's lists for every staff role, on a 360 x 640 phone and at 1280 px, in
Indonesian and English: each table's key column (the topic, the client, the follow-up, the
name, the message's kind) comes first; on the phone each table scrolls inside its own box (the
page never scrolls sideways) with that column held in view while the others scroll under it
(portal.css, ``table.records``). The workspace's other tables (centres, audit trail, exports)
are plain tables that scroll in their own box too: tests/browser/test_phone.py walks them at
360 px for sideways overflow."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, Locator, Page

from plut.foundation.accounts.models import User
from plut.foundation.messaging.services import message_queue
from tests.browser.pages import DESK, PHONE, log_in, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)

# Each list a role may be offered, and the key column of each of its tables, in page order.
KEY_COLUMNS = {
    "mentoring:staff_home": ["UMKM", "Tindak lanjut", "Topik"],
    "mentoring:session_list": ["Topik"],
    "mentoring:follow_up_list": ["Tindak lanjut"],
    "cooperatives:enterprise_list": ["Nama usaha"],
    "cooperatives:cooperative_list": ["Nama koperasi"],
    "clinics:team_list": ["Nama"],
    "messaging:outbox": ["Jenis"],
}
# What each role's navigation must lead to at least (the rest as its role allows).
OFFERED = {
    "consultant_a": {"mentoring:staff_home", "mentoring:session_list", "mentoring:follow_up_list"},
    "manager_a": {"mentoring:staff_home", "clinics:team_list", "messaging:outbox"},
    "officer_a": {"mentoring:staff_home", "mentoring:session_list", "cooperatives:enterprise_list"},
    "national": {"mentoring:staff_home", "mentoring:session_list", "cooperatives:enterprise_list"},
}


def _t(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _offered(page: Page) -> dict[str, str]:
    """The lists above that this page's header links to: url name -> path."""
    paths = {reverse(name): name for name in KEY_COLUMNS}
    hrefs = page.locator("header a[href]").evaluate_all("links => links.map(a => a.href)")
    return {paths[path]: path for path in (urlsplit(href).path for href in hrefs) if path in paths}


def _left(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["x"]


def _key_column_held(page: Page, table: Locator) -> None:
    """Scrolled to its far end, the table's first column is still at its left edge."""
    wider = table.evaluate("t => t.scrollWidth > t.clientWidth + 1")
    if not wider:
        return
    key_header = table.locator("thead th").first
    edge = _left(table)
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    assert table.evaluate("t => t.scrollLeft") > 0
    assert abs(_left(key_header) - edge) <= 1
    # A row of records (not the one-cell "nothing here" row), when the list has one.
    rows = table.locator("tbody tr").filter(has=page.locator("td:nth-child(2)"))
    if rows.count():
        assert abs(_left(rows.first.locator("td").first) - edge) <= 1
    # The other columns moved under it: the second header is now left of its start.
    assert _left(table.locator("thead th").nth(1)) < edge + key_header.bounding_box()["width"]


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1280px"])
@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", sorted(OFFERED))
def test_each_list_puts_its_key_column_first_and_keeps_it_in_view_on_a_phone(
    browser: Browser, live_server, world, name, language, viewport
):
    User.objects.update(language=language)
    message_queue(  # the outbox lists something
        key="phone-tables:1",
        kind="booking-received",
        to=world.a.person.email or "pemilik@contoh.id",
        template="messaging/plain",
        context={"subject": "Halo", "body": "Pemesanan diterima."},
        centre=world.a.centre,
    )
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    log_in(context, live_server, world.user(name))
    page = context.new_page()
    page.goto(reverse("mentoring:staff_home"))
    offered = _offered(page)
    assert OFFERED[name] <= set(offered), offered
    scrolled = 0
    for url_name, path in offered.items():
        page.goto(path)
        tables = page.locator("table.records")
        keys = [_t(header, language) for header in KEY_COLUMNS[url_name]]
        firsts = tables.evaluate_all(
            "ts => ts.map(t => t.querySelector('thead th').textContent.trim())"
        )
        assert firsts == keys, f"{path}: {firsts}"
        for index in range(tables.count()):
            table = tables.nth(index)
            table.scroll_into_view_if_needed()
            scrolled += table.evaluate("t => t.scrollWidth > t.clientWidth + 1")
            _key_column_held(page, table)
        assert sideways_overflow(page) == [], path
    if viewport == PHONE:
        assert scrolled, "no list was wider than the phone: the sticky column went untested"
    context.close()
