"""What the centre's staff do with a booking: confirm, assign, decline, cancel, mark a no-show.

Every change is one conditional UPDATE on the booking *as the member of staff saw it* (its
status and consultant): a double click, or two colleagues acting at once, change it once and
the second gets a clear "already changed" error instead of silently overwriting the first.
The statuses come from ``BOOKING_TRANSITIONS``, so the lifecycle stays in one table.

An UPDATE bypasses django-auditlog's signals, so each change writes its own audit entry (who,
what: old → new) for the booking's history. The owner hears of it through
``booking_notify_later``, which queues the message for after the commit.

"Held" is no action here: logging the session (``mentoring:session_create?booking=<pk>``)
completes the booking in the same transaction as the session, and deleting that session
(``booking_reopen``) takes it back. Deleting a booking (spam, a test) is the manager's alone,
and tells nobody (``booking_delete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import StaffMembership
from mentoring.models import ACTIVE_BOOKING_STATUSES, BOOKING_TRANSITIONS, Booking, BookingStatus
from mentoring.services.deletion import (
    delete_unlogged,
    deletion_log,
    deletion_note,
    locked_as_seen,
    messages_unsent,
    messages_withdraw,
    reason_clean,
)
from mentoring.services.notifications import BookingNotice, booking_notify_later
from mentoring.services.overlaps import Overlaps, overlap_checked
from plut.foundation.accounts.models import CENTRE_ROLES, Role, User
from plut.foundation.core.tables import moment

CONFIRM, ASSIGN, DECLINE, CANCEL, NO_SHOW = "confirm", "assign", "decline", "cancel", "no_show"
ACTIONS = (CONFIRM, ASSIGN, DECLINE, CANCEL, NO_SHOW)


def booking_can(
    *, user: User, booking: Booking, action: str, consultant: User | None = None
) -> bool:
    """May ``user`` take ``action`` on ``booking``? (Who, not whether the status allows it.)

    The centre's manager does everything; a consultant of the centre confirms, declines,
    cancels and marks no-shows on their own bookings, and takes an unassigned one (left from
    before every booking had a consultant: mentoring migration 0015) for themselves. Everyone else
    only reads. No query beyond the user's membership, which the scope has already loaded, so a list
    can ask for every row.
    """
    if user.role not in CENTRE_ROLES or not user.is_active:
        return False
    membership = getattr(user, "staff_membership", None)
    if membership is None or membership.centre_id != booking.centre_id:
        return False
    if user.role == Role.MANAGER:
        return True
    if action == ASSIGN:
        return booking.consultant_id is None and (consultant is None or consultant.pk == user.pk)
    return booking.consultant_id is not None and booking.consultant_id == user.pk


def _require(by: User, booking: Booking, action: str, consultant: User | None = None) -> None:
    if not booking_can(user=by, booking=booking, action=action, consultant=consultant):
        raise PermissionDenied


def _sources(target: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The statuses in ``wanted`` that the lifecycle table lets become ``target``."""
    return tuple(status for status in wanted if target in BOOKING_TRANSITIONS[status])


def _changed_meanwhile(booking: Booking) -> ValidationError:
    current = Booking.objects.filter(pk=booking.pk).only("status").first()
    status = BookingStatus(current.status).label if current else _("dihapus")
    return ValidationError(
        _(
            "Pemesanan ini baru saja diubah oleh staf lain (sekarang: %(status)s). "
            "Periksa lagi sebelum melanjutkan."
        )
        % {"status": status},
        code="stale",
    )


def _audit(booking: Booking, by: User, changes: dict[str, list[Any]]) -> None:
    # The same shape as auditlog's own entries (text values, "None" for empty), so the
    # history page reads them like any other change.
    LogEntry.objects.log_create(
        booking,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=by,
        changes={
            field: ["None" if value is None else str(value) for value in values]
            for field, values in changes.items()
        },
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"status_reason": _("Tuliskan alasannya; pelaku usaha akan membacanya.")},
            code="required",
        )
    return reason


def _transition(
    *,
    booking: Booking,
    by: User,
    action: str,
    target: str,
    wanted: tuple[str, ...],
    refused: str,
    notice: BookingNotice | None,
    reason: str = "",
) -> Booking:
    """Move ``booking`` from the status its actor saw to ``target``, once."""
    _require(by, booking, action)
    if booking.status not in _sources(target, wanted):
        raise ValidationError(refused, code="status")
    seen_status = booking.status
    with transaction.atomic():
        changed = Booking.objects.filter(
            pk=booking.pk, status=seen_status, consultant_id=booking.consultant_id
        ).update(
            status=target,
            status_reason=reason,
            updated_at=timezone.now(),
            calendar_sequence=F("calendar_sequence") + 1,
        )
        if changed != 1:
            raise _changed_meanwhile(booking)
        changes: dict[str, list[Any]] = {"status": [seen_status, target]}
        if reason != booking.status_reason:
            changes["status_reason"] = [booking.status_reason, reason]
        _audit(booking, by, changes)
        booking.refresh_from_db()
        if notice is not None:
            booking_notify_later(booking, notice)
    return booking


