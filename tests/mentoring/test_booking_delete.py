"""Deleting a booking that was never real (spam, a test): the manager's alone, tells nobody,
withdraws what was about to be sent, and is refused for a booking that became a session."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Booking, BookingStatus
from mentoring.services.booking_actions import BOOKING_DELETED
from plut.foundation.core.history import history_for
from plut.foundation.messaging.models import Channel, Message, MessageStatus, about_key
from tests.factories import calendar
from tests.factories.mentoring import BookingFactory

pytestmark = pytest.mark.django_db

REASON = "Pemesanan uji coba."
PROVINCE_PAGE = "/dashboard/province/18/"
BOOKING_PAGE_QUERIES = 5


def _url(booking: Booking) -> str:
    return reverse("mentoring:booking_delete", args=[booking.pk])


def _message(key: str, booking: Booking, status: str = MessageStatus.PENDING) -> Message:
    return Message.objects.create(
        key=key,
        kind="booking-received",
        channel=Channel.EMAIL,
        recipient="spam@example.com",
        body="Pemesanan diterima",
        status=status,
        about=about_key(booking),
    )


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def manager(client, world):
    client.force_login(world.a.manager)
    return client


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.REQUESTED,
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.NO_SHOW,
    ],
)
def test_a_booking_in_any_state_but_completed_is_deleted(manager, world, status):
    Booking.objects.filter(pk=world.a.booking.pk).update(status=status)
    response = manager.post(_url(world.a.booking), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:inbox")
    assert not Booking.objects.filter(pk=world.a.booking.pk).exists()
    assert _said(response) == [f"Pemesanan {world.a.booking.business_name} dihapus."]


def test_a_booking_that_became_a_session_is_refused(manager, world):
    booking = BookingFactory(
        enterprise=world.a.enterprise,
        consultant=world.a.consultant,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        ends_at=timezone.now() - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
        status=BookingStatus.COMPLETED,
        session=world.a.session,
    )
    page = manager.get(_url(booking)).content.decode()
    assert "sudah menjadi sesi" in page and 'name="reason"' not in page
    response = manager.post(_url(booking), {"reason": REASON})
    assert response.status_code == 200
    assert "sudah menjadi sesi" in response.content.decode()
    assert Booking.objects.filter(pk=booking.pk).exists()
    # Deleting the session first reopens it; then it may go.
    manager.post(
        reverse("mentoring:session_delete", args=[world.a.session.pk]), {"reason": "Keliru"}
    )
    assert manager.post(_url(booking), {"reason": REASON}).status_code == 302
    assert not Booking.objects.filter(pk=booking.pk).exists()


def test_the_owner_is_not_told_and_unsent_messages_are_withdrawn(manager, world):
    booking = world.a.booking
    _message("booking:spam:received", booking)
    _message("booking:spam:reminder", booking, MessageStatus.QUEUED)
    sent = _message("booking:spam:sent", booking, MessageStatus.SENT)
    before = set(Message.objects.exclude(about=about_key(booking)).values_list("pk", flat=True))

    response = manager.post(_url(booking), {"reason": REASON})

    assert _said(response)[-1].endswith("2 pesan yang belum terkirim ditarik.")
    remaining = set(Message.objects.values_list("pk", flat=True))
    assert remaining == before | {sent.pk}  # nothing new queued: nobody is told
    sent.refresh_from_db()
    assert sent.about == about_key(booking)  # what was sent stays, naming the booking


def test_the_confirmation_page_lists_what_will_be_withdrawn(
    manager, world, django_assert_num_queries
):
    for n in range(5):
        _message(f"booking:spam:{n}", world.a.booking)
    with django_assert_num_queries(BOOKING_PAGE_QUERIES):
        page = manager.get(_url(world.a.booking))
    body = page.content.decode()
    assert "5 pesan yang belum terkirim ditarik" in body
    assert "Pelaku usaha tidak diberi tahu" in body


def test_the_audit_log_and_the_enterprise_history_keep_it(manager, world):
    booking = world.a.booking
    manager.post(_url(booking), {"reason": REASON})
    entry = LogEntry.objects.get(
        content_type__model="booking", object_pk=str(booking.pk), action=LogEntry.Action.DELETE
    )
    assert entry.actor == world.a.manager
    assert entry.additional_data["reason"] == REASON
    assert entry.changes_dict["status"][0] == BookingStatus.REQUESTED
    note = history_for(world.a.enterprise)[0]
    assert {change.field for change in note.changes} == {BOOKING_DELETED, "Alasan penghapusan"}
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE).count() == 1


def test_the_dashboard_bookings_figure_drops(client, world):
    # Mid last month: inside the default twelve months at any instant (the fixture's booking,
    # two days ahead, falls in next month at a month's end).
    starts_at = calendar.mid_last_month(world.a.centre)
    booking = BookingFactory(
        enterprise=world.a.enterprise,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )
    client.force_login(world.a.officer)

    def bookings() -> int:
        cards = client.get(PROVINCE_PAGE).context["data"]["kpis"]["cards"]
        return next(c for c in cards if c["key"] == "bookings")["current"]

    before = bookings()
    client.force_login(world.a.manager)
    client.post(_url(booking), {"reason": REASON})
    client.force_login(world.a.officer)
    assert bookings() == before - 1


def test_a_second_post_says_who_deleted_it(manager, world):
    url = _url(world.a.booking)
    manager.post(url, {"reason": REASON})
    again = manager.post(url, {"reason": REASON})
    assert again.status_code == 302 and again["Location"] == reverse("mentoring:inbox")
    assert "sudah dihapus oleh" in _said(again)[-1]


def test_a_booking_changed_meanwhile_is_shown_again(manager, world):
    booking = world.a.booking
    seen = manager.get(_url(booking)).context["form"]["seen"].value()
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED, updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    response = manager.post(_url(booking), {"reason": REASON, "seen": seen})
    assert response.status_code == 200
    assert "baru saja diubah oleh pengguna lain" in response.content.decode()
    assert Booking.objects.filter(pk=booking.pk).exists()
