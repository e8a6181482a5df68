"""Staff actions on a booking: who may take them, the lifecycle they follow, the owner's notice,
one change for a double click, and no consultant holding two bookings at once."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mentoring.models import Booking, BookingStatus
from mentoring.services.booking_actions import (
    ASSIGN,
    CANCEL,
    CONFIRM,
    DECLINE,
    NO_SHOW,
    booking_assign,
    booking_can,
    booking_cancel_by_staff,
    booking_confirm,
    booking_decline,
    booking_no_show,
)
from mentoring.services.notifications import BookingNotice
from plut.foundation.core.history import history_for
from plut.foundation.messaging.selectors import messages_about
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import BookingFactory, unassigned_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(monkeypatch):
    """The notices the actions queue, as (booking id, notice)."""
    sent: list[tuple[int, BookingNotice]] = []
    monkeypatch.setattr(
        "mentoring.services.booking_actions.booking_notify_later",
        lambda booking, notice: sent.append((booking.pk, notice)),
    )
    return sent


def _status_entries(booking: Booking) -> list[LogEntry]:
    return [
        entry
        for entry in LogEntry.objects.get_for_object(booking).filter(action=LogEntry.Action.UPDATE)
        if "status" in entry.changes_dict
    ]


@pytest.fixture
def waiting(world) -> Booking:
    """A request without a consultant, from before every booking had one (migration 0015)."""
    starts_at = timezone.now() + datetime.timedelta(days=3)  # clear of the world's booking
    return unassigned_booking(
        enterprise=world.a.enterprise,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )


def _assigned(world, status=BookingStatus.REQUESTED, **extra) -> Booking:
    # Later than the world's booking, which the same consultant holds.
    extra.setdefault("starts_at", timezone.now() + datetime.timedelta(days=5))
    extra.setdefault("ends_at", extra["starts_at"] + datetime.timedelta(hours=1))
    return BookingFactory(
        enterprise=world.a.enterprise, consultant=world.a.consultant, status=status, **extra
    )


# --- Who may act ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", [CONFIRM, ASSIGN, DECLINE, CANCEL, NO_SHOW])
def test_the_centres_manager_may_take_every_action(world, action):
    assert booking_can(user=world.a.manager, booking=world.a.booking, action=action)


@pytest.mark.parametrize("user_name", ["officer_a", "national", "owner_a", "manager_b"])
@pytest.mark.parametrize("action", [CONFIRM, ASSIGN, DECLINE, CANCEL, NO_SHOW])
def test_nobody_outside_the_centres_staff_may_act(world, user_name, action):
    assert not booking_can(user=world.user(user_name), booking=world.a.booking, action=action)


@pytest.mark.parametrize("action", [CONFIRM, DECLINE, CANCEL, NO_SHOW])
def test_a_consultant_acts_on_their_own_bookings_only(world, waiting, action):
    own = _assigned(world)
    colleague = StaffFactory(centre=world.a.centre).user
    theirs = BookingFactory(enterprise=world.a.enterprise, consultant=colleague)
    assert booking_can(user=world.a.consultant, booking=own, action=action)
    assert not booking_can(user=world.a.consultant, booking=theirs, action=action)
    assert not booking_can(user=world.a.consultant, booking=waiting, action=action)


def test_a_consultant_takes_an_unassigned_booking_for_themselves_only(world, waiting):
    colleague = StaffFactory(centre=world.a.centre).user
    me = world.a.consultant
    unassigned = waiting
    assert booking_can(user=me, booking=unassigned, action=ASSIGN, consultant=me)
    assert not booking_can(user=me, booking=unassigned, action=ASSIGN, consultant=colleague)
    taken = BookingFactory(enterprise=world.a.enterprise, consultant=colleague)
    assert not booking_can(user=me, booking=taken, action=ASSIGN, consultant=me)


def test_the_services_refuse_whoever_may_not_act(world, notices):
    with pytest.raises(PermissionDenied):
        booking_confirm(booking=_assigned(world), by=world.a.officer)
    colleague = StaffFactory(centre=world.a.centre).user
    with pytest.raises(PermissionDenied):
        booking_assign(booking=world.a.booking, consultant=colleague, by=world.a.consultant)
    assert notices == []


# --- Confirm --------------------------------------------------------------------------------


def test_confirm_needs_a_consultant_first(world, waiting, notices):
    with pytest.raises(ValidationError) as error:
        booking_confirm(booking=waiting, by=world.a.manager)
    assert "Tetapkan konsultan dulu" in error.value.messages[0]
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.REQUESTED
    assert notices == []


def test_assign_then_confirm_tells_the_owner_once(world, waiting, notices):
    booking = waiting
    colleague = StaffFactory(centre=world.a.centre).user
    booking_assign(booking=booking, consultant=colleague, by=world.a.manager)
    assert booking.consultant == colleague
    assert booking.status == BookingStatus.REQUESTED
    assert notices == []  # the owner's time did not change
    booking_confirm(booking=booking, by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert notices == [(booking.pk, BookingNotice.CONFIRMED)]


def test_a_double_confirm_changes_the_booking_once(world, notices):
    booking = _assigned(world)
    first, second = Booking.objects.get(pk=booking.pk), Booking.objects.get(pk=booking.pk)
    booking_confirm(booking=first, by=world.a.manager)
    with pytest.raises(ValidationError) as error:
        booking_confirm(booking=second, by=world.a.consultant)
    assert "baru saja diubah" in error.value.messages[0]
    assert notices == [(booking.pk, BookingNotice.CONFIRMED)]
    assert len(_status_entries(booking)) == 1
    # And the same instance again, as a double click reloading it would see it.
    with pytest.raises(ValidationError):
        booking_confirm(booking=first, by=world.a.manager)
    assert len(notices) == 1


def test_confirm_queues_the_notice_after_the_commit(world, django_capture_on_commit_callbacks):

    booking = _assigned(world, contact_email="pemilik@contoh.id")
    with (
        mock.patch("plut.foundation.messaging.tasks.message_send.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking_confirm(booking=booking, by=world.a.manager)
        publish.assert_not_called()  # nothing leaves before the commit
    # Other writers add on-commit callbacks of their own (the dashboards' data version), so
    # only the message's publication is counted.
    message = messages_about(booking).get()
    assert message.kind == "booking-confirmed"
    publish.assert_called_once()
    assert publish.call_args.args[0] == (message.pk,)


def test_the_history_shows_who_changed_the_status(world, notices):
    booking = _assigned(world)
    booking_confirm(booking=booking, by=world.a.manager)
    entry = history_for(booking)[0]
    assert entry.actor == world.a.manager
    assert any(
        change.old == "Diajukan" and change.new == "Dikonfirmasi" for change in entry.changes
    )


# --- Decline and cancel ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_decline_needs_a_reason(world, notices, reason):
    with pytest.raises(ValidationError) as error:
        booking_decline(booking=world.a.booking, reason=reason, by=world.a.manager)
    assert "status_reason" in error.value.message_dict
    assert Booking.objects.get(pk=world.a.booking.pk).status == BookingStatus.REQUESTED
    assert notices == []


def test_decline_cancels_the_request_with_its_reason(world, notices):
    booking = world.a.booking
    booking_decline(booking=booking, reason=" Bidang ini sedang penuh. ", by=world.a.manager)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.status_reason == "Bidang ini sedang penuh."
    assert notices == [(booking.pk, BookingNotice.DECLINED)]


def test_a_confirmed_booking_is_cancelled_not_declined(world, notices):
    booking = _assigned(world, status=BookingStatus.CONFIRMED)
    with pytest.raises(ValidationError):
        booking_decline(booking=booking, reason="Penuh", by=world.a.manager)
    booking_cancel_by_staff(booking=booking, reason="Konsultan sakit", by=world.a.consultant)
    booking.refresh_from_db()
    assert (booking.status, booking.status_reason) == (BookingStatus.CANCELLED, "Konsultan sakit")
    assert notices == [(booking.pk, BookingNotice.CANCELLED)]


def test_cancel_needs_a_reason(world, notices):
    booking = _assigned(world, status=BookingStatus.CONFIRMED)
    with pytest.raises(ValidationError):
        booking_cancel_by_staff(booking=booking, reason="", by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    "status", [BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW]
)
def test_a_closed_booking_cannot_be_cancelled(world, notices, status):
    booking = _assigned(world, status=status)
    with pytest.raises(ValidationError):
        booking_cancel_by_staff(booking=booking, reason="Salah", by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).status == status
    assert notices == []


# --- No-show --------------------------------------------------------------------------------


def test_no_show_only_after_the_start(world, notices):
    starts = timezone.now() + datetime.timedelta(hours=3)
    booking = _assigned(world, status=BookingStatus.CONFIRMED, starts_at=starts)
    with pytest.raises(ValidationError) as error:
        booking_no_show(booking=booking, by=world.a.manager)
    assert "setelah waktu konsultasi dimulai" in error.value.messages[0]
    with time_machine.travel(starts + datetime.timedelta(minutes=20)):
        booking_no_show(booking=booking, by=world.a.consultant)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.NO_SHOW
    assert notices == []


def test_no_show_needs_a_confirmed_booking(world, notices):
    booking = _assigned(world, starts_at=timezone.now() - datetime.timedelta(hours=2))
    with pytest.raises(ValidationError):
        booking_no_show(booking=booking, by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED


# --- Assign ---------------------------------------------------------------------------------


def test_assign_refuses_a_consultant_of_another_centre(world, notices):
    with pytest.raises(ValidationError) as error:
        booking_assign(booking=world.a.booking, consultant=world.b.consultant, by=world.a.manager)
    assert "consultant" in error.value.message_dict
    assert Booking.objects.get(pk=world.a.booking.pk).consultant == world.a.booking.consultant


def test_assign_refuses_a_manager_or_an_inactive_consultant(world, notices):
    with pytest.raises(ValidationError):
        booking_assign(booking=world.a.booking, consultant=world.a.manager, by=world.a.manager)
    gone = StaffFactory(centre=world.a.centre, user__is_active=False).user
    with pytest.raises(ValidationError):
        booking_assign(booking=world.a.booking, consultant=gone, by=world.a.manager)


@pytest.mark.parametrize(
    "later", [datetime.timedelta(minutes=30), datetime.timedelta(hours=1)], ids=["overlap", "gap"]
)
def test_assign_refuses_a_consultant_busy_at_that_time_or_within_the_buffer(
    world, notices, is_postgres, later
):
    # On PostgreSQL the exclusion constraint refuses it; on SQLite the service's own check.
    # The buffer: back to back, the later booking starts inside the earlier one's buffer.
    world.a.centre.buffer_minutes = 15
    world.a.centre.save()
    booking = world.a.booking
    busy = StaffFactory(centre=world.a.centre).user
    BookingFactory(
        enterprise=world.a.enterprise,
        consultant=busy,
        status=BookingStatus.CONFIRMED,
        starts_at=booking.starts_at + later,
        ends_at=booking.ends_at + later,
    )
    with pytest.raises(ValidationError) as error:
        booking_assign(booking=booking, consultant=busy, by=world.a.manager)
    assert "sudah punya jadwal pada waktu itu" in error.value.messages[0]
    assert Booking.objects.get(pk=booking.pk).consultant == booking.consultant
    # The transaction is still usable after the refusal (a savepoint caught it).
    colleague = StaffFactory(centre=world.a.centre).user
    booking_assign(booking=booking, consultant=colleague, by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).consultant == colleague


def test_assign_allows_a_booking_after_the_buffer_and_ignores_closed_bookings(world, notices):
    booking = world.a.booking
    free = StaffFactory(centre=world.a.centre).user
    BookingFactory(
        enterprise=world.a.enterprise,
        consultant=free,
        status=BookingStatus.CONFIRMED,
        starts_at=booking.held_until,
        ends_at=booking.held_until + datetime.timedelta(hours=1),
    )
    BookingFactory(
        enterprise=world.a.enterprise,
        consultant=free,
        status=BookingStatus.CANCELLED,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
    booking_assign(booking=booking, consultant=free, by=world.a.manager)
    assert Booking.objects.get(pk=booking.pk).consultant == free


def test_reassigning_a_confirmed_booking_keeps_it_confirmed_and_quiet(world, notices):
    booking = _assigned(world, status=BookingStatus.CONFIRMED)
    colleague = StaffFactory(centre=world.a.centre).user
    booking_assign(booking=booking, consultant=colleague, by=world.a.manager)
    booking.refresh_from_db()
    assert (booking.consultant, booking.status) == (colleague, BookingStatus.CONFIRMED)
    assert notices == []
    entry = history_for(booking)[0]
    assert entry.actor == world.a.manager
    assert [(c.old, c.new) for c in entry.changes] == [
        (world.a.consultant.display_name, colleague.display_name)
    ]


def test_two_consultants_taking_the_same_booking_get_it_once(world, waiting, notices):
    colleague = StaffFactory(centre=world.a.centre).user
    mine = Booking.objects.get(pk=waiting.pk)
    theirs = Booking.objects.get(pk=waiting.pk)
    booking_assign(booking=mine, consultant=world.a.consultant, by=world.a.consultant)
    with pytest.raises(ValidationError):
        booking_assign(booking=theirs, consultant=colleague, by=colleague)
    assert Booking.objects.get(pk=waiting.pk).consultant == world.a.consultant


def test_a_closed_booking_is_not_assigned(world, notices):
    booking = BookingFactory(enterprise=world.a.enterprise, status=BookingStatus.CANCELLED)
    with pytest.raises(ValidationError):
        booking_assign(booking=booking, consultant=world.a.consultant, by=world.a.manager)
