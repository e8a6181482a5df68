"""Shared helpers for loading the reference data shipped in plut/reference_data/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference_data"


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int

    def __add__(self, other: LoadResult) -> LoadResult:
        return LoadResult(self.created + other.created, self.updated + other.updated)


def upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> LoadResult:
    """Create or update one reference row, so that loading twice changes nothing.

    Only fields that differ are written, which lets a rerun report 0 created, 0 updated.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return LoadResult(1, 0)
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    if not changed:
        return LoadResult(0, 0)
    for key in changed:
        setattr(obj, key, values[key])
    obj.full_clean()
    obj.save(update_fields=changed)
    return LoadResult(0, 1)
