"""The change history of a record, as the audit log (django-auditlog) keeps it."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db import models
from django.db.models import QuerySet


def history_for(obj: models.Model, *, limit: int = 50) -> QuerySet[LogEntry]:
    """Newest first, with the actor loaded: one query for the history panel."""
    return LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[
        :limit
    ]
