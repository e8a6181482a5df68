"""Writes for outcomes: what changed in an enterprise after mentoring, as staff record it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperatives.models import Enterprise
from mentoring.models import MentoringSession, Outcome, OutcomeSource, SessionEnterprise
from plut.accounts.models import CENTRE_ROLES, Role, User


def outcome_can_record(*, user: User, enterprise: Enterprise) -> bool:
    """National admins, and the managers and consultants of the enterprise's own centre.

    A provincial officer watches the centres and may read the profile, but the figures are the
    centre's to record.
    """
    if user.is_superuser or user.role == Role.NATIONAL:
        return True
    if user.role not in CENTRE_ROLES or enterprise.centre_id is None:
        return False
    membership = getattr(user, "staff_membership", None)
    return membership is not None and membership.centre_id == enterprise.centre_id


@transaction.atomic
def outcome_record(
    *,
    enterprise: Enterprise,
    reported_by: User,
    data: dict[str, Any],
    sessions: Iterable[MentoringSession],
) -> Outcome:
    """Save an outcome recorded by staff, linked to the sessions that led to it."""
    sessions = list(sessions)
    wanted = {session.pk for session in sessions}
    if wanted:
        linked = set(
            SessionEnterprise.objects.filter(
                enterprise=enterprise, session_id__in=wanted
            ).values_list("session_id", flat=True)
        )
        if linked != wanted:
            raise ValidationError(
                {"sessions": _("Hanya sesi yang diikuti UMKM ini yang dapat dipilih.")}
            )
    outcome = Outcome(
        enterprise=enterprise, reported_by=reported_by, source=OutcomeSource.STAFF, **data
    )
    outcome.full_clean()
    outcome.save()
    outcome.sessions.set(sessions)
    return outcome
