"""A consultant logs a session from a phone, registering a new enterprise inline, and a form
filled while the signal drops is kept on the device and sent when the connection returns."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cooperatives.models import Enterprise
from mentoring.models import MentoringSession

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 640}


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_consultant_logs_a_session_for_a_new_enterprise_on_a_phone(page: Page, live_server, world):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "consultant_a")
    page.get_by_role("link", name="Catat sesi").first.click()
    expect(page.get_by_role("heading", name="Catat sesi pendampingan")).to_be_visible()
    _no_sideways_scroll(page)

    page.get_by_text("UMKM belum terdaftar? Daftarkan di sini").click()
    page.get_by_label("Nama usaha").fill("Madu Hutan Way Kanan")
    page.get_by_label("NIB (jika ada)").fill("9120300000555")
    page.get_by_label("Kabupaten/kota").select_option(label="Kota Bandar Lampung")
    page.get_by_label("Nama pemilik").fill("Slamet Riyadi")
    page.get_by_label("Telepon / WhatsApp pemilik").fill("0812 7777 8888")
    page.get_by_role("button", name="Daftarkan", exact=True).click()
    expect(page.locator("#chosen")).to_contain_text("Madu Hutan Way Kanan")

    page.get_by_label("Topik").fill("Perizinan PIRT dan label kemasan")
    page.get_by_label("Saran yang diberikan").fill("Urus PIRT di Dinas Kesehatan")
    page.get_by_label("Tindak lanjut").first.fill("Kirim contoh label")
    page.get_by_label("Tenggat").first.fill("2099-12-31")
    page.get_by_role("button", name="Simpan sesi").click()

    expect(page.get_by_role("heading", name="Perizinan PIRT dan label kemasan")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Madu Hutan Way Kanan")
    _no_sideways_scroll(page)
    enterprise = Enterprise.objects.get(nib="9120300000555")
    session = MentoringSession.objects.get(topic="Perizinan PIRT dan label kemasan")
    assert list(session.enterprises.all()) == [enterprise]
    assert enterprise.owner.phone == "+6281277778888"

    # Later, at the desk: find the enterprise by its NIB, open its profile, record what changed.
    page.set_viewport_size({"width": 1200, "height": 900})
    page.get_by_role("link", name="UMKM", exact=True).click()
    page.get_by_label("Cari nama, NIB, pemilik atau telepon").fill("9120300000555")
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_role("link", name="Madu Hutan Way Kanan").click()
    expect(page.get_by_role("heading", name="Madu Hutan Way Kanan")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Perizinan PIRT dan label kemasan")
    page.get_by_role("link", name="Catat hasil").click()
    page.get_by_label("Omzet tahunan (Rp)").fill("Rp 150.000.000")
    page.get_by_label("Memperoleh PIRT").check()
    page.get_by_role("button", name="Simpan hasil").click()
    expect(page.get_by_role("heading", name="Madu Hutan Way Kanan")).to_be_visible()
    outcome = enterprise.outcomes.get()
    assert (outcome.turnover, outcome.obtained_pirt, outcome.reported_by.username) == (
        150_000_000,
        True,
        "consultant_a",
    )


def test_a_form_filled_offline_survives_a_reload_and_is_sent_once_back_online(
    page: Page, live_server, world
):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "consultant_a")
    page.goto(f"{live_server.url}/staff/sessions/new/")
    page.get_by_label("Cari UMKM atau koperasi").fill(world.a.enterprise.nib)
    page.get_by_role("button", name=f"Tambah: {world.a.enterprise.name}").click()
    page.get_by_label("Topik").fill("Pembukuan sederhana")

    # The page is reloaded (a phone that dropped the tab): the draft comes back.
    page.reload()
    expect(page.get_by_label("Topik")).to_have_value("Pembukuan sederhana")
    expect(page.locator("#chosen")).to_contain_text(world.a.enterprise.name)

    # No signal: submitting keeps the session on the device instead of failing.
    page.context.set_offline(True)
    page.get_by_role("button", name="Simpan sesi").click()
    expect(page.locator("#draft-status")).to_contain_text("Tidak ada sinyal")
    assert not MentoringSession.objects.filter(topic="Pembukuan sederhana").exists()

    # Back online: the queued form goes out by itself, exactly once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#draft-status")).to_contain_text("sudah terkirim")
    page.reload()
    assert MentoringSession.objects.filter(topic="Pembukuan sederhana").count() == 1
