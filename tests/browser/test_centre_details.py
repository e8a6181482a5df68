"""A centre manager fills in the centre's public details from a phone, gets an Indonesian error
for a mistyped number, and sees the details on the public page a business owner opens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from clinics.models import Centre
from tests.browser.pages import axe_violations, broken_references, nav_link

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 640}


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_manager_fills_in_the_centres_details_and_sees_them_on_the_public_page(
    page: Page, live_server, world
):
    centre = world.a.centre
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, "manager_a")
    expect(page).to_have_url(f"{live_server.url}/staff/")
    nav_link(page, "Profil PLUT").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(centre.name)
    _no_sideways_scroll(page)

    page.get_by_label("Alamat").fill("Jl. Cut Mutia No. 23, Gulak Galik, Bandar Lampung")
    page.get_by_label("Telepon").fill("0721 4867")  # a digit short
    page.get_by_label("Nomor WhatsApp").fill("0812-3456-7890")
    page.get_by_label("Email").fill("plut@lampungprov.go.id")
    page.get_by_label("Jam buka").fill("Senin–Jumat 08.00–16.00")
    page.get_by_label("Tautan peta").fill("https://maps.app.goo.gl/AbCdEf123")
    page.get_by_label("Produksi").uncheck()
    page.get_by_role("button", name="Simpan profil").click()

    expect(page.locator(".field-phone .errors")).to_contain_text("Nomor telepon tidak valid.")
    assert axe_violations(page) == []
    assert broken_references(page) == []
    assert Centre.objects.get(pk=centre.pk).whatsapp == ""  # nothing saved
    # What was typed is still there; only the number needs fixing.
    expect(page.get_by_label("Nomor WhatsApp")).to_have_value("0812-3456-7890")
    page.get_by_label("Telepon").fill("(0721) 486789")
    page.get_by_role("button", name="Simpan profil").click()

    expect(page.get_by_role("status")).to_contain_text("Profil PLUT tersimpan")
    expect(page.locator(".history")).to_contain_text("+62721486789")
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Lihat halaman publik").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(centre.name)
    details = page.locator("dl.details")
    expect(details).to_contain_text("Jl. Cut Mutia No. 23")
    expect(details).to_contain_text("Senin–Jumat 08.00–16.00")
    expect(details.get_by_role("link", name="+62721486789")).to_have_attribute(
        "href", "tel:+62721486789"
    )
    expect(details.get_by_role("link", name="+6281234567890")).to_have_attribute(
        "href", "https://wa.me/6281234567890"
    )
    expect(details.get_by_role("link", name="plut@lampungprov.go.id")).to_have_attribute(
        "href", "mailto:plut@lampungprov.go.id"
    )
    expect(details.get_by_role("link", name="Lihat di peta")).to_have_attribute(
        "href", "https://maps.app.goo.gl/AbCdEf123"
    )
    expect(page.locator(".tags-list")).not_to_contain_text("Produksi")
    _no_sideways_scroll(page)
