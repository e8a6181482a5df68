"""An owner who booked without an account signs up on their phone, verifies the email from
the message we sent, and finds their earlier booking and the consultant's advice."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import BookingFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "sari.kopi@contoh.id"
PASSWORD = "kopi-robusta-tanggamus-9"
ADVICE = "Catat penjualan harian dan pisahkan rekening usaha dari rekening pribadi."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_an_owner_who_booked_earlier_signs_up_and_finds_their_advice(
    page: Page, live_server, reference_data
):
    consultant = StaffFactory(user__first_name="Andi", user__last_name="Wijaya").user
    centre = consultant.staff_membership.centre
    enterprise = EnterpriseFactory(
        centre=centre, name="Kopi Sari Tanggamus", owner__email=EMAIL, owner__user=None
    )
    BookingFactory(enterprise=enterprise, contact_email=EMAIL)
    SessionFactory(
        consultant=consultant, enterprises=[enterprise], topic="Pembukuan warung", advice=ADVICE
    )

    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Belum punya akun? Daftar").click()
    page.get_by_label("Nama Anda").fill("Sari")
    # Phones capitalise the first letter; the address still matches the booking.
    page.get_by_label("Alamat email").fill("Sari.Kopi@contoh.id")
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    page.get_by_label("Saya sudah membaca dan menyetujui").check()
    page.get_by_role("button", name="Buat akun").click()

    # The same answer whether or not the address has an account (docs/security.md): nobody is
    # signed in until they come back through the link in the email.
    expect(page.get_by_role("heading", name="Periksa email Anda")).to_be_visible()
    expect(page.get_by_text(ADVICE)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    link = re.search(
        re.escape(settings.SITE_URL) + r"(/accounts/verifikasi/\S+/)", mail.outbox[0].body
    )
    assert link, mail.outbox[0].body
    page.goto(live_server.url + link.group(1))
    # The link asks the account that signed up to sign in first, then comes back to it.
    page.get_by_label("Nama pengguna").fill(EMAIL)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("button", name="Ya, ini email saya").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/me/")
    expect(page.get_by_role("status")).to_contain_text("sudah terverifikasi")
    expect(page.get_by_role("heading", name="Kopi Sari Tanggamus")).to_be_visible()
    expect(page.get_by_role("link", name="Lihat, ubah atau batalkan")).to_be_visible()
    expect(page.get_by_text(ADVICE)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Konsultan: Andi")
    expect(page.locator("main")).not_to_contain_text("Wijaya")
    expect(page.get_by_text("belum diverifikasi")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The manage link on the page opens the earlier booking.
    page.get_by_role("link", name="Lihat, ubah atau batalkan").click()
    expect(page.locator("main")).to_contain_text(centre.name)
