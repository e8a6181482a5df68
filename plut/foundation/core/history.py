"""The change history of a record, as the audit log (django-auditlog) keeps it, made readable.

The log keeps what the database holds: field names, stored choice values, keys, usernames,
moments in UTC. A reader gets the field's label, the choice's label, the name of the person or
record behind a key, the moment in the record's centre's zone labelled WIB/WITA/WIT, and a NIK
or phone masked however the entry stored it. Everything is read from the model's ``_meta``, so
this module knows no domain app.

auditlog's own ``changes_display_dict`` looks up each foreign key of each entry one query at a
time; here the names behind foreign keys are fetched once per related model, so a record's
history costs the same few queries however long it is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.diff import get_mask_function
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.tables import DASH, day, integer, moment

EMPTY = {None, "", "None"}
# Bookkeeping a reader of the history does not need.
HIDDEN = {"id", "created_at", "updated_at", "submission_key"}

ACTIONS: dict[int, Promise] = {
    LogEntry.Action.CREATE: _("dibuat"),
    LogEntry.Action.UPDATE: _("diubah"),
    LogEntry.Action.DELETE: _("dihapus"),
    LogEntry.Action.ACCESS: _("dibuka"),
}
# What auditlog records of a many-to-many change ("add" or "delete").
M2M_OPERATIONS: dict[str, Promise] = {"add": _("ditambah"), "delete": _("dikurangi")}
BOOLEANS = {"True": _("ya"), "False": _("tidak")}
# A key whose record is gone (a session deleted since).
GONE = _("(sudah dihapus)")


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None  # None: nothing to show before (a creation, a note)
    new: str | None  # None: nothing to show after (a deletion, a note)


@dataclass(frozen=True)
class HistoryEntry:
    timestamp: datetime.datetime
    when: str  # the timestamp in the record's zone: "4 Des 2026 09:00 WIB"
    actor: Any
    actor_name: str
    action: str
    changes: list[Change] = field(default_factory=list)


def name_of(obj: models.Model) -> str:
    """How a record is named to a reader: a user by ``display_name`` (their full name, not the
    username), anything else by ``str()``."""
    display_name = getattr(obj, "display_name", None)
    return display_name if isinstance(display_name, str) and display_name else str(obj)


def personal_fields(model: type[models.Model]) -> frozenset[str]:
    """The fields of ``model`` a history masks: those the trail masks on it (``mask_fields`` in
    AUDITLOG_INCLUDE_TRACKING_MODELS: a person's nik and phone), and any field whose name ends
    in a field masked on any model (a booking's ``contact_phone``): a person's phone is no less
    personal where the log kept it whole. A centre's ``phone`` is its public office number,
    printed on its public page: shown as it is."""
    masked = {
        tracked: frozenset(auditlog.get_model_fields(tracked)["mask_fields"])
        for tracked in auditlog.get_models()
    }
    anywhere = frozenset().union(*masked.values())
    return masked.get(model, frozenset()) | frozenset(
        f.name
        for f in model._meta.get_fields()
        if any(f.name.endswith(f"_{name}") for name in anywhere)
    )


class _Names:
    """What the entries of one model name: its fields, the reverse relations auditlog lists on
    creation (a reader has the related records' own pages), and the notes services leave."""

    def __init__(self, model: type[models.Model] | None) -> None:
        found = model._meta.get_fields() if model is not None else []
        self.fields = {f.name: f for f in found if isinstance(f, models.Field)}
        self.reverse = {f.name for f in found if isinstance(f, models.ForeignObjectRel)}

    def label(self, name: str) -> str | None:
        """A change's label; None for what a reader does not need."""
        if name in HIDDEN or name in self.reverse:
            return None
        model_field = self.fields.get(name)
        # A note ("Alasan penghapusan") names itself, in the source language.
        return str(model_field.verbose_name) if model_field is not None else gettext(name)

    def related(self, name: str) -> type[models.Model] | None:
        model_field = self.fields.get(name)
        related = model_field.related_model if model_field is not None else None
        return related if isinstance(related, type) else None


def zone_of(obj: models.Model) -> str:
    """The zone a record's times are read in: a centre's own, a record's centre's, else the
    portal's (``TIME_ZONE``). Both are labelled, so a reader knows which."""
    for holder in (obj, getattr(obj, "centre", None)):
        zone = getattr(holder, "timezone", None)
        if isinstance(zone, str):
            return zone
    return str(settings.TIME_ZONE)


def shown(model_field: models.Field[Any, Any], value: Any, zone: str) -> str:
    """A field's value as a reader sees it: a choice's label, a moment in ``zone`` labelled
    WIB/WITA/WIT, a day, yes or no, a number grouped in the reader's way. (A key's name is
    the caller's: it has fetched them in bulk.)"""
    if value is None or (isinstance(value, str) and value in EMPTY):
        return DASH
    if isinstance(model_field, models.GeneratedField):  # an enterprise's scale
        model_field = model_field.output_field or model_field
    if model_field.choices:
        labels = {str(choice): label for choice, label in model_field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):  # auditlog stores moments as naive UTC
            value = value.replace(tzinfo=datetime.UTC)
        return moment(value, zone)
    if isinstance(value, datetime.date):
        return day(value)
    if isinstance(value, bool):
        return str(BOOLEANS[str(value)])
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, Decimal):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def path_label(model: type[models.Model], path: str) -> str:
    """The label of a field, or of a lookup path through relations (``centre__name``): the
    first field's, which names what the value is to the record ("PLUT", not "nama")."""
    return str(path_field(model, path.split(LOOKUP_SEP, 1)[0]).verbose_name)


def path_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    """The field a lookup path (``centre__name``) ends at, whose value it reads."""
    *hops, last = path.split(LOOKUP_SEP)
    for hop in hops:
        related = model._meta.get_field(hop).related_model
        assert isinstance(related, type)
        model = related
    found = model._meta.get_field(last)
    assert isinstance(found, models.Field)
    return found


class _Reader:
    """Turns one record's stored values into what a reader sees, with every name behind a key
    fetched in bulk first (``fetch``)."""

    def __init__(self, obj: models.Model) -> None:
        self.meta = _Names(type(obj))
        self.zone = zone_of(obj)
        self.personal = personal_fields(type(obj))
        self.mask = get_mask_function()
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def fetch(self, entries: Iterable[LogEntry]) -> None:
        """(related model, key) -> name, one query per related model. A key is a pk, except
        in a many-to-many change, where auditlog kept each object's str(): a user's username
        (other models' str() is already their name)."""
        keys: dict[type[models.Model], set[str]] = defaultdict(set)
        usernames: set[str] = set()
        user_model = get_user_model()
        for entry in entries:
            for name, values in entry.changes_dict.items():
                related = self.meta.related(name)
                if related is None:
                    continue
                if not isinstance(values, dict):
                    keys[related].update(str(v) for v in values if v not in EMPTY)
                elif related is user_model:
                    usernames.update(map(str, values.get("objects", [])))
        if usernames:
            keys.setdefault(user_model, set())
        for model, pks in keys.items():
            lookup = models.Q(pk__in=pks)
            if model is user_model:
                lookup |= models.Q(**{f"{user_model.USERNAME_FIELD}__in": usernames})
            for obj in model._default_manager.filter(lookup):
                self.names[(model, str(obj.pk))] = name_of(obj)
                if model is user_model:
                    username = getattr(obj, user_model.USERNAME_FIELD)
                    self.names[(model, f"@{username}")] = name_of(obj)

    def value(self, name: str, raw: Any) -> str:
        if raw in EMPTY:
            return DASH
        text = str(raw)
        if name in self.personal:
            return self.mask(text)
        model_field = self.meta.fields.get(name)
        if model_field is None:  # a note's own text
            return text
        related = self.meta.related(name)
        if related is not None:
            return self.names.get((related, text), str(GONE))
        try:
            value = model_field.to_python(text)
        except ValidationError:  # written in another shape by older code, or since changed
            return text
        return shown(model_field, value, self.zone)

    def change(self, name: str, values: Any, action: int) -> Change | None:
        label = self.meta.label(name)
        if label is None:
            return None
        if isinstance(values, dict):  # many-to-many: {"operation", "objects"}
            related = self.meta.related(name)
            objects = ", ".join(
                self.names.get((related, f"@{o}"), str(o)) if related else str(o)
                for o in values.get("objects", [])
            )
            operation = values.get("operation", "")
            return Change(label, None, f"{M2M_OPERATIONS.get(operation, operation)}: {objects}")
        old, new = (self.value(name, raw) for raw in values)
        if action == LogEntry.Action.CREATE:
            return Change(label, None, new)
        if action == LogEntry.Action.DELETE:
            return Change(label, old, None)
        if name not in self.meta.fields:  # a note: "what: description", "reason: why"
            return Change(label, None if old == DASH else old, None if new == DASH else new)
        return Change(label, old, new)


def history_for(obj: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest ``limit`` changes of ``obj``: who, when (in its centre's zone), what (field:
    old → new), each in words."""
    entries = list(
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )
    reader = _Reader(obj)
    reader.fetch(entries)
    history = []
    for entry in entries:
        changes = [
            change
            for name, values in entry.changes_dict.items()
            if (change := reader.change(name, values, entry.action)) is not None
        ]
        history.append(
            HistoryEntry(
                timestamp=entry.timestamp,
                when=moment(entry.timestamp, reader.zone),
                actor=entry.actor,
                actor_name=name_of(entry.actor) if entry.actor is not None else "",
                action=action_shown(entry),
                changes=changes,
            )
        )
    return history


def action_shown(entry: LogEntry) -> str:
    """What an entry did, in words: "dibuat", "diubah", "dihapus"."""
    return str(ACTIONS.get(entry.action, entry.get_action_display()))


def changed_labels(entry: LogEntry) -> list[str]:
    """The labels of what an entry changed, as its record's history names them (the audit
    trail's list). One model's names are worked out per call: a page of entries is small."""
    names = _Names(entry.content_type.model_class())
    return [label for name in entry.changes_dict if (label := names.label(name)) is not None]
