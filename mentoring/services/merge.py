"""Merging a duplicate enterprise into the record that stays.

Clerks register the same business twice ("Keripik Barokah" and "Kripik Barokah"); the merge
moves everything the duplicate collected onto the kept record and deletes the duplicate, in
one transaction. Bookings and outcomes are saved one by one so each one's own history shows
the move; the audit log keeps the duplicate's history and its deletion.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from cooperatives.models import Enterprise
from mentoring.models import Booking, Outcome, SessionEnterprise
from plut.foundation.accounts.models import Role, User
from plut.foundation.core.models import concrete_field

# Filled from the duplicate when the kept record has nothing there; never overwritten.
MERGE_FILLED_FIELDS = (
    "nib",
    "kbli",
    "business_capital",
    "annual_turnover",
    "address",
    "cooperative",
)
# The key of the explicit merge note in the kept record's audit log.
MERGE_NOTE_KEY = "Gabungan duplikat"


def enterprise_can_merge(*, user: User, enterprise: Enterprise) -> bool:
    """National admins, and the manager of the enterprise's own centre."""
    if user.is_superuser or user.role == Role.NATIONAL:
        return True
    if user.role != Role.MANAGER or enterprise.centre_id is None:
        return False
    membership = getattr(user, "staff_membership", None)
    return membership is not None and membership.centre_id == enterprise.centre_id


def _attname(name: str) -> str:
    return concrete_field(Enterprise, name).attname


def _empty(value: Any) -> bool:
    return value is None or value == ""


def enterprise_merge_fills(*, keep: Enterprise, remove: Enterprise) -> list[models.Field]:
    """The fields a merge copies: empty on ``keep``, filled on ``remove``."""
    return [
        concrete_field(Enterprise, name)
        for name in MERGE_FILLED_FIELDS
        if _empty(getattr(keep, _attname(name))) and not _empty(getattr(remove, _attname(name)))
    ]


def _session_links_move(*, keep: Enterprise, remove: Enterprise) -> tuple[int, int]:
    """Move the duplicate's session links; where both were at a session, keep one link.

    Returns (links moved, links collapsed).
    """
    theirs = SessionEnterprise.objects.filter(enterprise=remove)
    kept_sessions = SessionEnterprise.objects.filter(enterprise=keep).values("session_id")
    # Present at the session if either record says so.
    SessionEnterprise.objects.filter(
        enterprise=keep,
        attended=False,
        session__in=theirs.filter(attended=True).values("session_id"),
    ).update(attended=True)
    collapsed, _deleted = theirs.filter(session__in=kept_sessions).delete()
    moved = theirs.update(enterprise=keep)
    return moved, collapsed


def _rows_move(queryset: models.QuerySet, keep: Enterprise) -> int:
    rows = list(queryset.order_by("pk"))
    for row in rows:
        row.enterprise = keep
        row.save(update_fields=["enterprise", "updated_at"])
    return len(rows)


def enterprise_merge(*, keep: Enterprise, remove: Enterprise, user: User) -> Enterprise:
    """Fold ``remove`` into ``keep`` and delete it; return the kept enterprise.

    Sessions, bookings and outcomes move; fields empty on ``keep`` are filled from ``remove``;
    the owner (a Person) of ``remove`` stays, even if it now owns nothing.
    """
    if keep.pk == remove.pk:
        raise ValidationError(_("Sebuah UMKM tidak dapat digabungkan dengan dirinya sendiri."))
    with transaction.atomic():
        # Both rows locked, in a fixed order so two opposite merges cannot deadlock.
        locked = {
            e.pk: e
            for e in Enterprise.objects.select_for_update()
            .filter(pk__in=[keep.pk, remove.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise ValidationError(_("UMKM ini sudah tidak ada; mungkin baru saja digabungkan."))
        keep, remove = locked[keep.pk], locked[remove.pk]
        if keep.centre_id != remove.centre_id:
            raise ValidationError(_("Hanya UMKM di PLUT yang sama yang dapat digabungkan."))

        links, collapsed = _session_links_move(keep=keep, remove=remove)
        bookings = _rows_move(Booking.objects.filter(enterprise=remove), keep)
        outcomes = _rows_move(Outcome.objects.filter(enterprise=remove), keep)

        fills = enterprise_merge_fills(keep=keep, remove=remove)
        for field in fills:
            setattr(keep, field.attname, getattr(remove, field.attname))
        if any(field.name == "nib" for field in fills):
            # NIB is unique: the duplicate lets go of it before the kept record takes it.
            remove.nib = None
            remove.save(update_fields=["nib", "updated_at"])
        keep.full_clean()
        keep.save()

        LogEntry.objects.log_create(
            keep,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            actor=user,
            changes={MERGE_NOTE_KEY: [f"{remove.name} (#{remove.pk})", f"{keep.name}"]},
            additional_data={
                "merged_enterprise": {"id": remove.pk, "name": remove.name},
                "moved": {
                    "session_links": links,
                    "session_links_collapsed": collapsed,
                    "bookings": bookings,
                    "outcomes": outcomes,
                },
                "filled_fields": [field.name for field in fills],
            },
        )
        remove.delete()
    keep.refresh_from_db()
    return keep
