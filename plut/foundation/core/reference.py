"""Shared helpers for loading the reference data shipped in plut/reference_data/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models

REFERENCE_DIR = Path(settings.BASE_DIR) / "plut" / "reference_data"

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int

    def __add__(self, other: LoadResult) -> LoadResult:
        return LoadResult(self.created + other.created, self.updated + other.updated)


def sync_rows(
    model: type[M],
    key: str,
    rows: dict[Any, dict[str, Any]],
    *,
    blanks: dict[Any, dict[str, Any]] | None = None,
) -> tuple[LoadResult, list[M]]:
    """Make the table hold ``rows`` (keyed by ``key``): create the missing, fix the changed.

    ``blanks`` (keyed the same) are values the file offers but people may edit afterwards
    (a centre's address, which its manager keeps up to date): they are written on creation
    and into a field that is still empty, never over what someone wrote.

    Rows the file does not mention are left alone (an administrator may have added them).
    Only differing fields are written, so a second load reports 0 created, 0 updated. Returns
    the result and the newly created objects.
    """
    blanks = blanks or {}
    existing = model._default_manager.in_bulk(list(rows), field_name=key)
    # Relations are checked by the database's foreign keys, not one query per row here.
    relations = [f.name for f in model._meta.fields if f.is_relation]
    created: list[M] = []
    changed: list[tuple[M, list[str]]] = []
    for key_value, values in rows.items():
        obj = existing.get(key_value)
        offered = blanks.get(key_value, {})
        if obj is None:
            obj = model(**{key: key_value}, **values, **offered)
            obj.full_clean(exclude=relations, validate_unique=False)
            created.append(obj)
            continue
        wanted = values | {
            name: value for name, value in offered.items() if value and not getattr(obj, name)
        }
        fields = [name for name, value in wanted.items() if getattr(obj, name) != value]
        if fields:
            for name in fields:
                setattr(obj, name, wanted[name])
            obj.full_clean(exclude=relations, validate_unique=False)
            changed.append((obj, fields))
    created = model._default_manager.bulk_create(created)
    for obj, fields in changed:
        obj.save(update_fields=fields)
    return LoadResult(len(created), len(changed)), created
