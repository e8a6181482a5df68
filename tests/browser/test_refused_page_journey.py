"""A page a role may not open answers with the portal's own page, not a bare "403 Forbidden"
(#24): a consultant opening the manager's team page and a provincial officer opening "Catat
sesi" read, in their language, the portal's layout (its header and navigation), a heading
saying the page is not for them, and a way back to their own workspace, which opens. On a
phone and at a desk, in both languages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    axe_violations,
    describe,
    in_language,
    sideways_overflow,
    sign_ins,
)

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = (
    "Halaman ini tidak untuk akun Anda. Jika Anda merasa seharusnya bisa membukanya, "
    "hubungi pengelola PLUT Anda."
)
# Who opens which page that is not theirs, and where their own workspace is.
REFUSED = [
    ("consultant_a", "clinics:team_list", "mentoring:staff_home"),
    ("officer_a", "mentoring:session_create", "dashboards:home"),
]


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


@LANGUAGES
@VIEWPORTS
def test_a_refused_page_is_the_portals_own_with_a_way_back(
    page: Page, live_server, world, viewport, language
):
    heading = page.get_by_role("heading", level=1)
    turn = sign_ins(live_server, language, *(world.user(name) for name, _, _ in REFUSED))
    page.set_viewport_size(viewport)

    for name, refused, home in REFUSED:
        turn(page.context, world.user(name))
        response = page.goto(live_server.url + reverse(refused))
        assert response is not None and response.status == 403, (name, response)

        # The portal's layout, in the reader's language.
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("header.topbar")).to_be_visible()
        expect(page.get_by_role("main")).to_be_visible()
        expect(heading).to_have_text(in_language("Tidak boleh dibuka", language))
        expect(page).to_have_title(
            re.compile(re.escape(in_language("Tidak boleh dibuka", language)))
        )
        expect(page.get_by_role("main").get_by_role("alert")).to_have_text(
            in_language(MESSAGE, language)
        )
        assert "Forbidden" not in page.locator("body").inner_text(), name
        assert sideways_overflow(page) == [], name
        violations = axe_violations(page)
        assert not violations, f"{name}\n{describe(violations)}"

        # A way back: home, and the reader's own workspace, which opens.
        main = page.get_by_role("main")
        expect(
            main.get_by_role("link", name=in_language("Kembali ke beranda", language))
        ).to_have_attribute("href", reverse("portal:home"))
        back = main.get_by_role("link", name=in_language("Ke halaman kerja saya", language))
        with page.expect_navigation() as landed:
            back.click()
        assert landed.value is not None and landed.value.status == 200, name
        assert landed.value.url.startswith(live_server.url + reverse(home)), landed.value.url
        expect(heading).not_to_have_text(in_language("Tidak boleh dibuka", language))
