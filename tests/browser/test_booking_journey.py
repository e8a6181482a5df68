"""The owner's whole journey on a phone, in Indonesian and in English: from the directory to a
booking (a day first, then its times), the email with the calendar invite, a slot taken meanwhile
with the form kept, moving the booking from the email's link, and a centre that takes no online
bookings offering its contact instead.

Every step's words come from the catalogue (``Words``), so the English run also proves that each
of them is translated. The tests photograph the main steps (the ``shoot`` fixture): ``make
screenshots`` keeps the pictures for docs/booking.md.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import translation
from icalendar import Calendar
from playwright.sync_api import Page, expect

from clinics.models import ServiceArea, WorkingHours
from mentoring.models import Booking, BookingStatus
from mentoring.services.bookings import booking_request
from plut.foundation.accounts.consent import consent_current
from plut.foundation.regions.models import Regency
from tests.browser.pages import PHONE, nav_link

pytestmark = pytest.mark.django_db(transaction=True)
LANGUAGES = ["id", "en"]


class Words:
    """The page's words in ``language``, from the portal's catalogue; in English, a phrase the
    catalogue leaves in Indonesian fails the test."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, msgid: str, **params: object) -> str:
        with translation.override(self.language):
            text = translation.gettext(msgid)
        if self.language != "id":
            assert text != msgid, f"no {self.language} translation for {msgid!r}"
        return text % params if params else text


