"""Adding an index to a big table without stopping its writes, on every engine the portal runs.

A plain ``AddIndex`` holds the table against writes while the index is built: minutes for
the five million sessions or the million bookings of a national database. PostgreSQL builds
it ``CONCURRENTLY`` instead, writes going on, which Django's ``AddIndexConcurrently`` does but
only on PostgreSQL; the tests migrate SQLite as well, whose tables are small.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    """``AddIndex``, built CONCURRENTLY on PostgreSQL (in a migration with ``atomic =
    False``), as usual elsewhere."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, *args)
