"""Writes for mentoring sessions."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clinics.models import Centre
from cooperatives.models import Cooperative
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    SessionEnterprise,
)
from mentoring.surveys import surveys_send
from plut.accounts.models import Role, User


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
        follow_up = FollowUp(session=session, assignee=session.consultant, **values)
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
