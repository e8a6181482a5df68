"""The owner's side of booking: the centre page, choosing a slot, giving details, and the
signed link to see, reschedule or cancel. Times are on the centre's clock (WITA here)."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from icalendar import Calendar

from clinics.models import Absence, AbsenceKind, ServiceArea, WorkingHours
from cooperatives.models import Enterprise, Person
from mentoring.models import Booking, BookingStatus, Mode
from mentoring.selectors.bookings import booking_from_token, manage_token
from mentoring.services.booking_actions import booking_confirm
from mentoring.services.bookings import booking_request
from mentoring.services.notifications import booking_notice_send
from plut.foundation.accounts.consent import CURRENT_CONSENT_VERSION, consent_current
from plut.foundation.messaging.selectors import messages_about
from plut.foundation.regions.models import Regency
from tests.factories.clinics import StaffFactory

# Monday 30 November 2026, 00:00 UTC = 08:00 WITA in Makassar.
NOW = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
WITA = ZoneInfo("Asia/Makassar")


def _wita(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Makassar; days past 30 run on into December (32 = 2 December)."""
    monday = datetime.datetime(2026, 11, 30, hour, minute, tzinfo=WITA)
    return monday + datetime.timedelta(days=day - 30)


def _param(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_desk(world) -> SimpleNamespace:
    """Sulawesi Selatan's centre (WITA): consultant Andi covers marketing, Mon-Fri 08-12."""
    centre = world.b.centre
    centre.requires_confirmation = True
    centre.buffer_minutes = 0
    centre.min_notice_minutes = 120
    centre.owner_change_cutoff_hours = 24
    centre.open_bookings_cap = 2
    centre.phone = "0411-123456"
    centre.save()
    Booking.objects.all().delete()
    # The world's consultant covers every area but keeps no hours: out of the way.
    world.b.consultant.staff_membership.areas.clear()
    marketing = ServiceArea.objects.get(code="marketing")
    membership = StaffFactory(
        centre=centre,
        areas=[marketing],
        user__first_name="Andi",
        user__last_name="Mappanyukki",
        user__email="andi.mappanyukki@plut.example.id",
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            membership=membership,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(12),
        )
    return SimpleNamespace(
        centre=centre, area=marketing, consultant=membership.user, membership=membership
    )


@pytest.fixture
def desk(frozen, world) -> SimpleNamespace:
    return make_desk(world)


@pytest.fixture
def booking_desk(world):
    """The desk for modules without this one's cache fixture (import it ``as desk``): the
    clock frozen on Monday 30 November 2026, 08:00 WITA, rate-limit counters cleared."""
    with time_machine.travel(NOW, tick=False):
        cache.clear()
        yield make_desk(world)
    cache.clear()


def _start_url(desk, **params) -> str:
    url = reverse("booking:start", args=[desk.centre.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _details_url(desk, slot: datetime.datetime | str, mode: str = "in_person") -> str:
    value = slot if isinstance(slot, str) else _param(slot)
    query = urlencode({"area": desk.area.code, "mode": mode, "slot": value})
    return f"{reverse('booking:details', args=[desk.centre.pk])}?{query}"


FORM = {
    "name": "Kopi Toraja Sapan",
    "nib": "",
    "regency": "73.71",
    "owner_name": "Daeng Rahman",
    "phone": "0812-4444-5555",
    "email": "rahman@example.id",
    "description": "Ingin memasarkan kopi ke kafe di Makassar",
    "consent": "on",
    "website": "",
}


def _post(client, desk, slot=None, **changes):
    data = {**FORM, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(_details_url(desk, _wita(30, 10) if slot is None else slot), data)


def _book_directly(desk, starts_at, n=1, **client_extra) -> Booking:
    return booking_request(
        centre=desk.centre,
        area=desk.area,
        mode="in_person",
        starts_at=starts_at,
        client={
            "name": f"Usaha {n}",
            "nib": "",
            "regency": Regency.objects.get(code="73.71"),
            "owner_name": f"Pemilik {n}",
            "phone": f"+6281300000{n:03d}",
            "email": "",
            **client_extra,
        },
        description="",
        consent=consent_current(),
    )


# --- Who may open what -----------------------------------------------------------------------


def test_public_pages_open_for_anonymous(client, desk):
    urls = [
        reverse("directory:centre_detail", args=[desk.centre.pk]),
        _start_url(desk),
        _start_url(desk, area="marketing", mode="in_person"),
        _details_url(desk, _wita(30, 10)),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_an_inactive_centre_is_not_found(client, desk):
    desk.centre.is_active = False
    desk.centre.save()
    for url in [
        reverse("directory:centre_detail", args=[desk.centre.pk]),
        _start_url(desk, area="marketing", mode="in_person"),
        _details_url(desk, _wita(30, 10)),
    ]:
        assert client.get(url).status_code == 404, url


# --- The centre page -------------------------------------------------------------------------


def _rename(user, first: str, last: str) -> None:
    user.first_name, user.last_name = first, last
    user.save()


def test_the_centre_page_shows_consultants_by_first_name_only(client, desk, world):
    _rename(world.b.consultant, "Nurhayati", "Daengmasiga")
    _rename(world.b.manager, "Kartini", "Pabbicara")  # staff, but not a consultant
    _rename(world.a.consultant, "Wayan", "Lampungsari")  # another centre's consultant
    body = client.get(reverse("directory:centre_detail", args=[desk.centre.pk])).content.decode()
    assert "Andi" in body and "Nurhayati" in body
    for hidden in [
        "Mappanyukki",
        "andi.mappanyukki@",
        desk.consultant.username,
        "Daengmasiga",
        "Kartini",
        "Pabbicara",
        "Wayan",
    ]:
        assert hidden not in body


def test_the_centre_page_shows_what_an_owner_needs_and_a_booking_link(client, desk):
    desk.centre.opening_hours = "Senin–Jumat 08.00–16.00"
    desk.centre.address = "Jl. A. P. Pettarani, Makassar"
    desk.centre.save()
    body = client.get(reverse("directory:centre_detail", args=[desk.centre.pk])).content.decode()
    assert desk.centre.name in body
    assert "Jl. A. P. Pettarani, Makassar" in body
    assert "Senin–Jumat 08.00–16.00" in body
    assert "Semua jam di PLUT ini dalam WITA." in body
    assert "Sulawesi Selatan" in body
    assert "0411-123456" in body
    assert "Pemasaran / Kemitraan Usaha" in body  # a service area it offers
    assert f'href="{reverse("booking:start", args=[desk.centre.pk])}"' in body


def test_an_inactive_consultant_is_not_listed(client, desk):
    desk.consultant.is_active = False
    desk.consultant.save()
    body = client.get(reverse("directory:centre_detail", args=[desk.centre.pk])).content.decode()
    assert "<strong>Andi</strong>" not in body


# --- Step 1: the slot list ------------------------------------------------------------------


def _day(body: str, heading: str) -> str:
    """The slot list under one day's heading."""
    return body.split(f">{heading}</h3>", 1)[1].split("</section>", 1)[0]


def test_a_day_is_picked_first_each_chip_leading_to_that_days_times(client, desk):
    """The day picker (js/booking.js shows one day at a time): a chip per day with free times,
    each a link to that day's section, saying how many times it holds."""
    body = client.get(_start_url(desk, area="marketing", mode="in_person")).content.decode()
    chips = re.findall(
        r'<a class="day-chip" href="#(hari-[\d-]+)"><span class="day-name">(\w+)</span> '
        r'<span class="day-date">([^<]+)</span> <span class="day-count">(\d+) waktu</span>',
        body,
    )
    sections = re.findall(r'<section class="slot-day" id="(hari-[\d-]+)"', body)
    assert [chip[0] for chip in chips] == sections
    assert chips[0] == ("hari-2026-11-30", "Sen", "30 Nov", "2")  # 10:00 and 11:00 WITA
    for target, _weekday, _date, count in chips:
        times = body.split(f'id="{target}"', 1)[1].split("</section>", 1)[0]
        assert times.count('class="slot"') == int(count), target


def test_slots_are_shown_on_the_centres_clock_with_its_label(client, desk):
    body = client.get(_start_url(desk, area="marketing", mode="in_person")).content.decode()
    monday = _day(body, "Senin, 30 November 2026")
    # 08:00 WITA now + 2 h notice: the first slot is 10:00 WITA (02:00 UTC).
    assert "10:00 WITA" in monday and "11:00 WITA" in monday
    assert "09:00 WITA" not in monday
    assert "09:00 WITA" in _day(body, "Selasa, 1 Desember 2026")
    assert "WIB" not in body
    first = _details_url(desk, _wita(30, 10)).replace("&", "&amp;")
    assert f'href="{first}"' in monday
    assert "slot=2026-11-30T02%3A00%3A00Z" in first


def test_days_without_a_free_slot_are_left_out(client, desk):
    body = client.get(_start_url(desk, area="marketing", mode="online")).content.decode()
    assert "Selasa, 1 Desember 2026" in body
    assert "Sabtu, 5 Desember 2026" not in body  # no working hours on Saturdays
    assert "25 Desember 2026" not in body  # Christmas: a public holiday
    # The horizon is four weeks.
    assert "Jumat, 25 Desember 2026" not in body and "Senin, 28 Desember 2026" not in body


def test_without_a_choice_the_page_asks_for_one(client, desk):
    body = client.get(_start_url(desk)).content.decode()
    assert "Pilih bidang dan cara konsultasi" in body
    assert "WITA" not in body


def test_with_no_free_slot_at_all_it_says_so_and_suggests_alternatives(client, desk):
    # The consultant is away for the whole booking window (today + four weeks and more).
    today = NOW.astimezone(ZoneInfo("Asia/Makassar")).date()
    Absence.objects.create(
        membership=desk.membership,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
        kind=AbsenceKind.LEAVE,
    )
    body = client.get(_start_url(desk, area="marketing", mode="in_person")).content.decode()
    assert "Belum ada jadwal kosong untuk bidang Pemasaran / Kemitraan Usaha" in body
    assert "Coba bidang lain" in body
    assert f'href="{reverse("portal:home")}"' in body


def test_a_centre_nobody_can_be_booked_with_offers_its_contact_not_its_areas(client, desk):
    """A centre whose consultants keep no hours would answer "no free slot" for every area:
    its pages say it takes no online bookings and offer its WhatsApp, phone and email."""
    desk.centre.whatsapp, desk.centre.email = "+6281122334455", "plut@sulsel.example.id"
    desk.centre.save()
    WorkingHours.objects.all().delete()
    start = client.get(_start_url(desk)).content.decode()
    page = client.get(reverse("directory:centre_detail", args=[desk.centre.pk])).content.decode()
    for body in (start, page):
        assert "belum menerima pemesanan daring" in body
        assert 'href="https://wa.me/6281122334455"' in body
        assert 'href="tel:0411-123456"' in body
        assert 'href="mailto:plut@sulsel.example.id"' in body
    assert "Pemasaran / Kemitraan Usaha" not in start  # no area leading nowhere
    assert reverse("booking:start", args=[desk.centre.pk]) not in page


def test_the_directory_marks_which_centres_take_online_bookings(
    client, desk, django_assert_num_queries
):
    # the centres (with province and regency), their areas, which take bookings; the filter's
    # provinces, regencies and areas: however many centres there are
    with django_assert_num_queries(6):
        body = client.get(reverse("portal:home")).content.decode()
    booked_online = reverse("booking:start", args=[desk.centre.pk])
    assert body.count("Menerima pemesanan daring") == 1  # Makassar only, in the world
    assert booked_online in body
    WorkingHours.objects.all().delete()
    body = client.get(reverse("portal:home")).content.decode()
    assert "Menerima pemesanan daring" not in body
    assert booked_online not in body
    assert reverse("directory:centre_detail", args=[desk.centre.pk]) in body


def test_an_area_the_centre_does_not_offer_is_refused(client, desk):
    desk.centre.service_areas.remove(ServiceArea.objects.get(code="it"))
    response = client.get(_start_url(desk, area="it", mode="in_person"))
    assert "Bidang ini tidak dilayani oleh PLUT ini." in response.content.decode()
    assert client.get(_details_url(desk, _wita(30, 10)).replace("marketing", "it")).status_code == (
        404
    )


def test_htmx_swaps_only_the_slot_list(client, desk):
    response = client.get(
        _start_url(desk, area="marketing", mode="in_person"), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "10:00 WITA" in body
    assert "HX-Request" in response["Vary"]
    # A history restore needs the whole page back.
    restore = client.get(
        _start_url(desk, area="marketing", mode="in_person"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_the_form_swaps_the_slot_list_with_htmx_and_works_without_it(client, desk):
    body = client.get(_start_url(desk)).content.decode()
    assert 'hx-target="#slots"' in body
    assert 'hx-push-url="true"' in body
    assert f'hx-get="{_start_url(desk)}"' in body
    assert f'method="get" action="{_start_url(desk)}"' in body
    assert 'id="slots"' in body


def _more_consultants(desk, n: int) -> None:
    for _ in range(n):
        membership = StaffFactory(centre=desk.centre, areas=[desk.area])
        WorkingHours.objects.create(
            membership=membership, weekday=0, starts=datetime.time(8), ends=datetime.time(12)
        )


def _book_weeks(desk, count: int) -> None:
    """``count`` bookings on the working days after today, from different owners."""
    moments = [
        _wita(day, hour)
        for day in range(31, 60)
        for hour in (8, 9, 10, 11)
        if _wita(day, hour).weekday() < 5 and _wita(day, hour).date() != datetime.date(2026, 12, 25)
    ]
    for n, moment in enumerate(moments[:count]):
        _book_directly(desk, moment, n=100 + n)


@pytest.mark.parametrize("booked", [0, 40])
def test_the_slot_list_takes_the_same_queries_however_many_bookings_exist(
    client, desk, django_assert_num_queries, booked
):
    _book_weeks(desk, booked)
    with django_assert_num_queries(7):
        body = client.get(_start_url(desk, area="marketing", mode="in_person")).content.decode()
    assert "10:00 WITA" in body


def test_booking_takes_the_same_queries_however_many_bookings_exist(client, desk):
    """The form and the booking check the chosen slot alone: their queries do not grow with
    the bookings already made nor with the days ahead."""

    def book(slot: datetime.datetime, phone: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as form:
            assert client.get(_details_url(desk, slot)).status_code == 200
        with CaptureQueriesContext(connection) as booking:
            assert _post(client, desk, slot=slot, phone=phone, email="").status_code == 302
        return len(form), len(booking)

    client.get(_details_url(desk, _wita(30, 10)))  # the consent text is published on first use
    first = book(_wita(30, 10), "0812-4444-0001")
    _book_weeks(desk, 40)
    assert book(_wita(30, 11), "0812-4444-0002") == first
    form, booking = first
    # The form: + 1 since centres may have their own WhatsApp number (whether to offer it).
    assert form <= 9 and booking <= 30


@pytest.mark.parametrize("extra", [0, 9])
def test_the_slot_list_takes_the_same_queries_with_1_or_10_consultants(
    client, desk, django_assert_num_queries, extra
):
    _more_consultants(desk, extra)
    # whether the centre takes bookings, its areas, then slots_for: covering staff, hours,
    # absences, bookings (the centre comes from those each process keeps)
    with django_assert_num_queries(7):
        response = client.get(_start_url(desk, area="marketing", mode="in_person"))
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 9])
def test_the_centre_page_takes_the_same_queries_with_1_or_10_consultants(
    client, desk, django_assert_num_queries, extra
):
    _more_consultants(desk, extra)
    # centre, its areas, the consultants with their users, their areas, whether it is booked
    # online
    with django_assert_num_queries(5):
        response = client.get(reverse("directory:centre_detail", args=[desk.centre.pk]))
    assert response.status_code == 200


# --- Step 2: details ------------------------------------------------------------------------


def test_the_details_page_shows_the_slot_on_the_centres_clock_and_the_consent(client, desk):
    body = client.get(_details_url(desk, _wita(30, 10))).content.decode()
    assert "Senin, 30 Nov 2026 10:00 WITA" in body
    assert "Undang-Undang Nomor 27 Tahun 2022" in body
    assert f"Versi {CURRENT_CONSENT_VERSION}" in body
    assert 'name="website"' in body and 'tabindex="-1"' in body


@pytest.mark.parametrize("slot", ["bukan-waktu", "2026-11-30T02:00:00", "", "2026-13-40T02:00:00Z"])
def test_a_malformed_slot_is_not_a_page(client, desk, slot):
    assert client.get(_details_url(desk, slot)).status_code == 404
    assert _post(client, desk, slot=slot).status_code == 404
    assert not Booking.objects.exists()


def test_a_mode_owners_cannot_book_is_not_a_page(client, desk):
    assert client.get(_details_url(desk, _wita(30, 10), mode="field_visit")).status_code == 404


def test_a_time_that_is_not_free_offers_the_free_ones_instead(client, desk):
    response = client.get(_details_url(desk, _wita(30, 10, 30)))  # off the grid
    body = response.content.decode()
    assert response.status_code == 200
    assert "Maaf, waktu ini sudah tidak tersedia. Silakan pilih waktu lain:" in body
    assert "11:00 WITA" in body
    assert 'name="consent"' not in body


def test_a_booking_is_saved_with_its_client_and_consent(client, desk):
    response = _post(client, desk)
    booking = Booking.objects.get()
    assert response.status_code == 302
    # To the booking's own page (its token is signed with the time: compared by what it opens).
    done = resolve(response["Location"])
    assert done.url_name == "done"
    assert booking_from_token(done.kwargs["token"]) == booking
    assert booking.starts_at == _wita(30, 10)
    assert booking.status == BookingStatus.REQUESTED
    assert booking.consent.version == CURRENT_CONSENT_VERSION
    assert booking.consultant == desk.consultant
    assert booking.description == "Ingin memasarkan kopi ke kafe di Makassar"
    enterprise = Enterprise.objects.get(name="Kopi Toraja Sapan")
    assert booking.enterprise == enterprise
    assert enterprise.centre == desk.centre
    assert enterprise.regency_id == "73.71"
    assert enterprise.owner.full_name == "Daeng Rahman"
    assert enterprise.owner.phone == "+6281244445555"
    assert enterprise.owner.email == "rahman@example.id"
    # And on the booking itself, as typed: what the owner's pages and messages show.
    assert (booking.contact_business, booking.contact_name, booking.contact_email) == (
        "Kopi Toraja Sapan",
        "Daeng Rahman",
        "rahman@example.id",
    )


def test_a_nib_is_kept_when_given(client, desk):
    _post(client, desk, nib="9120300000777")
    booking = Booking.objects.get()
    assert booking.enterprise.nib == booking.contact_nib == "9120300000777"


def test_email_alone_is_enough(client, desk):
    assert _post(client, desk, phone="").status_code == 302
    assert Booking.objects.get().enterprise.owner.phone == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"phone": "", "email": ""},
            "Isi nomor WhatsApp atau alamat email, supaya PLUT dapat menghubungi Anda.",
        ),
        ({"phone": "12345"}, "Nomor telepon tidak valid."),
        ({"email": "bukan-email"}, "Masukkan alamat email dengan format yang benar."),
        ({"nib": "12345"}, "NIB harus terdiri dari 13 angka."),
        ({"nib": "12345678901ab"}, "NIB harus terdiri dari 13 angka."),
        ({"consent": None}, "Centang persetujuan ini"),
        ({"name": ""}, "Bidang ini harus diisi."),
        ({"description": "x" * 1001}, "1000"),
        ({"regency": "18.71"}, "Masukkan pilihan yang valid."),  # outside the centre's province
    ],
)
def test_invalid_details_are_explained_and_nothing_is_saved(client, desk, changes, message):
    people, enterprises = Person.objects.count(), Enterprise.objects.count()
    response = _post(client, desk, **changes)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'role="alert"' in body
    assert not Booking.objects.exists()
    assert (Person.objects.count(), Enterprise.objects.count()) == (people, enterprises)


def test_a_slot_taken_meanwhile_offers_the_fresh_slots(client, desk):
    _book_directly(desk, _wita(30, 10))  # someone else was quicker
    response = _post(client, desk)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Maaf, slot ini baru saja diambil orang lain. Silakan pilih waktu lain:" in body
    slots = body.split('id="slots"', 1)[1]
    assert "10:00 WITA" not in _day(slots, "Senin, 30 November 2026")
    assert _details_url(desk, _wita(30, 11)).replace("&", "&amp;") in slots
    assert 'name="consent"' not in body
    assert Booking.objects.count() == 1
    assert not Enterprise.objects.filter(name="Kopi Toraja Sapan").exists()


def test_the_open_bookings_cap_is_explained(client, desk):
    desk.centre.open_bookings_cap = 1
    desk.centre.save()
    _book_directly(desk, _wita(30, 11), phone="+6281244445555")
    response = _post(client, desk)
    assert response.status_code == 200
    assert "Anda sudah memiliki 1 pemesanan aktif" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_filled_honeypot_pretends_success_and_saves_nothing(client, desk):
    people = Person.objects.count()
    response = _post(client, desk, website="http://spam.example")
    assert response.status_code == 200
    assert "Terima kasih" in response.content.decode()
    assert not Booking.objects.exists()
    assert Person.objects.count() == people


def test_bookings_from_one_address_are_rate_limited(client, desk, settings):
    settings.RATELIMIT_BOOKING_PER_IP = 2
    hours = [_wita(30, 10), _wita(30, 11), _wita(31, 8)]
    statuses = [
        _post(client, desk, slot=hour, phone=f"0812-4444-55{n:02d}", email="").status_code
        for n, hour in enumerate(hours)
    ]
    assert statuses == [302, 302, 429]
    assert Booking.objects.count() == 2


def test_bookings_for_one_phone_are_rate_limited_from_any_address(client, desk, settings):
    settings.RATELIMIT_BOOKING_PER_CONTACT = 1
    assert _post(client, desk, email="").status_code == 302
    response = client.post(
        _details_url(desk, _wita(30, 11)),
        {**FORM, "email": ""},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 429
    assert "Terlalu banyak pemesanan" in response.content.decode()
    assert "0411-123456" in response.content.decode()  # the centre's phone, to call instead
    assert Booking.objects.count() == 1


def test_the_rate_limit_window_passes(client, desk, settings):
    settings.RATELIMIT_BOOKING_PER_CONTACT = 1
    assert _post(client, desk, email="").status_code == 302
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        assert _post(client, desk, slot=_wita(30, 11), email="").status_code == 302


# --- The confirmation page ------------------------------------------------------------------


def test_the_confirmation_shows_the_booking_and_its_private_link(client, desk):
    response = _post(client, desk)
    body = client.get(response["Location"]).content.decode()
    booking = Booking.objects.get()
    token = manage_token(booking)
    assert "Pemesanan terkirim" in body
    assert "Menunggu konfirmasi" in body
    assert "Senin, 30 Nov 2026 10:00 WITA" in body
    assert desk.centre.name in body
    assert "Tatap muka di PLUT" in body
    assert f"http://testserver{reverse('booking:manage', args=[token])}" in body
    assert reverse("booking:calendar", args=[token]) in body
    assert "ra***@example.id" in body
    assert "rahman@example.id" not in body
    assert "WhatsApp" not in body.split("<main")[1].split("</main>")[0]


def test_an_automatically_confirmed_booking_says_so(client, desk):
    desk.centre.requires_confirmation = False
    desk.centre.save()
    body = client.get(_post(client, desk)["Location"]).content.decode()
    assert "Konsultasi Anda sudah dikonfirmasi" in body
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_the_confirmation_names_only_the_email_typed_and_masked(client, desk):
    # A phone number the centre already knows, with another email on file: the page names the
    # address typed, masked, and nothing of the client on file (tests/security/
    # test_public_lookups.py checks every page).
    _book_directly(desk, _wita(31, 9), phone="+6281244445555", email="pemilik.asli@example.id")
    body = client.get(_post(client, desk)["Location"]).content.decode()
    assert "ra***@example.id" in body
    assert "pe***@example.id" not in body and "pemilik.asli" not in body


@pytest.mark.parametrize("name", ["booking:done", "booking:calendar"])
def test_the_confirmation_and_calendar_read_the_booking_in_one_query(
    client, desk, django_assert_num_queries, name
):
    # The booking with its centre, area, enterprise and consultant: nothing on file is read
    # for the page (it shows what was typed).
    token = resolve(_post(client, desk)["Location"]).kwargs["token"]
    with django_assert_num_queries(1):
        assert client.get(reverse(name, args=[token])).status_code == 200


def test_without_an_email_the_confirmation_says_to_keep_the_link(client, desk):
    body = client.get(_post(client, desk, email="")["Location"]).content.decode()
    assert "simpan tautan di bawah ini" in body
    assert "Kami sudah mengirim email" not in body


# --- The signed link ------------------------------------------------------------------------


@pytest.fixture
def booked(desk):
    """A booking on Wednesday 2 December, 10:00 WITA: well before the 24-hour cut-off."""
    return _book_directly(desk, _wita(32, 10), n=7)


def _manage(booking: Booking) -> str:
    return reverse("booking:manage", args=[manage_token(booking)])


@pytest.mark.parametrize("name", ["booking:done", "booking:manage", "booking:calendar"])
def test_a_forged_link_gets_a_clear_page(client, booked, name):
    token = manage_token(booked)
    for bad in [token[:-2] + "xx", "bukan-tautan", token[:20]]:
        response = client.get(reverse(name, args=[bad]))
        assert response.status_code == 404
        assert "Tautan tidak valid" in response.content.decode()


@pytest.mark.parametrize("name", ["booking:done", "booking:manage", "booking:calendar"])
def test_an_old_link_has_expired_and_names_the_centre(client, booked, name):
    url = reverse(name, args=[manage_token(booked)])
    with time_machine.travel(NOW + datetime.timedelta(days=61), tick=False):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 410
    assert "Tautan sudah kedaluwarsa" in body
    assert booked.centre.name in body and "0411-123456" in body


def test_the_manage_page_offers_other_free_slots(client, booked):
    body = client.get(_manage(booked)).content.decode()
    assert "Rabu, 2 Des 2026 10:00 WITA" in body
    assert '<form method="get" action="#reschedule-title">' in body  # a slot asks first
    assert f'value="{_param(_wita(32, 11))}"' in body
    assert f'value="{_param(_wita(32, 10))}"' not in body  # its own slot
    assert 'name="action" value="cancel"' in body


def test_a_slot_picked_asks_before_the_booking_moves(client, booked):
    body = client.get(_manage(booked), {"slot": _param(_wita(33, 9))}).content.decode()
    assert "Pindahkan konsultasi ke Kamis, 3 Desember 2026, 09:00 WITA?" in body
    assert 'name="action" value="reschedule"' in body
    assert f'name="slot" value="{_param(_wita(33, 9))}"' in body
    assert "slot-day" not in body  # the question alone, not the list again
    booked.refresh_from_db()
    assert booked.starts_at == _wita(32, 10)  # nothing moved yet
    # A slot that is not a moment shows the list again.
    assert "slot-day" in client.get(_manage(booked), {"slot": "besok"}).content.decode()


def test_the_owner_reschedules(client, booked):
    response = client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == _wita(33, 9)
    assert booked.status == BookingStatus.REQUESTED
    body = client.get(response["Location"]).content.decode()
    assert "Jadwal konsultasi Anda sudah diubah." in body
    assert "3 Des 2026 09:00 WITA" in body


def _input(body: str, name: str) -> str:
    found = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', body)
    assert found, name
    return found.group(0)


def test_after_a_slot_is_taken_the_next_slot_keeps_everything_typed(client, desk):
    _book_directly(desk, _wita(30, 10))  # someone else was quicker
    assert _post(client, desk).status_code == 409
    body = client.get(_details_url(desk, _wita(30, 11))).content.decode()
    for name in ("name", "owner_name", "phone", "email"):
        assert f'value="{FORM[name]}"' in _input(body, name)
    assert FORM["description"] in body
    assert "checked" in _input(body, "consent")
    assert '<option value="73.71" selected>' in body
    # Booked with it, the draft is gone: the next booking starts empty.
    assert _post(client, desk, slot=_wita(30, 11)).status_code == 302
    body = client.get(_details_url(desk, _wita(31, 9))).content.decode()
    assert "value=" not in _input(body, "owner_name")
    assert "checked" not in _input(body, "consent")


def test_a_kept_draft_ends_within_the_hour(client, desk):
    _book_directly(desk, _wita(30, 10))
    _post(client, desk)
    with time_machine.travel(NOW + datetime.timedelta(hours=1, minutes=1), tick=False):
        body = client.get(_details_url(desk, _wita(31, 9))).content.decode()
    assert "value=" not in _input(body, "owner_name")


def test_rescheduling_to_a_taken_slot_offers_fresh_slots(client, booked, desk):
    _book_directly(desk, _wita(33, 9), n=8)
    response = client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Maaf, slot ini baru saja diambil orang lain" in body
    assert f'value="{_param(_wita(33, 10))}"' in body
    assert f'value="{_param(_wita(33, 9))}"' not in body
    booked.refresh_from_db()
    assert booked.starts_at == _wita(32, 10)


def test_the_owner_cancels_with_a_reason(client, booked):
    response = client.post(_manage(booked), {"action": "cancel", "reason": "Sedang sakit"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED
    assert booked.status_reason == "Dibatalkan oleh pelaku usaha: Sedang sakit"
    body = client.get(response["Location"]).content.decode()
    assert "Pemesanan Anda sudah dibatalkan." in body
    assert 'value="reschedule"' not in body  # read-only now


class _OutboxDown(Exception):
    pass


@pytest.fixture
def outbox_down(monkeypatch):
    """Queueing the owner's notice fails (the outbox's table unreachable, say)."""

    def fail(*args, **kwargs):
        raise _OutboxDown

    monkeypatch.setattr(
        "mentoring.services.notifications._notice", fail
    )  # every notice goes through it


def test_a_booking_whose_notice_cannot_be_queued_is_not_saved(client, desk, outbox_down):
    with pytest.raises(_OutboxDown):
        _post(client, desk)
    assert not Booking.objects.exists()
    assert not Enterprise.objects.filter(name="Kopi Toraja Sapan").exists()


def test_a_reschedule_whose_notice_cannot_be_queued_is_undone(client, booked, outbox_down):
    with pytest.raises(_OutboxDown):
        client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
    booked.refresh_from_db()
    assert booked.starts_at == _wita(32, 10)


def test_a_cancellation_whose_notice_cannot_be_queued_is_undone(client, booked, outbox_down):
    with pytest.raises(_OutboxDown):
        client.post(_manage(booked), {"action": "cancel", "reason": ""})
    booked.refresh_from_db()
    assert booked.status == BookingStatus.REQUESTED


def test_a_cancelled_booking_cannot_be_changed(client, booked):
    client.post(_manage(booked), {"action": "cancel", "reason": ""})
    booked.refresh_from_db()
    assert booked.status_reason == "Dibatalkan oleh pelaku usaha."
    response = client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED and booked.starts_at == _wita(32, 10)


def test_after_the_cutoff_changes_go_through_the_centre(client, booked):
    # Wednesday 2 December 08:00 WITA: two hours before, the cut-off is 24.
    with time_machine.travel(_wita(32, 8), tick=False):
        body = client.get(_manage(booked)).content.decode()
        assert "perubahan atau pembatalan hanya dapat dilakukan lewat PLUT" in body
        assert "0411-123456" in body
        assert 'value="reschedule"' not in body and 'value="cancel"' not in body
        moved = client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
        cancelled = client.post(_manage(booked), {"action": "cancel", "reason": ""})
    assert moved.status_code == cancelled.status_code == 403
    booked.refresh_from_db()
    assert booked.status == BookingStatus.REQUESTED
    assert booked.starts_at == _wita(32, 10)


def test_after_the_cutoff_the_centres_whatsapp_is_offered_or_its_address(client, booked):
    centre = booked.centre
    centre.whatsapp, centre.phone, centre.email = "+6281234567890", "", ""
    centre.address = "Jl. Andi Pangerang Pettarani No. 1, Makassar"
    centre.save()
    with time_machine.travel(_wita(32, 8), tick=False):
        body = client.get(_manage(booked)).content.decode()
        assert 'href="https://wa.me/6281234567890"' in body
        centre.whatsapp = ""
        centre.save()
        body = client.get(_manage(booked)).content.decode()
    assert "wa.me" not in body and "tel:" not in body
    assert "Datang langsung ke Jl. Andi Pangerang Pettarani No. 1, Makassar." in body


def test_the_calendar_file_downloads(client, booked):
    response = client.get(reverse("booking:calendar", args=[manage_token(booked)]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="konsultasi-plut.ics"'
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == _wita(32, 10)
    assert Calendar.from_ical(response.content)["method"] == "REQUEST"


def test_a_cancelled_bookings_calendar_file_cancels_the_event(client, booked):
    client.post(_manage(booked), {"action": "cancel"})
    response = client.get(reverse("booking:calendar", args=[manage_token(booked)]))
    calendar = Calendar.from_ical(response.content)
    assert calendar["method"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["status"] == "CANCELLED"


def _event(client, booking: Booking):
    response = client.get(reverse("booking:calendar", args=[manage_token(booking)]))
    return Calendar.from_ical(response.content).walk("VEVENT")[0]


def test_the_calendar_entry_is_tentative_until_confirmed_and_each_change_outranks_the_last(
    client, booked, desk
):
    desk.centre.email = "plut@sulsel.example.id"
    desk.centre.save()
    pending = _event(client, booked)
    assert pending["status"] == "TENTATIVE"
    assert str(pending["organizer"]) == "mailto:plut@sulsel.example.id"
    assert pending["organizer"].params["cn"] == desk.centre.name
    # The clock stands still: changes within one second must outrank each other too.
    booking_confirm(booking=booked, by=desk.consultant)
    confirmed = _event(client, Booking.objects.get(pk=booked.pk))
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["uid"] == pending["uid"]
    assert confirmed["sequence"] > pending["sequence"]
    client.post(_manage(booked), {"action": "reschedule", "slot": _param(_wita(33, 9))})
    moved = _event(client, booked)
    assert moved.decoded("dtstart") == _wita(33, 9)
    assert moved["sequence"] > confirmed["sequence"]
    client.post(_manage(booked), {"action": "cancel"})
    cancelled = _event(client, booked)
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["sequence"] > moved["sequence"]


def test_the_video_room_shows_once_an_online_booking_is_confirmed(client, desk):
    booking = _book_directly(desk, _wita(32, 10), n=7, email="rahman@example.id")
    Booking.objects.filter(pk=booking.pk).update(
        mode=Mode.ONLINE, meeting_link="https://meet.example.id/plut-7"
    )
    booking.refresh_from_db()
    token = manage_token(booking)
    for url in (reverse("booking:done", args=[token]), _manage(booking)):
        body = client.get(url).content.decode()
        assert "https://meet.example.id/plut-7" not in body
        assert "Dikirim setelah PLUT mengonfirmasi pemesanan." in body
    assert "url" not in _event(client, booking)
    booking_confirm(booking=booking, by=desk.consultant)
    for url in (reverse("booking:done", args=[token]), _manage(booking)):
        assert 'href="https://meet.example.id/plut-7"' in client.get(url).content.decode()
    assert str(_event(client, booking)["url"]) == "https://meet.example.id/plut-7"
    booking_notice_send(booking_id=booking.pk, notice="confirmed")  # the task, after commit
    notice = messages_about(booking).get(kind="booking-confirmed")
    assert "https://meet.example.id/plut-7" in notice.body


def test_staff_names_on_the_manage_page_are_first_names_only(client, booked, desk):
    body = client.get(_manage(booked)).content.decode()
    assert "Konsultan: Andi" in body
    assert "Mappanyukki" not in body


def test_the_area_chosen_in_the_directory_is_the_one_the_booking_starts_with(client, desk):
    home = client.get(reverse("portal:home"), {"area": "marketing"}).content.decode()
    start = reverse("booking:start", args=[desk.centre.pk]) + "?area=marketing"
    assert f'href="{start}"' in home
    body = client.get(start).content.decode()
    assert re.search(r'<input[^>]*name="area" value="marketing"[^>]*checked', body)
    assert 'role="alert"' not in body  # the mode is still to choose: no error yet


def test_the_directorys_regencies_are_the_chosen_provinces(client, desk):
    body = client.get(reverse("portal:home"), {"province": "73"}).content.decode()
    regencies = body.split('name="regency"', 1)[1].split("</select>", 1)[0]
    assert 'value="73.71"' in regencies  # Kota Makassar
    assert 'value="18.71"' not in regencies  # Kota Bandar Lampung
    everywhere = client.get(reverse("portal:home")).content.decode()
    assert 'value="18.71"' in everywhere.split('name="regency"', 1)[1].split("</select>", 1)[0]
