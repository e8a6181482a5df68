"""Reads for the privacy pages: the audit trail, full-NIK views and erasure requests, each in
the reader's scope (plut.foundation.accounts.scope)."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from cooperatives.models import NikView
from plut.foundation.accounts.scope import scope_of, visible_to
from plut.top.privacy.models import ErasureRequest


def tracked_models() -> list[type]:
    """The models the audit log tracks (AUDITLOG_INCLUDE_TRACKING_MODELS)."""
    labels = [
        entry["model"] if isinstance(entry, dict) else entry
        for entry in settings.AUDITLOG_INCLUDE_TRACKING_MODELS
    ]
    return [apps.get_model(label) for label in labels]


def audit_entries_visible_to(user: Any) -> QuerySet[LogEntry]:
    """Audit-log entries of the records ``user`` may see. A national administrator sees every
    entry, deletions included; a scoped reader sees the entries of records that still exist in
    their scope (a deleted row has no centre left to place it by)."""
    entries = LogEntry.objects.select_related("actor", "content_type")
    if scope_of(user).national:
        return entries
    types = ContentType.objects.get_for_models(*tracked_models())
    visible = [
        Q(
            content_type=types[model],
            object_id__in=visible_to(user, model._default_manager.all()).values("pk"),
        )
        for model in tracked_models()
    ]
    return entries.filter(reduce(or_, visible))


def zone_of_reader(user: Any) -> str:
    """The zone a staff member reads times in: their centre's (manager, consultant), their
    province's (officer), else the portal's; each labelled where it is shown."""
    membership = getattr(user, "staff_membership", None)  # scope_of() has read it already
    if membership is not None:
        return membership.centre.timezone
    if user.province_id is not None:
        return user.province.timezone
    return str(settings.TIME_ZONE)


def nik_views_visible_to(user: Any) -> QuerySet[NikView]:
    return visible_to(user, NikView.objects.select_related("viewer", "person", "centre"))


def erasure_requests_visible_to(user: Any) -> QuerySet[ErasureRequest]:
    return visible_to(
        user, ErasureRequest.objects.select_related("requested_by", "centre", "completed_by")
    )
