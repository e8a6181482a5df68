"""Writes for follow-ups: marking one done, deleting one added by mistake."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import FollowUp
from mentoring.services.deletion import (
    delete_unlogged,
    deletion_log,
    deletion_note,
    locked_as_seen,
    own_recent,
    reason_clean,
)
from plut.foundation.accounts.models import Role, User


def follow_up_can_complete(*, user: User, follow_up: FollowUp) -> bool:
    """The assignee closes their own follow-up; the centre's manager closes any of its own.

    No query beyond the user's membership, which the scope has already loaded, so a list can
    ask for every row.
    """
    if follow_up.assignee_id == user.pk:
        return True
    if user.role != Role.MANAGER:
        return False
    membership = getattr(user, "staff_membership", None)
    return membership is not None and membership.centre_id == follow_up.centre_id


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp, user: User, note: str) -> FollowUp:
    """Mark ``follow_up`` done now, with what came of it. Done once: a second time is refused."""
    if not follow_up_can_complete(user=user, follow_up=follow_up):
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise ValidationError({"done_note": _("Tulis catatan singkat tentang hasilnya.")})
    # Lock the row, so two people closing it at once cannot both succeed.
    current = FollowUp.objects.select_for_update().only("done_at").get(pk=follow_up.pk)
    if current.done_at is not None:
        raise ValidationError(_("Tindak lanjut ini sudah ditandai selesai."), code="already_done")
    follow_up.done_at = timezone.now()
    follow_up.done_note = note
    follow_up.full_clean()
    follow_up.save(update_fields=["done_at", "done_note", "updated_at"])
    return follow_up


# The note left in the session's history.
FOLLOW_UP_DELETED = "Tindak lanjut dihapus"


def follow_up_can_delete(*, user: User, follow_up: FollowUp) -> bool:
    """The centre's manager, any follow-up of the centre; its assignee or the session's
    consultant, within ``MISTAKE_WINDOW`` of adding it. No query beyond the user's
    membership (``follow_up.session`` selected)."""
    return own_recent(
        user,
        follow_up.centre_id,
        (follow_up.assignee_id, follow_up.session.consultant_id),
        follow_up.created_at,
    )


def follow_up_delete(
    *, follow_up: FollowUp, by: User, reason: str, seen: str | None = None
) -> None:
    """Delete a follow-up added by mistake; the session keeps a note of it in its history."""
    if not follow_up_can_delete(user=by, follow_up=follow_up):
        raise PermissionDenied
    reason = reason_clean(reason)
    with transaction.atomic():
        current = locked_as_seen(FollowUp.objects.select_related("session"), follow_up.pk, seen)
        deletion_log(
            current,
            by=by,
            reason=reason,
            centre_id=current.session.centre_id,
            session=current.session_id,
        )
        deletion_note(
            current.session,
            by=by,
            what=FOLLOW_UP_DELETED,
            description=f"{current.action} ({current.due_on:%Y-%m-%d}, #{current.pk})",
            reason=reason,
        )
        delete_unlogged(current)
