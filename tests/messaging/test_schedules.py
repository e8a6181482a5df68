"""Which messages are due when, with the clock frozen, across WIB, WITA and WIT.

Each producer runs again and again (beat every few minutes); the keys keep every message to
one. Times in the messages are on the centre's clock with its zone label.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinics.models import ServiceArea
from mentoring.models import Booking, BookingStatus, Mode
from mentoring.services.notifications import (
    booking_reminders_queue,
    consultant_agendas_queue,
    unconfirmed_nudges_queue,
    working_day_after,
)
from plut.foundation.accounts.models import Role
from plut.foundation.messaging.models import Message, about_key
from plut.foundation.messaging.selectors import messages_about
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import BookingFactory, FollowUpFactory, SessionFactory
from tests.messaging.fixtures import whatsapp_on

pytestmark = pytest.mark.django_db

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def _at(zone: str, day: int, hour: int, minute: int = 0, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(ZONES[zone]))


@pytest.fixture
def centres(world, wit_centre):
    """One centre per zone, each with a manager, a consultant and an enterprise."""
    Booking.objects.all().delete()  # the world's, held by these consultants two days ahead
    wit_manager = StaffFactory(user__role=Role.MANAGER, centre=wit_centre).user
    wit_consultant = StaffFactory(centre=wit_centre).user
    sides = {
        "WIB": (world.a.centre, world.a.consultant, world.a.manager),
        "WITA": (world.b.centre, world.b.consultant, world.b.manager),
        "WIT": (wit_centre, wit_consultant, wit_manager),
    }
    for _, consultant, manager in sides.values():
        for user in (consultant, manager):
            user.email = f"{user.username}@plut.example.id"
            user.save()
    return sides


def _booking(centre, consultant, starts_at, **extra):
    values = {
        "enterprise": EnterpriseFactory(centre=centre),
        "consultant": consultant,
        "status": BookingStatus.CONFIRMED,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=1),
        "contact_email": "pemilik@contoh.id",
    }
    return BookingFactory(**(values | extra))


def _kinds() -> list[str]:
    return sorted(Message.objects.values_list("kind", flat=True))


# --- Reminders ------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["WIB", "WITA", "WIT"])
def test_a_confirmed_booking_is_reminded_24_and_2_hours_before_once_each(centres, zone):
    centre, consultant, _ = centres[zone]
    booking = _booking(centre, consultant, _at(zone, 3, 10))
    with time_machine.travel(_at(zone, 2, 9, 59), tick=False):
        assert booking_reminders_queue() == 0
    with time_machine.travel(_at(zone, 2, 10), tick=False):
        assert booking_reminders_queue() == 1
        assert booking_reminders_queue() == 0
    with time_machine.travel(_at(zone, 2, 18), tick=False):
        assert booking_reminders_queue() == 0
    with time_machine.travel(_at(zone, 3, 8, 5), tick=False):
        assert booking_reminders_queue() == 1
        assert booking_reminders_queue() == 0
    assert _kinds() == ["reminder-24h", "reminder-2h"]
    reminder = Message.objects.get(kind="reminder-24h")
    assert f"3 Des 2026 10:00 {zone}" in reminder.subject
    assert f"3 Des 2026 10:00 {zone}" in reminder.body
    assert "/pemesanan/" in reminder.body  # the manage link
    assert (reminder.about, reminder.centre_id, reminder.province_id) == (
        about_key(booking),
        centre.pk,
        centre.province_id,
    )


def test_a_24_hour_reminder_is_not_sent_absurdly_late(centres):
    centre, consultant, _ = centres["WIB"]
    _booking(centre, consultant, _at("WIB", 3, 10))
    # The beat was down all day: 2 hours before, only the 2-hour reminder still makes sense.
    with time_machine.travel(_at("WIB", 3, 8), tick=False):
        booking_reminders_queue()
    assert _kinds() == ["reminder-2h"]


def test_unconfirmed_cancelled_and_past_bookings_get_no_reminder(centres):
    centre, consultant, _ = centres["WITA"]
    for status in (BookingStatus.REQUESTED, BookingStatus.CANCELLED):
        _booking(centre, consultant, _at("WITA", 3, 10), status=status)
    _booking(centre, consultant, _at("WITA", 2, 9))
    with time_machine.travel(_at("WITA", 2, 10), tick=False):
        assert booking_reminders_queue() == 0


def test_a_rescheduled_booking_is_reminded_again_for_its_new_time(centres):
    centre, consultant, _ = centres["WIB"]
    booking = _booking(centre, consultant, _at("WIB", 3, 10))
    with time_machine.travel(_at("WIB", 2, 10), tick=False):
        booking_reminders_queue()
        booking.starts_at = _at("WIB", 3, 14)
        booking.ends_at = booking.held_until = _at("WIB", 3, 15)
        booking.save()
    with time_machine.travel(_at("WIB", 2, 14), tick=False):
        booking_reminders_queue()
    assert _kinds() == ["reminder-24h", "reminder-24h"]


def test_an_online_booking_is_reminded_with_its_video_link(centres):
    centre, consultant, _ = centres["WIT"]
    booking = _booking(centre, consultant, _at("WIT", 3, 10), mode=Mode.ONLINE)
    other = _booking(
        centre,
        consultant,
        _at("WIT", 3, 13),
        mode=Mode.ONLINE,
        meeting_link="https://meet.example.id/ruang-7",
    )
    with time_machine.travel(_at("WIT", 2, 13), tick=False):
        booking_reminders_queue()
    generated = messages_about(booking).get().body
    assert "https://meet.jit.si/plut-kumkm-" in generated
    assert "https://meet.example.id/ruang-7" in messages_about(other).get().body


def test_the_owners_preferred_channel_is_used_when_configured(centres, settings, fake_provider):
    centre, consultant, _ = centres["WIB"]
    _booking(
        centre,
        consultant,
        _at("WIB", 3, 10),
        preferred_channel="whatsapp",
        contact_phone="+6281234567890",
    )
    with time_machine.travel(_at("WIB", 2, 10), tick=False):
        booking_reminders_queue()
    # No WhatsApp provider configured: the owner still hears, by email.
    assert Message.objects.get().channel == "email"
    Message.objects.all().delete()
    whatsapp_on(settings, fake_provider)
    with time_machine.travel(_at("WIB", 2, 10), tick=False):
        booking_reminders_queue()
    message = Message.objects.get()
    assert (message.channel, message.recipient) == ("whatsapp", "+6281234567890")
    assert len(message.body) < 400  # the short text
    assert message.recipient_masked == "+62812****7890"


def test_a_booking_made_in_english_is_reminded_in_english(centres):
    centre, consultant, _ = centres["WITA"]
    _booking(centre, consultant, _at("WITA", 3, 10), language="en")
    with time_machine.travel(_at("WITA", 2, 10), tick=False):
        booking_reminders_queue()
    message = Message.objects.get()
    assert message.language == "en"
    assert "3 Dec 2026 10:00 WITA" in message.body
    assert "Regards," in message.body


# --- Consultants' agendas and follow-ups ----------------------------------------------------


def test_each_centre_gets_its_agendas_after_six_in_its_own_zone(centres):
    for zone, (centre, consultant, _) in centres.items():
        _booking(centre, consultant, _at(zone, 2, 10))
    # 21:00 UTC on 1 December: 04:00 WIB, 05:00 WITA, 06:00 WIT on 2 December.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 20, 59, tzinfo=datetime.UTC)):
        assert consultant_agendas_queue() == 0
    with time_machine.travel(datetime.datetime(2026, 12, 1, 21, 0, tzinfo=datetime.UTC)):
        assert consultant_agendas_queue() == 1
        assert consultant_agendas_queue() == 0
    assert Message.objects.get().recipient == centres["WIT"][1].email
    with time_machine.travel(datetime.datetime(2026, 12, 1, 22, 0, tzinfo=datetime.UTC)):
        assert consultant_agendas_queue() == 1
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 0, tzinfo=datetime.UTC)):
        assert consultant_agendas_queue() == 1
    # Later that day nothing more; the next morning, the next agenda (if there is anything).
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)):
        assert consultant_agendas_queue() == 0
    assert Message.objects.filter(kind="agenda").count() == 3
    wib = Message.objects.get(recipient=centres["WIB"][1].email)
    assert "2 Des 2026 10:00 WIB" in wib.body
    assert wib.key == f"agenda:{centres['WIB'][1].pk}:2026-12-02"


def test_the_agenda_lists_follow_ups_due_tomorrow_and_overdue(centres):
    _centre, consultant, _ = centres["WITA"]
    session = SessionFactory(consultant=consultant)
    FollowUpFactory(session=session, action="Lewat tenggat", due_on=datetime.date(2026, 11, 30))
    FollowUpFactory(session=session, action="Besok", due_on=datetime.date(2026, 12, 3))
    FollowUpFactory(session=session, action="Minggu depan", due_on=datetime.date(2026, 12, 9))
    FollowUpFactory(
        session=session,
        action="Sudah selesai",
        due_on=datetime.date(2026, 11, 30),
        done_at=_at("WITA", 1, 9),
    )
    with time_machine.travel(_at("WITA", 2, 6, 30)):
        assert consultant_agendas_queue() >= 1
    body = Message.objects.get(recipient=consultant.email).body
    assert "Tidak ada konsultasi terkonfirmasi hari ini." in body
    assert "Lewat tenggat" in body and "Besok" in body
    assert "Minggu depan" not in body and "Sudah selesai" not in body
    assert body.index("Lewat tenggat") < body.index("Besok")


def test_nobody_with_an_empty_day_is_written_to(centres):
    with time_machine.travel(_at("WIB", 2, 7)):
        # The world's own follow-ups are due in a week and its booking in two days.
        assert consultant_agendas_queue() == 0


# --- Unconfirmed bookings -------------------------------------------------------------------


def test_working_days_skip_weekends_and_indonesian_holidays():
    zone = ZONES["WITA"]
    friday = _at("WITA", 4, 10)
    assert working_day_after(friday, zone) == _at("WITA", 7, 10)
    # 24 December 2026 is a Thursday; Christmas (Friday) and the weekend are closed.
    assert working_day_after(_at("WITA", 24, 16), zone) == _at("WITA", 28, 16)


@pytest.mark.parametrize("zone", ["WIB", "WITA", "WIT"])
def test_a_booking_unconfirmed_a_working_day_later_nudges_the_managers_once(centres, zone):
    centre, consultant, manager = centres[zone]
    with time_machine.travel(_at(zone, 4, 10), tick=False):  # a Friday
        booking = _booking(centre, consultant, _at(zone, 9, 10), status=BookingStatus.REQUESTED)
    with time_machine.travel(_at(zone, 7, 9, 59), tick=False):  # Monday, a minute early
        assert unconfirmed_nudges_queue() == 0
    with time_machine.travel(_at(zone, 7, 10), tick=False):
        assert unconfirmed_nudges_queue() == 1
        assert unconfirmed_nudges_queue() == 0
    message = Message.objects.get()
    assert (message.recipient, message.about) == (manager.email, about_key(booking))
    assert f"9 Des 2026 10:00 {zone}" in message.body
    assert "/staff/bookings/" in message.body


def test_a_confirmed_booking_nudges_nobody(centres):
    centre, consultant, _ = centres["WIB"]
    with time_machine.travel(_at("WIB", 1, 10), tick=False):
        _booking(centre, consultant, _at("WIB", 9, 10))
    with time_machine.travel(_at("WIB", 4, 10), tick=False):
        assert unconfirmed_nudges_queue() == 0


def test_area_choice_does_not_matter_for_nudges(centres):
    centre, consultant, _ = centres["WITA"]
    area = ServiceArea.objects.get(code="it")
    with time_machine.travel(_at("WITA", 1, 10), tick=False):
        _booking(
            centre,
            consultant,
            _at("WITA", 9, 10),
            status=BookingStatus.REQUESTED,
            service_area=area,
        )
    with time_machine.travel(_at("WITA", 2, 10), tick=False):
        assert unconfirmed_nudges_queue() == 1
