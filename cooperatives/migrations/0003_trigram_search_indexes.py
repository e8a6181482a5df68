"""Trigram indexes for the "contains" searches over enterprise and owner names.

A search box matches anywhere in a name (``icontains``, which Django spells
``UPPER(col::text) LIKE UPPER('%…%')``), so a B-tree cannot help and every search read the
whole table. A GIN index of the trigrams of the same ``UPPER(...)`` expression answers it
directly. PostgreSQL only: SQLite (the tests' default database) has neither pg_trgm nor GIN and
keeps scanning its small tables. Built CONCURRENTLY, outside a transaction, so a deployment
does not block writes to a table of millions of rows while the index is built.
"""

from django.db import migrations

INDEXES = {
    "enterprise_name_trgm": ("cooperatives_enterprise", "name"),
    "person_full_name_trgm": ("cooperatives_person", "full_name"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cooperatives", "0002_list_order_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
