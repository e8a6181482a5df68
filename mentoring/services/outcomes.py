"""Writes for outcomes: what changed in an enterprise after mentoring, as staff record it and
correct it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperatives.models import Enterprise
from mentoring.models import (
    MentoringSession,
    Outcome,
    OutcomeCheckIn,
    OutcomeSource,
    SessionEnterprise,
)
from mentoring.services.deletion import (
    delete_unlogged,
    deletion_log,
    deletion_note,
    locked_as_seen,
    own_recent,
    reason_clean,
)
from plut.foundation.accounts.models import CENTRE_ROLES, Role, User
from plut.foundation.core.templatetags.plut import rupiah

# The note left in the enterprise's history.
OUTCOME_DELETED = "Hasil pendampingan dihapus"


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
    outcome = Outcome(
        enterprise=enterprise, reported_by=reported_by, source=OutcomeSource.STAFF, **data
    )
    return _outcome_save(outcome, sessions)


def _outcome_save(outcome: Outcome, sessions: Iterable[MentoringSession]) -> Outcome:
    """The checks and the writes recording and correcting share."""
    sessions = list(sessions)
    wanted = {session.pk for session in sessions}
    if wanted:
        linked = set(
            SessionEnterprise.objects.filter(
                enterprise_id=outcome.enterprise_id, session_id__in=wanted
            ).values_list("session_id", flat=True)
        )
        if linked != wanted:
            raise ValidationError(
                {"sessions": _("Hanya sesi yang diikuti UMKM ini yang dapat dipilih.")}
            )
    outcome.full_clean()
    outcome.save()
    outcome.sessions.set(sessions)
    return outcome


def outcome_can_change(*, user: User, outcome: Outcome) -> bool:
    """Correct (edit or delete) an outcome: the manager of the enterprise's centre, any of
    them; a member of its staff, one they recorded, within ``MISTAKE_WINDOW``. Outcomes feed
    the ministry's indicators: later corrections are the manager's, who answers for them.
    Provincial officers and national users read (national administrators have the admin).

    No query beyond the user's membership (``outcome.enterprise`` selected)."""
    return own_recent(
        user, outcome.enterprise.centre_id, (outcome.reported_by_id,), outcome.created_at
    )


def _require_change(by: User, outcome: Outcome) -> None:
    if not outcome_can_change(user=by, outcome=outcome):
        raise PermissionDenied


def outcome_update(
    *,
    outcome: Outcome,
    by: User,
    data: dict[str, Any],
    sessions: Iterable[MentoringSession],
    seen: str | None = None,
) -> Outcome:
    """Correct an outcome with the form that records one; auditlog keeps old → new."""
    _require_change(by, outcome)
    with transaction.atomic():
        current = locked_as_seen(Outcome.objects.select_related("enterprise"), outcome.pk, seen)
        for name, value in data.items():
            setattr(current, name, value)
        return _outcome_save(current, sessions)


@dataclass(frozen=True)
class OutcomeDeletePlan:
    """What deleting an outcome takes with it, for the confirmation page."""

    sessions: list[MentoringSession]
    check_in: OutcomeCheckIn | None


def outcome_delete_plan(outcome: Outcome) -> OutcomeDeletePlan:
    return OutcomeDeletePlan(
        sessions=list(outcome.sessions.order_by("-starts_at", "-id")),
        check_in=OutcomeCheckIn.objects.filter(outcome=outcome).first(),
    )


def _describe(outcome: Outcome) -> str:
    parts = [f"{outcome.recorded_on:%Y-%m-%d}"]
    if outcome.turnover is not None:
        parts.append(_("omzet %(amount)s") % {"amount": rupiah(outcome.turnover)})
    if outcome.employees is not None:
        parts.append(_("%(count)s tenaga kerja") % {"count": outcome.employees})
    if outcome.financing_amount:
        parts.append(_("pembiayaan %(amount)s") % {"amount": rupiah(outcome.financing_amount)})
    return f"{' · '.join(parts)} (#{outcome.pk})"


def outcome_delete(*, outcome: Outcome, by: User, reason: str, seen: str | None = None) -> None:
    """Delete an outcome recorded by mistake. Its links to sessions go with it; a check-in it
    answered stays answered (the owner is not asked again) but no longer counts."""
    _require_change(by, outcome)
    reason = reason_clean(reason)
    with transaction.atomic():
        current = locked_as_seen(Outcome.objects.select_related("enterprise"), outcome.pk, seen)
        enterprise = current.enterprise
        deletion_log(
            current,
            by=by,
            reason=reason,
            centre_id=enterprise.centre_id,
            enterprise_id=enterprise.pk,
            sessions=list(current.sessions.values_list("pk", flat=True)),
        )
        deletion_note(
            enterprise,
            by=by,
            what=OUTCOME_DELETED,
            description=_describe(current),
            reason=reason,
        )
        delete_unlogged(current)
