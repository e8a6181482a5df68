"""Keyset (cursor) pagination, and the sort whitelist the workspace lists share.

An OFFSET makes the database read and throw away every row before the page, and page numbers
need a COUNT(*) over the whole filtered table; both grow with the data, and the ministry's
lists reach millions of rows. A keyset page instead asks for "the next rows after the last one
shown", which an index on the ordering answers directly, so page 1 and page 10 000 cost the
same. The price is the navigation: "next" and "back to the first page", no page numbers.

The cursor carries the last row's ordering values, signed, so a forged or stale cursor (edited
by hand, or from another sort order) is ignored and the list starts again at its first page.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial, reduce
from operator import or_
from typing import Any, Generic, TypeVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import OrderBy

M = TypeVar("M", bound=models.Model)

_SALT = "plut.foundation.core.pagination"


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None
    has_next: bool


@dataclass(frozen=True)
class _Key:
    path: str  # "starts_at", or across a relation "owner__full_name"
    descending: bool
    field: models.Field


def _keys(model: type[models.Model], order: Sequence[str]) -> list[_Key]:
    if not order or order[-1].lstrip("-") not in ("id", "pk"):
        raise ValueError(f"A keyset order must end with the unique id, got {order!r}.")
    keys = []
    for name in order:
        path = name.lstrip("-")
        meta, field = model._meta, None
        for part in path.split("__"):
            field = meta.pk if part == "pk" else meta.get_field(part)
            if field is not None and field.related_model is not None:
                meta = field.related_model._meta
        if not isinstance(field, models.Field) or field.is_relation:
            raise ValueError(f"Order a keyset by plain columns, not {name!r}.")
        keys.append(_Key(path=path, descending=name.startswith("-"), field=field))
    return keys


def _order_by(keys: list[_Key]) -> list[OrderBy]:
    # NULLs go last in both directions on every database, so the cursor knows where they are.
    # Only nullable columns say so: "DESC NULLS LAST" on a NOT NULL column would stop
    # PostgreSQL from walking a plain descending index.
    expressions = []
    for key in keys:
        nulls_last = True if key.field.null else None
        column = F(key.path)
        expressions.append(
            column.desc(nulls_last=nulls_last)
            if key.descending
            else column.asc(nulls_last=nulls_last)
        )
    return expressions


def ordered(queryset: models.QuerySet[M], order: Sequence[str]) -> models.QuerySet[M]:
    """``queryset`` in the keyset order (exports use it to list rows as the pages do)."""
    return queryset.order_by(*_order_by(_keys(queryset.model, order)))


def _beyond(key: _Key, value: Any, *, inclusive: bool = False) -> Q | None:
    """Rows whose ``key`` column comes after ``value`` (NULLs come after every value)."""
    if value is None:
        return None
    lookup = ("lt" if key.descending else "gt") + ("e" if inclusive else "")
    after = Q(**{f"{key.path}__{lookup}": value})
    if key.field.null:
        after |= Q(**{f"{key.path}__isnull": True})
    return after


def _after(keys: list[_Key], values: list[Any]) -> Q:
    """(a, b, id) > (x, y, z) in the keyset order, spelled out for databases and Q objects:
    a > x, or a = x and b > y, or a = x and b = y and id > z."""
    clauses = []
    same = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value)
        if beyond is not None:
            clauses.append(same & beyond)
        same &= Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})
    condition = reduce(or_, clauses)
    # The same bound once more on the first column alone, which an index can seek to; the OR
    # above would otherwise make the database walk from the top of the list to the cursor.
    start = _beyond(keys[0], values[0], inclusive=True)
    return condition & start if start is not None else condition


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _value_at(row: models.Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part) if value is not None else None
    return value


def _sort_key(key: _Key, row: models.Model) -> tuple[bool, Any]:
    """``row``'s value for ``key``, with its NULL last whichever way the key sorts."""
    value = _value_at(row, key.path)
    return (value is None) != key.descending, value


def _salt(order: Sequence[str]) -> str:
    # A cursor is only valid for the order it was made in.
    return f"{_SALT}:{','.join(order)}"


def _encode(row: models.Model, keys: list[_Key], order: Sequence[str]) -> str:
    values = [_plain(_value_at(row, key.path)) for key in keys]
    return signing.dumps(values, salt=_salt(order), compress=False)


def _decode(cursor: str, keys: list[_Key], order: Sequence[str]) -> list[Any] | None:
    try:
        raw = signing.loads(cursor, salt=_salt(order))
    except signing.BadSignature:
        return None
    if not isinstance(raw, list) or len(raw) != len(keys):
        return None
    try:
        return [
            None if value is None else key.field.to_python(value)
            for key, value in zip(keys, raw, strict=True)
        ]
    except (ValidationError, TypeError):
        return None


# Rows per page of every workspace list.
PAGE_SIZE = 50


def keyset_page(
    queryset: models.QuerySet[M] | Sequence[models.QuerySet[M]],
    *,
    order: tuple[str, ...],
    cursor: str | None,
    size: int = PAGE_SIZE,
) -> Page[M]:
    """The ``size`` rows of ``queryset`` after ``cursor`` in ``order`` (ending with ``id``).

    A cursor that does not verify gives the first page. One query, no COUNT, no OFFSET: it
    asks for ``size + 1`` rows, and the extra row only says whether there is a next page.

    ``queryset`` may be a sequence of querysets of one model that share no row: the page is
    then of their union, one query each, merged here. A list whose rows are "this, or that"
    when no one index holds them in order ("closed, or before today") is read that way, each
    part from its own index: as one OR the database walks past every row of one part that
    fails the other. The merge compares the ordering values in Python, so those must be
    columns Python orders as the database does (numbers, dates and times, not text).
    """
    parts = [queryset] if isinstance(queryset, models.QuerySet) else list(queryset)
    keys = _keys(parts[0].model, order)
    values = _decode(cursor, keys, order) if cursor else None
    items: list[M] = []
    for part in parts:
        part = part.order_by(*_order_by(keys))
        if values is not None:
            part = part.filter(_after(keys, values))
        items += part[: size + 1]
    if len(parts) > 1:
        if any(isinstance(key.field, (models.CharField, models.TextField)) for key in keys):
            raise ValueError(f"Parts of a keyset page merge on numbers and dates, not {order!r}.")
        # Stable sorts, the last key first: NULLs last in both directions, as _order_by().
        for key in reversed(keys):
            items.sort(key=partial(_sort_key, key), reverse=key.descending)
    has_next = len(items) > size
    items = items[:size]
    next_cursor = _encode(items[-1], keys, order) if has_next else None
    return Page(items=items, next_cursor=next_cursor, has_next=has_next)
