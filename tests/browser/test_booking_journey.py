"""An owner books a consultation from a phone, gets the email with the calendar invite, and
later moves the booking through the link in that email."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from icalendar import Calendar
from playwright.sync_api import Page, expect

from clinics.models import ServiceArea, WorkingHours
from mentoring.models import Booking, BookingStatus
from mentoring.services.bookings import booking_request
from plut.foundation.accounts.consent import consent_current
from plut.foundation.regions.models import Regency

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 640}


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _slot_start(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


@pytest.fixture
def open_desk(world, settings, live_server):
    """Lampung's consultant takes bookings every day 08-16 WIB; messages go out at once."""
    # plut/celery.py reads CELERY_* from the settings live, and the live server runs in this
    # process: the notice task runs inline and its email lands in mail.outbox.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.SITE_URL = live_server.url
    cache.clear()  # rate-limit counters
    consultant = world.a.consultant
    consultant.first_name, consultant.last_name = "Rahmat", "Hidayatullah"
    consultant.save()
    membership = consultant.staff_membership
    for weekday in range(7):
        WorkingHours.objects.create(
            membership=membership,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(16),
        )
    yield world.a.centre
    cache.clear()


def test_an_owner_books_on_a_phone_and_reschedules_from_the_email(
    page: Page, live_server, world, open_desk
):
    centre = open_desk
    page.set_viewport_size(PHONE)

    # The centre's page: who advises there (first names only) and the way to book.
    page.goto(f"{live_server.url}/pusat/{centre.pk}/")
    expect(page.get_by_role("heading", name=centre.name)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Rahmat")
    expect(page.locator("main")).not_to_contain_text("Hidayatullah")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Pesan konsultasi").first.click()

    # Step 1: area and mode; htmx swaps in the slots and puts the choice in the address.
    expect(page.get_by_role("heading", name="Pesan konsultasi")).to_be_visible()
    page.get_by_label("Pemasaran / Kemitraan Usaha").check()
    page.get_by_label("Di PLUT").check()
    expect(page.get_by_role("heading", name="Pilih waktu")).to_be_visible()
    expect(page).to_have_url(re.compile(r"area=marketing.*mode=in_person|mode=in_person.*area"))
    expect(page.locator("#slots")).to_contain_text("WIB")
    _no_sideways_scroll(page)
    # A day at least three days ahead, well before the 24-hour cut-off for changes.
    slot = page.locator(".slot-day").nth(3).locator("a.slot").first
    chosen = _slot_start(parse_qs(urlparse(slot.get_attribute("href")).query)["slot"][0])
    slot.click()

    # Step 2: the owner's details and consent.
    expect(page.get_by_role("heading", name="Data pemesanan")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("WIB")
    page.get_by_label("Nama usaha").fill("Keripik Pisang Bu Sari")
    page.get_by_label("Kabupaten/kota tempat usaha").select_option(label="Kota Bandar Lampung")
    page.get_by_label("Nama Anda").fill("Sari Wulandari")
    page.get_by_label("Nomor WhatsApp / telepon").fill("0812 7000 1234")
    page.get_by_label("Alamat email").fill("sari@example.id")
    page.get_by_label("Apa yang ingin Anda konsultasikan?").fill("Pemasaran ke toko oleh-oleh")
    page.get_by_label("Saya sudah membaca dan menyetujui").check()
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Kirim pemesanan").click()

    # The confirmation.
    expect(page.get_by_role("heading", name="Pemesanan terkirim")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Menunggu konfirmasi")
    expect(page.locator("main")).to_contain_text("sa***@example.id")
    _no_sideways_scroll(page)
    booking = Booking.objects.get(enterprise__name="Keripik Pisang Bu Sari")
    assert booking.starts_at == chosen
    assert booking.enterprise.owner.phone == "+6281270001234"

    # The email: the invite for that time, and the private link.
    (message,) = mail.outbox
    assert message.to == ["sari@example.id"]
    ics = Calendar.from_ical(message.attachments[0][1])
    assert ics.walk("VEVENT")[0].decoded("dtstart") == chosen
    manage_url = re.search(rf"{re.escape(live_server.url)}/pemesanan/\S+/", message.body).group(0)

    # Later: the owner opens the link from the email and moves the booking.
    page.goto(manage_url)
    expect(page.get_by_role("heading", name="Pemesanan konsultasi Anda")).to_be_visible()
    _no_sideways_scroll(page)
    other = page.locator(".slot-day").nth(5).locator("button.slot").first
    moved_to = _slot_start(other.get_attribute("value"))
    assert moved_to != chosen
    other.click()
    # Asked first: nothing moves on one tap.
    expect(page.get_by_text("Pindahkan konsultasi ke")).to_be_visible()
    _no_sideways_scroll(page)
    booking.refresh_from_db()
    assert booking.starts_at == chosen
    page.get_by_role("button", name="Ya, ubah jadwal").click()
    expect(page.get_by_text("Jadwal konsultasi Anda sudah diubah.")).to_be_visible()
    _no_sideways_scroll(page)

    booking.refresh_from_db()
    assert booking.starts_at == moved_to
    assert booking.status == BookingStatus.REQUESTED
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Jadwal konsultasi Anda diubah")
    moved_ics = Calendar.from_ical(mail.outbox[1].attachments[0][1])
    assert moved_ics.walk("VEVENT")[0].decoded("dtstart") == moved_to

    # The consultant logs in, finds the booking in the inbox and confirms it.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill("consultant_a")
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Pemesanan", exact=True).click()
    card = page.locator(f"#booking-{booking.pk}")
    expect(card).to_contain_text("Keripik Pisang Bu Sari")
    card.get_by_role("button", name="Konfirmasi").click()
    expect(card).to_contain_text("Dikonfirmasi")
    _no_sideways_scroll(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert mail.outbox[-1].subject.startswith("Konsultasi Anda dikonfirmasi")


def test_an_owner_at_a_centre_without_online_booking_is_offered_its_contact_on_a_phone(
    page: Page, live_server, world
):
    """Nobody at the Sulawesi Selatan centre keeps hours: the directory says so, and the centre's page
    offers a chat, a call and an email instead of a booking that would end at no free slot."""
    centre = world.b.centre
    centre.whatsapp, centre.phone, centre.email = "+6281122334455", "+62911312345", "plut@ex.id"
    centre.save()
    WorkingHours.objects.all().delete()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/")
    card = page.locator(".card").filter(has_text=centre.name)
    expect(card).to_contain_text("Belum menerima pemesanan daring")
    expect(card.get_by_role("link", name="Pesan konsultasi")).to_have_count(0)
    card.get_by_role("link", name="Hubungi PLUT").click()

    expect(page.get_by_role("heading", name=centre.name)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("belum menerima pemesanan daring")
    expect(page.get_by_role("link", name="Chat lewat WhatsApp")).to_have_attribute(
        "href", "https://wa.me/6281122334455"
    )
    expect(page.get_by_role("link", name="Telepon +62911312345")).to_have_attribute(
        "href", "tel:+62911312345"
    )
    expect(page.get_by_role("link", name="Pesan konsultasi")).to_have_count(0)
    _no_sideways_scroll(page)


def test_an_owner_whose_slot_is_taken_picks_another_and_finds_the_form_as_typed(
    page: Page, live_server, world, open_desk
):
    centre = open_desk
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/pesan/{centre.pk}/?area=marketing&mode=in_person")
    page.locator(".slot-day").nth(3).locator("a.slot").first.click()
    chosen = _slot_start(parse_qs(urlparse(page.url).query)["slot"][0])
    page.get_by_label("Nama usaha").fill("Keripik Pisang Bu Sari")
    page.get_by_label("Kabupaten/kota tempat usaha").select_option(label="Kota Bandar Lampung")
    page.get_by_label("Nama Anda").fill("Sari Wulandari")
    page.get_by_label("Nomor WhatsApp / telepon").fill("0812 7000 1234")
    page.get_by_label("Apa yang ingin Anda konsultasikan?").fill("Pemasaran ke toko oleh-oleh")
    page.get_by_label("Saya sudah membaca dan menyetujui").check()
    # Meanwhile someone else books that very slot.
    booking_request(
        centre=centre,
        area=ServiceArea.objects.get(code="marketing"),
        mode="in_person",
        starts_at=chosen,
        client={
            "name": "Usaha Lain",
            "nib": "",
            "regency": centre.regency or Regency.objects.filter(province=centre.province).first(),
            "owner_name": "Orang Lain",
            "phone": "+6281299990000",
            "email": "",
        },
        description="",
        consent=consent_current(),
    )
    page.get_by_role("button", name="Kirim pemesanan").click()

    expect(page.get_by_role("alert")).to_contain_text("baru saja diambil orang lain")
    page.locator("#slots a.slot").first.click()
    expect(page.get_by_label("Nama usaha")).to_have_value("Keripik Pisang Bu Sari")
    expect(page.get_by_label("Nama Anda")).to_have_value("Sari Wulandari")
    expect(page.get_by_label("Kabupaten/kota tempat usaha")).to_have_value("18.71")
    expect(page.get_by_label("Apa yang ingin Anda konsultasikan?")).to_have_value(
        "Pemasaran ke toko oleh-oleh"
    )
    expect(page.get_by_label("Saya sudah membaca dan menyetujui")).to_be_checked()
    page.get_by_role("button", name="Kirim pemesanan").click()
    expect(page.get_by_role("heading", name="Pemesanan terkirim")).to_be_visible()
    assert Booking.objects.filter(enterprise__name="Keripik Pisang Bu Sari").count() == 1
