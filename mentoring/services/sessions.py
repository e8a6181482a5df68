"""Writes for mentoring sessions: logging, editing, and deleting one logged by mistake."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from clinics.centre_cache import centres_by_id
from clinics.models import Centre
from cooperatives.models import Cooperative
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    Outcome,
    SatisfactionSurvey,
    SessionEnterprise,
)
from mentoring.services.booking_actions import booking_reopen
from mentoring.services.deletion import (
    centre_manager,
    delete_unlogged,
    deletion_log,
    deletion_note,
    locked_as_seen,
    messages_unsent,
    messages_withdraw,
    own_recent,
    reason_clean,
)
from mentoring.services.surveys import surveys_send
from plut.foundation.accounts.models import Role, User
from plut.foundation.core.tables import moment


def session_can_edit(*, user: User, session: MentoringSession) -> bool:
    """A consultant edits their own sessions; a manager edits every session of the centre."""
    membership = getattr(user, "staff_membership", None)
    if membership is None or membership.centre_id != session.centre_id:
        return False
    return user.role == Role.MANAGER or user.pk in (session.consultant_id, session.created_by_id)


def _attach(
    session: MentoringSession, attendance: dict[int, bool], cooperatives: list[Cooperative]
) -> None:
    SessionEnterprise.objects.filter(session=session).exclude(enterprise_id__in=attendance).delete()
    existing = dict(
        SessionEnterprise.objects.filter(session=session).values_list("enterprise_id", "pk")
    )
    for enterprise_id, attended in attendance.items():
        if enterprise_id in existing:
            SessionEnterprise.objects.filter(pk=existing[enterprise_id]).update(attended=attended)
        else:
            SessionEnterprise.objects.create(
                session=session, enterprise_id=enterprise_id, attended=attended
            )
    session.cooperatives.set(cooperatives)


def _follow_ups_add(session: MentoringSession, actions: list[dict[str, Any]]) -> None:
    for values in actions:
        follow_up = FollowUp(
            session=session, centre_id=session.centre_id, assignee=session.consultant, **values
        )
        follow_up.full_clean()
        follow_up.save()


def _booking_complete(booking: Booking, session: MentoringSession) -> None:
    # Logging the session means the booking was held: a request is confirmed on the way.
    held = Booking.objects.filter(
        pk=booking.pk,
        status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED],
        session__isnull=True,
    ).update(status=BookingStatus.COMPLETED, session=session)
    if held != 1:
        raise ValidationError(_("Pemesanan ini sudah selesai atau dibatalkan."))


def session_log(
    *,
    centre: Centre,
    consultant: User,
    values: dict[str, Any],
    attendance: dict[int, bool],
    cooperatives: list[Cooperative],
    follow_ups: list[dict[str, Any]],
    submission_key: uuid.UUID,
    booking: Booking | None = None,
) -> tuple[MentoringSession, bool]:
    """Save a session with its clients and follow-ups, all or nothing.

    Returns (session, created). The same ``submission_key`` twice returns the session saved
    the first time, so a double submit or a re-synced offline draft never makes two.
    """
    already = MentoringSession.objects.filter(submission_key=submission_key).first()
    if already is not None:
        return already, False
    try:
        with transaction.atomic():
            session = MentoringSession(
                centre=centre,
                consultant=consultant,
                created_by=consultant,
                submission_key=submission_key,
                **values,
            )
            session.full_clean(validate_unique=False)
            session.save()
            _attach(session, attendance, cooperatives)
            _follow_ups_add(session, follow_ups)
            if booking is not None:
                _booking_complete(booking, session)
            # The owners are asked how it went (once each, through the outbox).
            surveys_send(session=session)
    except IntegrityError:
        # Two submits raced; the other one saved the session.
        already = MentoringSession.objects.filter(submission_key=submission_key).first()
        if already is None:
            raise
        return already, False
    return session, True


@transaction.atomic
def session_update(
    *,
    session: MentoringSession,
    values: dict[str, Any],
    attendance: dict[int, bool],
    cooperatives: list[Cooperative],
    follow_ups: list[dict[str, Any]],
) -> MentoringSession:
    for name, value in values.items():
        setattr(session, name, value)
    session.full_clean(validate_unique=False)
    session.save()
    _attach(session, attendance, cooperatives)
    _follow_ups_add(session, follow_ups)
    return session


# --- Deleting a session logged by mistake ---------------------------------------------------

# The note left in the history of each client of the session.
SESSION_DELETED = "Sesi pendampingan dihapus"


def session_can_delete(*, user: User, session: MentoringSession) -> bool:
    """The centre's manager, any session of the centre; the consultant who led or logged it,
    within ``MISTAKE_WINDOW`` of logging it. (Whether its state allows it: ``session_delete``.)
    No query beyond the user's membership."""
    return own_recent(
        user,
        session.centre_id,
        (session.consultant_id, session.created_by_id),
        session.created_at,
    )


