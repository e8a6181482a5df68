"""Indexes for the session list's search (mentoring.selectors.sessions_matching).

The search matches anywhere in a topic (``icontains``: ``UPPER(topic::text) LIKE
UPPER('%…%')``); a GIN index of the trigrams of that expression finds the matching sessions
without reading all of them. The matching clients (found through cooperatives' 0003) lead to
their sessions through (enterprise, session), which answers from the index alone instead of
one table read per participant. PostgreSQL only (SQLite has neither pg_trgm nor GIN, and its
test tables are small); built CONCURRENTLY, outside a transaction, so a deployment does not
block new sessions while the indexes are built.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS session_topic_trgm "
        "ON mentoring_mentoringsession USING gin ((UPPER(topic::text)) gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS session_enterprise_by_client "
        "ON mentoring_sessionenterprise (enterprise_id, session_id)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS session_topic_trgm")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS session_enterprise_by_client")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mentoring", "0007_session_newest_first"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
