""" "Hari ini" names the client of each follow-up due (#24): a follow-up due today and one
overdue each show their session's client, linked to its profile, in the table's "Klien"
column (found by its header), for the consultant (their own) and the manager (the centre's).
On a phone and at a desk, in both languages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    cell,
    in_language,
    sideways_overflow,
    sign_ins,
)
from tests.factories import calendar
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import FollowUpFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

LATE_ACTION = "Kirim contoh label halal"


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


@LANGUAGES
@VIEWPORTS
def test_the_follow_ups_due_name_their_clients_in_the_klien_column(
    page: Page, live_server, world, viewport, language
):
    side = world.a
    today = calendar.local_today(side.centre)
    # Due today: the world's follow-up, about its session's enterprise.
    side.follow_up.due_on = today
    side.follow_up.save()
    # Three days late: another session's, about another enterprise.
    other = EnterpriseFactory(centre=side.centre, name="Sambal Roa Ibu Tini")
    late_session = SessionFactory(consultant=side.consultant, enterprises=[other])
    FollowUpFactory(
        session=late_session, action=LATE_ACTION, due_on=today - datetime.timedelta(days=3)
    )
    expected = {side.follow_up.action: side.enterprise, LATE_ACTION: other}
    table = page.get_by_role(
        "table", name=in_language("Tindak lanjut jatuh tempo dan terlambat", language)
    )
    action, client = in_language("Tindak lanjut", language), in_language("Klien", language)
    names = ("consultant_a", "manager_a")
    turn = sign_ins(live_server, language, *map(world.user, names))
    page.set_viewport_size(viewport)

    for name in names:
        turn(page.context, world.user(name))
        page.goto(live_server.url + reverse("mentoring:staff_home"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            in_language("Hari ini", language)
        )
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(len(expected))
        for row in rows.all():
            enterprise = expected[cell(row, table, action).inner_text().strip()]
            client_cell = cell(row, table, client)
            expect(client_cell).to_have_text(enterprise.name)
            expect(client_cell.get_by_role("link")).to_have_attribute(
                "href", reverse("mentoring:enterprise_profile", args=[enterprise.pk])
            )
        expect(rows.filter(has_text=LATE_ACTION)).to_have_class("overdue")
        assert sideways_overflow(page) == [], name
