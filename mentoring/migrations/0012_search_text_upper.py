"""The session search text is stored in capitals (0010 stored it as written).

A search reads sessions newest first and tests each one's text until a page is full: for a
middling word ("Barokah 1", one client in a hundred) that is 3.500 rows at national scale.
``UPPER(search_text) LIKE UPPER('%…%')`` folded every row's text to capitals as it was
tested, three quarters of the walk's time (6,1 of 7,8 ms); the text stored folded is tested
with a plain ``LIKE`` of the query folded once (mentoring.selectors.sessions_matching). The
database folds both sides with its own ``upper()``, so what a search finds does not change.
The text is never shown: only searched.

PostgreSQL, in three steps, none blocking reads:
1. the trigram index of ``UPPER(search_text)`` is dropped CONCURRENTLY, so the rewrite does
   not maintain it row by row;
2. in one transaction, with the four tables locked against writes as in 0010: the text
   function folds what it builds, and every stored text is folded in one UPDATE (the
   session's own trigger, which would rebuild each text from its clients, is off meanwhile);
3. the trigram index of the column itself is built CONCURRENTLY.
On the 2-core benchmark machine, five million sessions: docs/performance.md, session 6.
SQLite: the session's triggers are recreated folding the text, and every session touched.
"""

import importlib

from django.db import migrations, transaction

initial = importlib.import_module("mentoring.migrations.0010_session_search_text")

# The one place the text is built (0010), with the fold wrapped around it or not.
PG_TEXT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION mentoring_session_search_text(bigint, text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT {fold}($2 || E'\n' || coalesce(
        string_agg(e.name || E'\n' || p.full_name, E'\n' ORDER BY e.id), ''))
    FROM mentoring_sessionenterprise se
    JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
    JOIN cooperatives_person p ON p.id = e.owner_id
    WHERE se.session_id = $1
$$;
"""

PG_LOCK = """
LOCK TABLE mentoring_mentoringsession, mentoring_sessionenterprise,
    cooperatives_enterprise, cooperatives_person IN SHARE MODE;
ALTER TABLE mentoring_mentoringsession DISABLE TRIGGER mentoring_session_search;
"""
PG_UNLOCK = "ALTER TABLE mentoring_mentoringsession ENABLE TRIGGER mentoring_session_search;"

OLD_INDEX = ("session_search_trgm", "(UPPER(search_text))")
NEW_INDEX = ("session_search_text_trgm", "search_text")


def _pg_rewrite(schema_editor, *, drop: tuple, fold: str, backfill: str, create: tuple) -> None:
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {drop[0]}")
    with transaction.atomic():
        schema_editor.execute(PG_LOCK)
        schema_editor.execute(PG_TEXT_FUNCTION.format(fold=fold))
        schema_editor.execute(backfill)
        schema_editor.execute(PG_UNLOCK)
    name, expression = create
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
        f"ON mentoring_mentoringsession USING gin ({expression} gin_trgm_ops)"
    )
    schema_editor.execute("ANALYZE mentoring_mentoringsession")


def _sqlite_session_triggers(schema_editor, fold: str) -> None:
    # Only the session's own two triggers build the text; the others touch the session.
    text = f"{fold}({initial.SQLITE_TEXT})"
    with transaction.atomic():
        for name in initial.SQLITE_NAMES[:2]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(
                f"""CREATE TRIGGER mentoring_session_search_{event.lower()} AFTER {event}
                ON mentoring_mentoringsession FOR EACH ROW BEGIN
                    UPDATE mentoring_mentoringsession SET search_text = {text} WHERE id = NEW.id;
                END"""
            )
        schema_editor.execute("UPDATE mentoring_mentoringsession SET topic = topic")


def _vendor(schema_editor) -> str:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"The session search text has no triggers for {vendor}.")
    return vendor


def fold(apps, schema_editor):
    if _vendor(schema_editor) == "sqlite":
        _sqlite_session_triggers(schema_editor, "upper")
        return
    _pg_rewrite(
        schema_editor,
        drop=OLD_INDEX,
        fold="upper",
        backfill="UPDATE mentoring_mentoringsession SET search_text = upper(search_text)",
        create=NEW_INDEX,
    )


def unfold(apps, schema_editor):
    """Back to 0010's text as written: rebuilt from the clients (the capitals lost what was
    small), with 0010's own set-based backfill."""
    if _vendor(schema_editor) == "sqlite":
        _sqlite_session_triggers(schema_editor, "")
        return
    _pg_rewrite(
        schema_editor, drop=NEW_INDEX, fold="", backfill=initial.PG_BACKFILL, create=OLD_INDEX
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mentoring", "0011_session_search_index"),
    ]

    operations = [migrations.RunPython(fold, unfold, elidable=False)]