@dataclass(frozen=True)
class SessionDeletePlan:
    """What deleting a session does to what depends on it, for the page that confirms it."""

    clients: list[SessionEnterprise]  # attendance rows: deleted
    follow_ups: list[FollowUp]  # deleted with it (actions of a session that did not happen)
    booking: Booking | None  # completed by it: back to confirmed
    surveys_answered: int  # the owners' ratings: deleted; only a manager may
    surveys_unanswered: int
    outcomes: int  # outcomes citing it: they stay, without the link
    messages: list[str]  # kinds of the unsent messages about it: withdrawn

    @property
    def needs_manager(self) -> bool:
        return self.surveys_answered > 0


def session_delete_plan(session: MentoringSession) -> SessionDeletePlan:
    surveys = SatisfactionSurvey.objects.filter(session=session).aggregate(
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
    )
    return SessionDeletePlan(
        clients=list(
            SessionEnterprise.objects.filter(session=session)
            .select_related("enterprise")
            .order_by("enterprise__name", "pk")
        ),
        follow_ups=list(
            FollowUp.objects.filter(session=session).select_related("assignee").order_by("pk")
        ),
        booking=Booking.objects.filter(session=session).select_related("consultant").first(),
        surveys_answered=surveys["answered"],
        surveys_unanswered=surveys["unanswered"],
        outcomes=Outcome.sessions.through.objects.filter(mentoringsession=session).count(),
        messages=messages_unsent(session),
    )


def session_delete(
    *, session: MentoringSession, by: User, reason: str, seen: str | None = None
) -> SessionDeletePlan:
    """Delete a session logged by mistake, with what only existed because of it, at once.

    - its attendance rows, follow-ups and surveys go (surveys the owners answered only by the
      manager's hand: their ratings count in the centre's satisfaction figure);
    - a booking it completed goes back to confirmed, the state logging found it in: "completed"
      means a session was logged, and from there staff log the right session or, once its
      time has passed, mark a no-show. The owner is not told: their appointment did not change;
    - outcomes citing it stay (they are changes in the enterprise), without the link;
    - unsent messages about it (a survey) are withdrawn; sent ones keep no link to it.

    Returns what was done. Every deleted record has its audit entry, each client's history a
    note; the search text triggers touch only the session being deleted.
    """
    if not session_can_delete(user=by, session=session):
        raise PermissionDenied
    reason = reason_clean(reason)
    with transaction.atomic():
        current = locked_as_seen(MentoringSession.objects.all(), session.pk, seen)
        plan = session_delete_plan(current)
        if plan.needs_manager and not centre_manager(by, current.centre_id):
            raise ValidationError(
                _(
                    "Pelaku usaha sudah menilai sesi ini. Hanya manajer PLUT yang dapat "
                    "menghapusnya."
                ),
                code="answered",
            )
        if plan.booking is not None:
            booking_reopen(booking=plan.booking, by=by, consultant=current.consultant)
        withdrawn = messages_withdraw(current)
        deletion_log(
            current,
            by=by,
            reason=reason,
            centre_id=current.centre_id,
            enterprises=[link.enterprise_id for link in plan.clients],
            follow_ups=[follow_up.pk for follow_up in plan.follow_ups],
            booking=plan.booking.pk if plan.booking else None,
            surveys_answered=plan.surveys_answered,
            surveys_unanswered=plan.surveys_unanswered,
            messages_withdrawn=withdrawn,
        )
        for follow_up in plan.follow_ups:
            deletion_log(
                follow_up,
                by=by,
                reason=reason,
                centre_id=current.centre_id,
                session=current.pk,
            )
        zone = centres_by_id([current.centre_id])[current.centre_id].timezone
        description = f"{current.topic}, {moment(current.starts_at, zone)} (#{current.pk})"
        for link in plan.clients:
            deletion_note(
                link.enterprise,
                by=by,
                what=SESSION_DELETED,
                description=description,
                reason=reason,
            )
        delete_unlogged(current)
    return plan
