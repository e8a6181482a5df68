"""An enterprise's profile offers its actions by role (#24): the centre's consultant and manager
click "Catat sesi" and land on the session form with that client already chosen; every staff
role clicks "Ubah data" and reaches the edit page; the provincial officer and the national user
are not offered "Catat sesi" (the rule: tests/mentoring/test_profiles.py). On a phone and at a
desk, in both languages; the roles take turns in one browser context."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    LANGUAGES,
    VIEWPORTS,
    in_language,
    sideways_overflow,
    sign_ins,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Who is offered "Catat sesi" (the client's own centre's staff); all of them may edit.
LOGS_SESSIONS = {"consultant_a": True, "manager_a": True, "officer_a": False, "national": False}


@pytest.fixture
def browser_context_args(browser_context_args):
    # Pages read online: the service worker's background refresh of the pages it keeps for
    # visits without signal (test_offline.py) would only race each role's turn and the test's
    # end, where the database is emptied.
    return {**browser_context_args, "service_workers": "block"}


@LANGUAGES
@VIEWPORTS
def test_the_profile_s_actions_lead_each_role_to_the_session_form_and_the_edit_page(
    page: Page, live_server, world, viewport, language
):
    enterprise = world.a.enterprise
    profile = live_server.url + reverse("mentoring:enterprise_profile", args=[enterprise.pk])
    session_form = reverse("mentoring:session_create")
    edit = live_server.url + reverse("cooperatives:enterprise_edit", args=[enterprise.pk])
    heading = page.get_by_role("heading", level=1)
    actions = page.locator("main")
    turn = sign_ins(live_server, language, *map(world.user, LOGS_SESSIONS))
    page.set_viewport_size(viewport)

    for name, logs_sessions in LOGS_SESSIONS.items():
        turn(page.context, world.user(name))
        page.goto(profile)
        expect(heading).to_have_text(enterprise.name)
        log_session = actions.get_by_role(
            "link", name=in_language("Catat sesi", language), exact=True
        )
        if logs_sessions:
            log_session.click()
            expect(page).to_have_url(f"{live_server.url}{session_form}?enterprise={enterprise.pk}")
            expect(heading).to_have_text(in_language("Catat sesi pendampingan", language))
            # The client is already chosen, as one picked by search is: named, sent, present.
            chosen = page.get_by_role("list", name=in_language("Klien terpilih", language))
            expect(chosen.locator("li")).to_have_count(1)
            chip = chosen.locator(f'li[data-kind="enterprise"][data-id="{enterprise.pk}"]')
            expect(chip).to_contain_text(enterprise.name)
            expect(chip.locator('input[name="enterprises"]')).to_have_value(str(enterprise.pk))
            expect(chip.get_by_label(in_language("Hadir", language))).to_be_checked()
            assert sideways_overflow(page) == [], name
            page.go_back()
            expect(heading).to_have_text(enterprise.name)
        else:
            # Not on the profile, nor anywhere else on the page (the header's main action).
            expect(log_session).to_have_count(0)
            expect(page.locator(f'a[href^="{session_form}"]')).to_have_count(0)
        assert sideways_overflow(page) == [], name

        actions.get_by_role("link", name=in_language("Ubah data", language), exact=True).click()
        expect(page).to_have_url(edit)
        expect(heading).to_have_text(in_language("Ubah data UMKM", language))
        expect(page.locator("#id_name")).to_have_value(enterprise.name)
        expect(
            page.get_by_role("button", name=in_language("Simpan perubahan", language))
        ).to_be_visible()
        assert sideways_overflow(page) == [], name
