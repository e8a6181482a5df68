"""The change history of a record, as the audit log (django-auditlog) keeps it, made readable.

auditlog's own ``changes_display_dict`` looks up each foreign key of each entry one query at a
time; here the names behind foreign keys are fetched once per related model, so a record's
history costs the same few queries however long it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db import models

EMPTY = {None, "", "None"}
# Bookkeeping a reader of the history does not need.
HIDDEN = {"id", "created_at", "updated_at", "submission_key"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    timestamp: datetime
    actor: Any
    action: str
    changes: list[Change] = field(default_factory=list)


def _names(
    entries: list[LogEntry], relations: dict[str, type[models.Model]]
) -> dict[tuple[type[models.Model], str], str]:
    """(related model, pk as text) -> str(object), one query per related model."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        for name, values in entry.changes_dict.items():
            if name in relations and isinstance(values, list):
                wanted[relations[name]].update(str(v) for v in values if v not in EMPTY)
    names = {}
    for model, pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=pks):
            names[(model, str(obj.pk))] = str(obj)
    return names


def history_for(obj: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest ``limit`` changes of ``obj``: who, when, what (field: old → new)."""
    entries = list(
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )
    meta = type(obj)._meta
    # Each foreign key's name -> the model it points to.
    relations = {f.name: f.related_model for f in meta.fields if f.related_model is not None}
    names = _names(entries, relations)

    def shown(name: str, value: Any) -> str:
        if value in EMPTY:
            return "–"
        if name in relations:
            return names.get((relations[name], str(value)), f"#{value}")
        return str(value)

    history = []
    for entry in entries:
        changes = []
        for name, values in entry.changes_dict.items():
            if name in HIDDEN:
                continue
            try:
                model_field = meta.get_field(name)
            except Exception:  # a note, or a field removed since the entry was written
                label = name
            else:
                if isinstance(model_field, models.ForeignObjectRel):
                    continue  # a reverse relation, listed by auditlog on creation
                label = str(model_field.verbose_name)
            if isinstance(values, dict):  # many-to-many: {"operation", "objects"}
                changes.append(
                    Change(
                        label,
                        values.get("operation", ""),
                        ", ".join(map(str, values.get("objects", []))),
                    )
                )
            else:
                old, new = values
                changes.append(Change(label, shown(name, old), shown(name, new)))
        history.append(
            HistoryEntry(entry.timestamp, entry.actor, entry.get_action_display(), changes)
        )
    return history