def _switch_language(page: Page, language: str) -> None:
    """As a visitor does it: the switch in the header, named in its own language."""
    if language != "id":
        page.locator(".language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _slot_start(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def _pick_day(page: Page, index: int) -> None:
    """The day picker: one day's times at a time, the chosen chip marked."""
    chip = page.locator(".day-chip").nth(index)
    chip.click()
    expect(chip).to_have_attribute("aria-current", "date")
    expect(page.locator(".slot-day").nth(index)).to_be_visible()
    expect(page.locator(".slot-day:visible")).to_have_count(1)


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


def _fill_details(page: Page, t: Words, *, email: str = "") -> None:
    page.get_by_label(t("Nama usaha")).fill("Keripik Pisang Bu Sari")
    page.get_by_label(t("Kabupaten/kota tempat usaha")).select_option(label="Kota Bandar Lampung")
    page.get_by_label(t("Nama Anda")).fill("Sari Wulandari")
    page.get_by_label(t("Nomor WhatsApp / telepon")).fill("0812 7000 1234")
    if email:
        page.get_by_label(t("Alamat email")).fill(email)
    page.get_by_label(t("Apa yang ingin Anda konsultasikan?")).fill("Pemasaran ke toko oleh-oleh")
    page.get_by_label(
        t("Saya sudah membaca dan menyetujui pemrosesan data pribadi di atas.")
    ).check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_owner_books_on_a_phone_and_reschedules_from_the_email(
    page: Page, live_server, world, open_desk, shoot, language
):
    centre = open_desk
    t = Words(language)
    page.set_viewport_size(PHONE)

    # The directory: the centre takes online bookings; its page tells who advises there.
    page.goto(f"{live_server.url}/")
    _switch_language(page, language)
    card = page.locator(".card").filter(has_text=centre.name)
    expect(card).to_contain_text(t("Menerima pemesanan daring"))
    shoot(page, f"booking/{language}-01-directory", full_page=False)  # the first centres are enough
    card.get_by_role("link", name=centre.name).click()
    expect(page.get_by_role("heading", name=centre.name)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Rahmat")
    expect(page.locator("main")).not_to_contain_text("Hidayatullah")
    _no_sideways_scroll(page)
    page.get_by_role("link", name=t("Pesan konsultasi")).first.click()

    # Step 1: area and mode; htmx swaps in the days and puts the choice in the address.
    expect(page.get_by_role("heading", name=t("Pesan konsultasi"))).to_be_visible()
    marketing = ServiceArea.objects.get(code="marketing")
    page.get_by_label(marketing.name_en if language == "en" else marketing.name_id).check()
    page.get_by_label(t("Di PLUT")).check()
    expect(page.get_by_role("heading", name=t("Pilih waktu"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"area=marketing.*mode=in_person|mode=in_person.*area"))
    expect(page.locator("#slots")).to_contain_text("WIB")
    # A day first, then its times: the first day shows, a month of times does not.
    expect(page.locator(".day-chip").first).to_have_attribute("aria-current", "date")
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * PHONE["height"]
    _no_sideways_scroll(page)
    # A day at least three days ahead, well before the 24-hour cut-off for changes.
    _pick_day(page, 3)
    shoot(page, f"booking/{language}-02-day-and-times")
    slot = page.locator(".slot-day").nth(3).locator("a.slot").first
    chosen = _slot_start(parse_qs(urlparse(slot.get_attribute("href")).query)["slot"][0])
    slot.click()

    # Step 2: the owner's details and consent; in English the translation, the binding
    # Indonesian text one tap away.
    expect(page.get_by_role("heading", name=t("Data pemesanan"))).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("WIB")
    consent = page.locator(".consent-text")
    if language == "en":
        expect(consent).to_contain_text("I agree to the processing of my personal data")
        binding = consent.locator("details")
        expect(binding.locator("[lang=id]")).to_be_hidden()
        binding.locator("summary").click()
        expect(binding.locator("[lang=id]")).to_contain_text("saya menyetujui pemrosesan")
    else:
        expect(consent).to_contain_text("saya menyetujui pemrosesan data pribadi")
        expect(consent.locator("details")).to_have_count(0)
    _fill_details(page, t, email="sari@example.id")
    _no_sideways_scroll(page)
    shoot(page, f"booking/{language}-03-details")
    page.get_by_role("button", name=t("Kirim pemesanan")).click()

    # The confirmation.
    expect(page.get_by_role("heading", name=t("Pemesanan terkirim"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        t("Menunggu konfirmasi dari staf PLUT. Kami akan mengabari Anda setelah dikonfirmasi.")
    )
    expect(page.locator("main")).to_contain_text("sa***@example.id")
    _no_sideways_scroll(page)
    shoot(page, f"booking/{language}-04-done")
    booking = Booking.objects.get(enterprise__name="Keripik Pisang Bu Sari")
    assert booking.starts_at == chosen
    assert booking.enterprise.owner.phone == "+6281270001234"
    assert booking.language == language

    # The email, in the owner's language: the invite for that time, and the private link.
    (message,) = mail.outbox
    assert message.to == ["sari@example.id"]
    assert t("Pemesanan konsultasi Anda sudah kami terima.") in message.body
    ics = Calendar.from_ical(message.attachments[0][1])
    assert ics.walk("VEVENT")[0].decoded("dtstart") == chosen
    manage_url = re.search(rf"{re.escape(live_server.url)}/pemesanan/\S+/", message.body).group(0)

    # Later: the owner opens the link from the email and moves the booking.
    page.goto(manage_url)
    expect(page.get_by_role("heading", name=t("Pemesanan konsultasi Anda"))).to_be_visible()
    _no_sideways_scroll(page)
    _pick_day(page, 5)
    other = page.locator(".slot-day").nth(5).locator("button.slot").first
    moved_to = _slot_start(other.get_attribute("value"))
    assert moved_to != chosen
    other.click()
    # Asked first: nothing moves on one tap.
    expect(page.locator("#move-question")).to_be_visible()
    _no_sideways_scroll(page)
    shoot(page, f"booking/{language}-05-reschedule-asks")
    booking.refresh_from_db()
    assert booking.starts_at == chosen
    page.get_by_role("button", name=t("Ya, ubah jadwal")).click()
    expect(page.get_by_text(t("Jadwal konsultasi Anda sudah diubah."))).to_be_visible()
    _no_sideways_scroll(page)

    booking.refresh_from_db()
    assert booking.starts_at == moved_to
    assert booking.status == BookingStatus.REQUESTED
    assert len(mail.outbox) == 2
    moved_ics = Calendar.from_ical(mail.outbox[1].attachments[0][1])
    assert moved_ics.walk("VEVENT")[0].decoded("dtstart") == moved_to
    assert moved_ics.walk("VEVENT")[0]["SEQUENCE"] > ics.walk("VEVENT")[0]["SEQUENCE"]

    # The consultant (who reads Indonesian) finds the booking in the inbox and confirms it;
    # the owner is told in their own language.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill("consultant_a")
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()
    nav_link(page, "Pemesanan").click()
    card = page.locator(f"#booking-{booking.pk}")
    expect(card).to_contain_text("Keripik Pisang Bu Sari")
    card.get_by_role("button", name="Konfirmasi").click()
    expect(card).to_contain_text("Dikonfirmasi")
    _no_sideways_scroll(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert t("Konsultasi Anda sudah dikonfirmasi.") in mail.outbox[-1].body


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_owner_at_a_centre_without_online_booking_is_offered_its_contact_on_a_phone(
    page: Page, live_server, world, shoot, language
):
    """Nobody at the Sulawesi Selatan centre keeps hours: the directory says so, and the centre's
    page offers a chat, a call and an email instead of a booking that would end at no free slot."""
    centre = world.b.centre
    centre.whatsapp, centre.phone, centre.email = "+6281122334455", "+62911312345", "plut@ex.id"
    centre.save()
    WorkingHours.objects.all().delete()
    t = Words(language)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/")
    _switch_language(page, language)
    card = page.locator(".card").filter(has_text=centre.name)
    expect(card).to_contain_text(t("Belum menerima pemesanan daring"))
    expect(card.get_by_role("link", name=t("Pesan konsultasi"))).to_have_count(0)
    card.get_by_role("link", name=t("Hubungi PLUT")).click()

    expect(page.get_by_role("heading", name=centre.name)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        t(
            "PLUT ini belum menerima pemesanan daring. Hubungi PLUT langsung untuk membuat "
            "janji konsultasi:"
        )
    )
    expect(page.get_by_role("link", name=t("Chat lewat WhatsApp"))).to_have_attribute(
        "href", "https://wa.me/6281122334455"
    )
    expect(
        page.get_by_role("link", name=t("Telepon %(phone)s", phone="+62911312345"))
    ).to_have_attribute("href", "tel:+62911312345")
    expect(page.get_by_role("link", name=t("Pesan konsultasi"))).to_have_count(0)
    _no_sideways_scroll(page)
    shoot(page, f"booking/{language}-06-contact-instead")

    # An address typed or bookmarked still lands on the contact, not on empty slots.
    page.goto(f"{live_server.url}/pesan/{centre.pk}/?area=marketing&mode=in_person")
    expect(page.get_by_role("link", name=t("Chat lewat WhatsApp"))).to_be_visible()
    expect(page.locator(".day-chip")).to_have_count(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_owner_whose_slot_is_taken_picks_another_and_finds_the_form_as_typed(
    page: Page, live_server, world, open_desk, shoot, language
):
    centre = open_desk
    t = Words(language)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/pesan/{centre.pk}/?area=marketing&mode=in_person")
    _switch_language(page, language)
    _pick_day(page, 3)
    page.locator(".slot-day").nth(3).locator("a.slot").first.click()
    chosen = _slot_start(parse_qs(urlparse(page.url).query)["slot"][0])
    _fill_details(page, t)
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
    page.get_by_role("button", name=t("Kirim pemesanan")).click()

    expect(page.get_by_role("alert")).to_contain_text(
        t("Maaf, slot ini baru saja diambil orang lain. Silakan pilih waktu lain:")
    )
    # The fresh list, a day at a time here too.
    expect(page.locator(".slot-day:visible")).to_have_count(1)
    shoot(page, f"booking/{language}-07-slot-taken")
    page.locator("#slots .slot-day:visible a.slot").first.click()
    expect(page.get_by_label(t("Nama usaha"))).to_have_value("Keripik Pisang Bu Sari")
    expect(page.get_by_label(t("Nama Anda"))).to_have_value("Sari Wulandari")
    expect(page.get_by_label(t("Kabupaten/kota tempat usaha"))).to_have_value("18.71")
    expect(page.get_by_label(t("Apa yang ingin Anda konsultasikan?"))).to_have_value(
        "Pemasaran ke toko oleh-oleh"
    )
    expect(
        page.get_by_label(t("Saya sudah membaca dan menyetujui pemrosesan data pribadi di atas."))
    ).to_be_checked()
    page.get_by_role("button", name=t("Kirim pemesanan")).click()
    expect(page.get_by_role("heading", name=t("Pemesanan terkirim"))).to_be_visible()
    assert Booking.objects.filter(enterprise__name="Keripik Pisang Bu Sari").count() == 1


def test_without_javascript_every_day_shows_and_a_chip_jumps_to_its_times(
    browser, live_server, world, open_desk
):
    """A phone on a slow line, or with scripts off: the day chips are plain links to the days."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/pesan/{open_desk.pk}/?area=marketing&mode=in_person")
    days = page.locator(".slot-day")
    assert days.count() > 7
    expect(page.locator(".slot-day:visible")).to_have_count(days.count())
    chip = page.locator(".day-chip").nth(6)
    chip.click()
    target = chip.get_attribute("href")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(page.locator(target)).to_be_in_viewport()
    context.close()
