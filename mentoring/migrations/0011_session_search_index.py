"""The trigram index of the session search text (0010).

The search matches anywhere in the text (``icontains``: ``UPPER(search_text) LIKE
UPPER('%…%')``); a GIN index of the trigrams of that expression finds a rare word's sessions
without reading the others. PostgreSQL only, built CONCURRENTLY (outside a transaction) so
sessions can still be written while it is built: two and a half minutes at five million
sessions here. The topic's own index (0008) stays: a rare word's topics are looked up there,
where a client's name is not (mentoring.selectors._few_matches).
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS session_search_trgm "
        "ON mentoring_mentoringsession USING gin ((UPPER(search_text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS session_search_trgm")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mentoring", "0010_session_search_text"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
