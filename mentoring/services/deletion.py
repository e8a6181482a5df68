"""What every correction in the workspace shares: who may undo a mistake, the row as its
remover saw it, the audit trail of a deletion, and the messages it withdraws.

The Django admin is for national administrators; centre staff correct their own mistakes in
the workspace (``mentoring.views.corrections``). Each delete is one transaction that

- locks the row and compares it with the version shown on the confirmation page, so deleting
  something a colleague has just changed or deleted is refused with a clear message;
- writes its own audit entries with the actor given (never read from auditlog's context, which
  outlives the request that set it: ``cooperatives.services.imports``), one per record removed, with
  the reason and the centre, and a note in the history of the record that stays (the session of a
  follow-up, the enterprise of an outcome, a booking or a session);
- deletes with auditlog's signals off, so nothing is logged twice.

The dashboards need nothing here: ``plut.foundation.core.versions`` sees the DELETE statements and
moves the data version, so no snapshot computed before the delete is served after it.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.selectors import centres_visible_to
from plut.foundation.accounts.models import CENTRE_ROLES, Role, User
from plut.foundation.messaging.models import MessageStatus
from plut.foundation.messaging.selectors import messages_about

M = TypeVar("M", bound=models.Model)

# How long a consultant may correct (edit or delete) what they recorded themselves: long
# enough to notice a slip the same or the next working day, short enough that what a week's
# or a month's report has counted is corrected by the manager, who answers for the figures.
MISTAKE_WINDOW = datetime.timedelta(hours=48)

# Messages no worker has taken yet; one being sent at this moment cannot be called back.
UNSENT = (MessageStatus.PENDING, MessageStatus.QUEUED, MessageStatus.FAILED_TEMPORARY)

# Keys of the notes left in the history of the record that stays.
REASON_KEY = "Alasan penghapusan"

GONE, STALE = "gone", "stale"


def centre_staff(user: User, centre_id: int | None) -> bool:
    """An active manager or consultant of this centre (the membership the scope has loaded)."""
    if centre_id is None or user.role not in CENTRE_ROLES or not user.is_active:
        return False
    membership = getattr(user, "staff_membership", None)
    return membership is not None and membership.centre_id == centre_id


def centre_manager(user: User, centre_id: int | None) -> bool:
    return user.role == Role.MANAGER and centre_staff(user, centre_id)


def within_window(created_at: datetime.datetime, now: datetime.datetime | None = None) -> bool:
    return created_at >= (now or timezone.now()) - MISTAKE_WINDOW


def own_recent(
    user: User,
    centre_id: int | None,
    owners: tuple[int | None, ...],
    created_at: datetime.datetime,
) -> bool:
    """The manager of the centre; or one of its staff among ``owners``, inside the window."""
    if centre_manager(user, centre_id):
        return True
    return centre_staff(user, centre_id) and user.pk in owners and within_window(created_at)


def version_of(record: Any) -> str:
    """What the confirmation page shows a record at: its last change."""
    return record.updated_at.isoformat()


def reason_clean(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Tuliskan alasan penghapusan; alasan ini disimpan di riwayat.")},
            code="required",
        )
    return reason


def locked_as_seen(queryset: models.QuerySet[M], pk: int, seen: str | None) -> M:
    """The row, locked until the transaction ends, as the user saw it; else a clear refusal.

    ``seen`` is ``version_of()`` the record on the page that asked (None: not checked).
    """
    current = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if current is None:
        raise ValidationError(_("Data ini sudah dihapus."), code=GONE)
    if seen is not None and version_of(current) != seen:
        raise ValidationError(
            _(
                "Data ini baru saja diubah oleh pengguna lain. Periksa lagi isinya di bawah "
                "sebelum melanjutkan."
            ),
            code=STALE,
        )
    return current


def messages_withdraw(record: models.Model) -> int:
    """Delete the messages about a deleted record that no worker has taken: a survey about a
    session that is gone, a reminder of a spam booking. Returns how many."""
    withdrawn, _by_model = messages_about(record).filter(status__in=UNSENT).delete()
    return withdrawn


def messages_unsent(record: models.Model) -> list[str]:
    """The kinds of those messages, for the confirmation page."""
    return list(
        messages_about(record)
        .filter(status__in=UNSENT)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def deletion_log(
    record: models.Model, *, by: User, reason: str, centre_id: int | None, **extra: Any
) -> LogEntry:
    """The audit entry of ``record``'s deletion: every field's last value (auditlog's own diff,
    masked and filtered as registered), who, why, and the centre (which lets a later visitor
    in that centre's scope be told it was deleted, and by whom)."""
    return LogEntry.objects.log_create(
        record,
        force_log=True,
        action=LogEntry.Action.DELETE,
        actor=by,
        actor_email=getattr(by, "email", None),
        changes=model_instance_diff(
            record, None, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
        ),
        additional_data={"reason": reason, "centre_id": centre_id, **extra},
    )


def deletion_note(
    record: models.Model, *, by: User, what: str, description: str, reason: str
) -> LogEntry:
    """A line in the history of the record that stays: "<what>: <description>" and the
    reason, in the shape ``plut.foundation.core.history`` reads."""
    return LogEntry.objects.log_create(
        record,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=by,
        actor_email=getattr(by, "email", None),
        changes={what: [description, "None"], REASON_KEY: ["None", reason]},
    )


def delete_unlogged(record: models.Model) -> None:
    """Delete with auditlog's signals off: the entries above are the record of it."""
    with disable_auditlog():
        record.delete()


def deletion_of(user: User, model: type[models.Model], pk: int) -> LogEntry | None:
    """The audit entry of a ``model`` row deleted here, when its centre lies in ``user``'s
    scope (anyone else learns nothing about the id: a 404)."""
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_pk=str(pk),
            action=LogEntry.Action.DELETE,
        )
        .select_related("actor")
        .order_by("-timestamp", "-id")
        .first()
    )
    if entry is None:
        return None
    centre_id = (entry.additional_data or {}).get("centre_id")
    if centre_id is None or not centres_visible_to(user).filter(pk=centre_id).exists():
        return None
    return entry
