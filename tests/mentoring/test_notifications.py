"""What the owner is told: an email with a calendar invite for each change to a booking,
queued after the transaction commits and run by the Celery task (eagerly here)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from mentoring.models import Booking, BookingStatus
from mentoring.selectors.bookings import booking_from_token, manage_token
from tests.mentoring.test_booking_public import (
    FORM,
    _details_url,
    _param,
    _wita,
    booking_desk,
)

desk = booking_desk  # the booking pages' desk, as this module's tests name it


@pytest.fixture(autouse=True)
def eager_celery(settings):
    # plut/celery.py reads the CELERY_* settings live (config_from_object on django.conf's
    # settings), so overriding the setting is enough: the task runs inline, errors surface.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.SITE_URL = "https://plut.example.id"


def _ics(message) -> Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name == "konsultasi-plut.ics"
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _book(client, desk, django_capture_on_commit_callbacks, slot=None, **changes) -> Booking:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_details_url(desk, slot or _wita(30, 10)), {**FORM, **changes})
    assert response.status_code == 302
    return Booking.objects.get()


def test_a_new_booking_sends_an_email_with_the_invite_and_the_manage_link(
    client, desk, django_capture_on_commit_callbacks
):
    booking = _book(client, desk, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rahman@example.id"]
    assert message.subject.startswith("Pemesanan konsultasi diterima")
    assert "Staf PLUT akan mengonfirmasinya." in message.body
    assert "30 Nov 2026 10:00 WITA" in message.body
    calendar = _ics(message)
    assert calendar["method"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.starts_at == _wita(30, 10)
    # The link in the email opens this booking's manage page.
    link = re.search(r"https://plut\.example\.id/pemesanan/(\S+)/", message.body)
    assert link and booking_from_token(link.group(1)) == booking
    assert link.group(0) == "https://plut.example.id" + reverse(
        "booking:manage", args=[link.group(1)]
    )


def test_nothing_is_sent_before_the_transaction_commits(
    client, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(_details_url(desk, _wita(30, 10)), FORM)
    assert mail.outbox == []
    # The notice waits among the commit's callbacks (beside the dashboards' data version).
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_an_automatically_confirmed_booking_says_confirmed(
    client, desk, django_capture_on_commit_callbacks
):
    desk.centre.requires_confirmation = False
    desk.centre.save()
    booking = _book(client, desk, django_capture_on_commit_callbacks)
    assert booking.status == BookingStatus.CONFIRMED
    assert [m.subject.split(" · ")[0] for m in mail.outbox] == ["Konsultasi Anda dikonfirmasi"]


def test_an_owner_without_email_gets_no_email_yet(client, desk, django_capture_on_commit_callbacks):
    _book(client, desk, django_capture_on_commit_callbacks, email="")
    assert mail.outbox == []


def test_a_reschedule_sends_the_moved_invite(client, desk, django_capture_on_commit_callbacks):
    booking = _book(client, desk, django_capture_on_commit_callbacks, slot=_wita(32, 10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("booking:manage", args=[manage_token(booking)]),
            {"action": "reschedule", "slot": _param(_wita(33, 9))},
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject.startswith("Jadwal konsultasi Anda diubah")
    assert "3 Des 2026 09:00 WITA" in message.body
    event = _ics(message).walk("VEVENT")[0]
    assert event.decoded("dtstart") == _wita(33, 9)
    assert str(event["uid"]) == f"booking-{booking.pk}@plut-kumkm"


def test_a_cancellation_sends_a_cancelling_invite(client, desk, django_capture_on_commit_callbacks):
    booking = _book(client, desk, django_capture_on_commit_callbacks, slot=_wita(32, 10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("booking:manage", args=[manage_token(booking)]),
            {"action": "cancel", "reason": "Ada keperluan keluarga"},
        )
    (message,) = mail.outbox
    assert message.subject.startswith("Konsultasi Anda dibatalkan")
    assert "Dibatalkan oleh pelaku usaha: Ada keperluan keluarga" in message.body
    calendar = _ics(message)
    assert calendar["method"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["status"] == "CANCELLED"


def test_a_refused_change_sends_nothing(client, desk, django_capture_on_commit_callbacks):
    booking = _book(client, desk, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    # 08:59 WITA on the day of a 10:00 booking: inside the 24-hour cut-off.
    with (
        time_machine.travel(_wita(30, 9) - datetime.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("booking:manage", args=[manage_token(booking)]), {"action": "cancel"}
        )
    assert response.status_code == 403
    assert mail.outbox == []
