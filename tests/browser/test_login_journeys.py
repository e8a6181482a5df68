"""Each role logs in through the real login page in Chromium and lands on its own scope."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "rahasia-123"  # tests.factories.accounts.UserFactory


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_owner_on_a_phone_sees_only_their_own_business(page: Page, live_server, world):
    page.set_viewport_size({"width": 360, "height": 640})
    _log_in(page, live_server, "owner_a")
    expect(page).to_have_url(f"{live_server.url}/accounts/me/")
    expect(page.get_by_role("heading", name=world.a.enterprise.name)).to_be_visible()
    expect(page.get_by_text(world.b.enterprise.name)).to_have_count(0)
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_provincial_officer_lands_on_their_province_and_drills_down(page: Page, live_server, world):
    _log_in(page, live_server, "officer_a")
    expect(page).to_have_url(f"{live_server.url}/dashboard/province/18/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lampung")
    # The league table of the province's centres is the way down to one centre.
    page.get_by_role("link", name="Peringkat PLUT").click()
    page.get_by_role("link", name=world.a.centre.name).click()
    expect(page).to_have_url(re.compile(rf"/dashboard/centre/{world.a.centre.pk}/(\?|$)"))
    # Another province's dashboard is simply not there.
    response = page.goto(f"{live_server.url}/dashboard/province/73/")
    assert response.status == 404


def test_consultant_sees_their_centres_work_in_its_time_zone(page: Page, live_server, world):
    _log_in(page, live_server, "consultant_b")
    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.get_by_text(world.b.session.topic).first).to_be_visible()
    expect(page.locator("main")).to_contain_text("WITA")
    expect(page.get_by_text(world.a.enterprise.name)).to_have_count(0)


def test_wrong_password_is_refused_in_indonesian(page: Page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill("owner_a")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("alert")).to_contain_text("Nama pengguna atau kata sandi salah.")