def booking_confirm(*, booking: Booking, by: User) -> Booking:
    """A requested booking becomes confirmed; it must have a consultant by then."""
    _require(by, booking, CONFIRM)
    if booking.status == BookingStatus.REQUESTED and booking.consultant_id is None:
        raise ValidationError(_("Tetapkan konsultan dulu."), code="no_consultant")
    return _transition(
        booking=booking,
        by=by,
        action=CONFIRM,
        target=BookingStatus.CONFIRMED,
        wanted=(BookingStatus.REQUESTED,),
        refused=_("Hanya pemesanan yang masih diajukan yang dapat dikonfirmasi."),
        notice=BookingNotice.CONFIRMED,
    )


def booking_decline(*, booking: Booking, reason: str, by: User) -> Booking:
    """A request the centre cannot serve: cancelled, with the reason the owner will read."""
    _require(by, booking, DECLINE)
    reason = _reason(reason)
    return _transition(
        booking=booking,
        by=by,
        action=DECLINE,
        target=BookingStatus.CANCELLED,
        wanted=(BookingStatus.REQUESTED,),
        refused=_("Hanya pemesanan yang masih diajukan yang dapat ditolak."),
        notice=BookingNotice.DECLINED,
        reason=reason,
    )


def booking_cancel_by_staff(*, booking: Booking, reason: str, by: User) -> Booking:
    """The centre calls off a requested or confirmed booking, with the reason."""
    _require(by, booking, CANCEL)
    reason = _reason(reason)
    return _transition(
        booking=booking,
        by=by,
        action=CANCEL,
        target=BookingStatus.CANCELLED,
        wanted=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        refused=_("Pemesanan ini sudah tidak aktif."),
        notice=BookingNotice.CANCELLED,
        reason=reason,
    )


def booking_no_show(*, booking: Booking, by: User) -> Booking:
    """The owner did not come to a confirmed booking; only once it has started."""
    _require(by, booking, NO_SHOW)
    if booking.starts_at > timezone.now():
        raise ValidationError(
            _("Tandai tidak hadir hanya setelah waktu konsultasi dimulai."), code="too_early"
        )
    return _transition(
        booking=booking,
        by=by,
        action=NO_SHOW,
        target=BookingStatus.NO_SHOW,
        wanted=(BookingStatus.CONFIRMED,),
        refused=_("Hanya pemesanan yang sudah dikonfirmasi yang dapat ditandai tidak hadir."),
        notice=None,
    )


def _is_consultant_of(consultant: User, centre_id: int) -> bool:
    return StaffMembership.objects.filter(
        user=consultant,
        centre_id=centre_id,
        user__is_active=True,
        user__role=Role.CONSULTANT,
    ).exists()


def _busy(consultant: User, booking: Booking) -> bool:
    """Does ``consultant`` hold another active booking overlapping what this one holds
    (its time and the buffer after it, like the exclusion constraint)?"""
    return (
        Booking.objects.filter(
            consultant=consultant,
            status__in=ACTIVE_BOOKING_STATUSES,
            starts_at__lt=booking.held_until,
            held_until__gt=booking.starts_at,
        )
        .exclude(pk=booking.pk)
        .exists()
    )


def booking_assign(*, booking: Booking, consultant: User, by: User) -> Booking:
    """Give an active booking to ``consultant`` (or hand it to another); the status stays.

    The owner is not told: their time did not change. No consultant ever holds two
    overlapping active bookings: PostgreSQL's exclusion constraint refuses the UPDATE (however
    many requests race); on SQLite, whose write transactions run one at a time, the check
    below cannot interleave with another write.
    """
    _require(by, booking, ASSIGN, consultant)
    if booking.status not in ACTIVE_BOOKING_STATUSES:
        raise ValidationError(_("Pemesanan ini sudah tidak aktif."), code="status")
    if booking.consultant_id == consultant.pk:
        return booking
    busy = ValidationError(
        _("Konsultan ini sudah punya jadwal pada waktu itu."), code="consultant_busy"
    )
    with transaction.atomic():
        if not _is_consultant_of(consultant, booking.centre_id):
            raise ValidationError(
                {"consultant": _("Pilih konsultan aktif dari PLUT pemesanan ini.")},
                code="not_a_consultant",
            )
        if connection.vendor != "postgresql" and _busy(consultant, booking):
            raise busy
        try:
            with overlap_checked():
                changed = Booking.objects.filter(
                    pk=booking.pk, status=booking.status, consultant_id=booking.consultant_id
                ).update(consultant=consultant, updated_at=timezone.now())
        except Overlaps:
            raise busy from None
        if changed != 1:
            raise _changed_meanwhile(booking)
        _audit(booking, by, {"consultant": [booking.consultant_id, consultant.pk]})
        booking.refresh_from_db()
    return booking


