"""A manager invites a consultant, who chooses a password from the email and signs in."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "rahasia-123"  # tests.factories.accounts.UserFactory
NEW_PASSWORD = "padi-sawah-lampung-71"


def _log_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def test_manager_invites_a_consultant_who_sets_a_password_and_signs_in(
    page: Page, live_server, world, mailoutbox
):
    _log_in(page, live_server, "manager_a", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/staff/")
    page.get_by_role("link", name="Tim", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.a.centre.name)

    page.get_by_role("link", name="Undang anggota tim").click()
    page.get_by_label("Nama depan").fill("Siti")
    page.get_by_label("Nama belakang").fill("Rahmawati")
    page.get_by_label("Email").fill("Siti.Rahmawati@plut-lampung.go.id")
    page.get_by_label("Konsultan pendamping").check()
    page.get_by_label("Akses Pembiayaan").check()
    page.get_by_label("Pemasaran / Kemitraan Usaha").check()
    page.get_by_role("button", name="Kirim undangan").click()

    expect(page).to_have_url(f"{live_server.url}/staff/team/")
    expect(page.get_by_role("status")).to_contain_text("Undangan terkirim")
    row = page.get_by_role("row").filter(has_text="Siti Rahmawati")
    expect(row).to_contain_text("Akses Pembiayaan")
    expect(row).to_contain_text("Pemasaran / Kemitraan Usaha")
    expect(row).to_contain_text("Belum membuat kata sandi")
    page.get_by_role("button", name=re.compile("Keluar")).click()

    # The consultant opens the invitation.
    assert len(mailoutbox) == 1
    # The link is built from SITE_URL; the test's server listens elsewhere.
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", mailoutbox[0].body)
    page.goto(live_server.url + link.group(1))
    page.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Simpan kata sandi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kata sandi tersimpan")

    page.locator("main").get_by_role("link", name="Masuk").click()
    page.get_by_label("Nama pengguna").fill("siti.rahmawati@plut-lampung.go.id")
    page.get_by_label("Kata sandi").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(f"{live_server.url}/staff/")
    # Signed in as herself: the header names the person, not the login.
    expect(page.get_by_role("button", name=re.compile("Keluar"))).to_have_text(
        "Keluar (Siti Rahmawati)"
    )
