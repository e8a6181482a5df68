"""The one way rows are written with PostgreSQL's COPY (the scale generator, the import
benchmark): values in COPY's text format, streamed as PostgreSQL reads them, and the table's
data version moved, since COPY runs none of the SQL ``versions`` watches for."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, DateField, Field, JSONField

from plut.foundation.core import versions

# COPY's text format: backslash, tab and line breaks inside a value are escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# How much COPY text is handed to PostgreSQL at a time.
CHUNK = 1 << 18


def copy_text(value: Any) -> str:
    """One value in COPY's text format: \\N for NULL, t/f for booleans, escapes in text."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def field_writer(field: Field) -> Callable[[Any], str]:
    """How ``field``'s values are written, chosen once per column rather than per value (half
    a million values in a 20 000-row import), for the field types the portal copies."""
    write: Callable[[Any], str]
    if isinstance(field, JSONField):
        encoder = field.encoder
        write = lambda value: copy_text(json.dumps(value, cls=encoder))  # noqa: E731
    elif isinstance(field, BooleanField):
        write = lambda value: "t" if value else "f"  # noqa: E731
    elif isinstance(field, DateField):  # and DateTimeField
        write = lambda value: value.isoformat()  # noqa: E731
    else:
        write = lambda value: str(value).translate(_ESCAPES)  # noqa: E731
    return lambda value: "\\N" if value is None else write(value)


class _Stream:
    """A read()-able view of rows as COPY text lines, produced only as PostgreSQL asks."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.buffer = ""

    def read(self, size: int = CHUNK) -> str:
        parts, length = [self.buffer], len(self.buffer)
        for line in self.lines:
            parts.append(line)
            length += len(line)
            if length >= size:
                break
        chunk = "".join(parts)
        self.buffer = chunk[size:]
        return chunk[:size]

    readline = read


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    writers: Sequence[Callable[[Any], str]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Write ``rows`` (values in ``columns`` order) into ``table`` with one COPY statement, so
    a failure leaves none of them. Each value goes through ``copy_text``, or through its
    column's writer when ``writers`` are given (``field_writer``). PostgreSQL only."""
    connection = connections[using]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    if writers is None:
        lines = ("\t".join(map(copy_text, row)) + "\n" for row in rows)
    else:
        lines = (
            "\t".join([write(value) for write, value in zip(writers, row, strict=True)]) + "\n"
            for row in rows
        )
    # psycopg2's own cursor, its errors turned into Django's (IntegrityError...) as any query's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN",
            _Stream(lines),
            size=CHUNK,
        )
    versions.copied(table, using=using)