def booking_reopen(*, booking: Booking, by: User, consultant: User) -> Booking:
    """The session that completed ``booking`` is being deleted: the booking goes back to
    confirmed, where logging found it (a request was confirmed on the way), held again by its
    consultant (``consultant``, the session's, if it had none), so staff log the right
    session or, once its time has passed, mark a no-show. The owner is not told.

    Call inside the transaction deleting the session. Not a step of ``BOOKING_TRANSITIONS``:
    it takes back the one that logging made. Refused when the consultant's time has meanwhile
    been booked by someone else (the exclusion constraint on PostgreSQL; checked here on
    SQLite, whose writes run one at a time).
    """
    held_by = booking.consultant or consultant
    busy = ValidationError(
        _(
            "Pemesanan dari sesi ini tidak dapat dibuka lagi: %(consultant)s sudah punya "
            "pemesanan lain pada waktu itu. Pindahkan atau batalkan pemesanan itu dulu."
        )
        % {"consultant": held_by.display_name},
        code="consultant_busy",
    )
    booking.consultant = held_by
    if connection.vendor != "postgresql" and _busy(held_by, booking):
        raise busy
    try:
        with overlap_checked():
            changed = Booking.objects.filter(
                pk=booking.pk, status=BookingStatus.COMPLETED, session_id=booking.session_id
            ).update(
                status=BookingStatus.CONFIRMED,
                session=None,
                consultant=held_by,
                updated_at=timezone.now(),
            )
    except Overlaps:
        raise busy from None
    if changed != 1:
        raise _changed_meanwhile(booking)
    changes: dict[str, list[Any]] = {
        "status": [BookingStatus.COMPLETED, BookingStatus.CONFIRMED],
        "session": [booking.session_id, None],
    }
    if booking.consultant_id != held_by.pk:
        changes["consultant"] = [booking.consultant_id, held_by.pk]
    _audit(booking, by, changes)
    booking.refresh_from_db()
    return booking


# --- Deleting a booking (spam, a test) ------------------------------------------------------

# The note left in the history of the booking's enterprise.
BOOKING_DELETED = "Pemesanan dihapus"


def booking_can_delete(*, user: User, booking: Booking) -> bool:
    """Only the centre's manager deletes a booking; everyone else cancels or declines it, which
    tells the owner. No query beyond the user's membership."""
    return user.role == Role.MANAGER and booking_can(user=user, booking=booking, action=CANCEL)


@dataclass(frozen=True)
class BookingDeletePlan:
    messages: list[str]  # kinds of the unsent messages about it: withdrawn

    @staticmethod
    def refusal(booking: Booking) -> str:
        """Why this booking may not be deleted at all; empty when it may."""
        if booking.session_id is not None or booking.status == BookingStatus.COMPLETED:
            return _(
                "Pemesanan ini sudah menjadi sesi. Jika sesinya keliru, hapus sesinya: "
                "pemesanannya kembali dikonfirmasi dan dapat dihapus."
            )
        return ""


def booking_delete_plan(booking: Booking) -> BookingDeletePlan:
    return BookingDeletePlan(messages=messages_unsent(booking))


def booking_delete(*, booking: Booking, by: User, reason: str, seen: str | None = None) -> int:
    """Delete a booking that should never have been one (spam, a test), in any state but
    completed, without telling the owner (cancelling does that). Its unsent messages are
    withdrawn and its consultant's time freed. Returns how many messages were withdrawn."""
    if not booking_can_delete(user=by, booking=booking):
        raise PermissionDenied
    reason = reason_clean(reason)
    with transaction.atomic():
        current = locked_as_seen(
            Booking.objects.select_related("enterprise", "centre__province"), booking.pk, seen
        )
        refusal = BookingDeletePlan.refusal(current)
        if refusal:
            raise ValidationError(refusal, code="completed")
        withdrawn = messages_withdraw(current)
        deletion_log(
            current,
            by=by,
            reason=reason,
            centre_id=current.centre_id,
            enterprise_id=current.enterprise_id,
            messages_withdrawn=withdrawn,
        )
        deletion_note(
            current.enterprise,
            by=by,
            what=BOOKING_DELETED,
            description=f"{moment(current.starts_at, current.centre.timezone)}, "
            f"{BookingStatus(current.status).label} (#{current.pk})",
            reason=reason,
        )
        delete_unlogged(current)
    return withdrawn
