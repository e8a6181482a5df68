"""The trigram index of the session search text (0010), in place of the topic's (0008).

The search matches anywhere in the text (``icontains``: ``UPPER(search_text) LIKE
UPPER('%…%')``); a GIN index of the trigrams of that expression finds a rare word's sessions
without reading the others. PostgreSQL only, built CONCURRENTLY (outside a transaction) so
sessions can still be written while it is built: a few minutes at five million sessions.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS session_search_trgm "
        "ON mentoring_mentoringsession USING gin ((UPPER(search_text)) gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS session_topic_trgm")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS session_topic_trgm "
        "ON mentoring_mentoringsession USING gin ((UPPER(topic::text)) gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS session_search_trgm")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mentoring", "0010_session_search_text"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
