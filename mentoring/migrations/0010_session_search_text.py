"""Each session's search text, kept by the database (mentoring.selectors.sessions_matching).

A session is found by its topic, its clients' names and their owners' names. Asked of the
participants, that is an OR across three joined tables for every session tested: a page of a
middling word ("Barokah 1", one client in a hundred) took 0.75 s at national scale. Kept on
the session row, it is one column: its trigram index (0011) finds a rare word's few sessions,
and a newest-first walk finds a page of a common word within a few hundred rows.

The text is the topic, then each client's name and owner's name, one per line, clients in id
order. The database keeps it true whatever writes: Django's save() (which also writes the
field's stale value from memory: the session's own trigger overrides it), bulk_create,
update(), the importer, a merge that moves participants, raw SQL. On both engines:
- a session inserted or updated gets its text computed (the one place the text is built);
- a participant added, removed or moved, an enterprise renamed or given another owner, a
  person renamed: their sessions are "touched" (``SET topic = topic``) so that trigger runs.

Concurrent writes (PostgreSQL; SQLite has one writer at a time). The triggers are plpgsql
functions, which take a fresh snapshot at each statement: a trigger that waited for a session
another transaction held reads what that one committed, not what its own statement began with. A participant added (or an owner
changed) takes a share lock on the enterprise and owner it names before its session's text is
computed: a rename of either in flight commits first and is read, and a rename that starts
later waits and then finds the new participant. Otherwise an enterprise renamed while it was
being added to a session would leave that session under the old name. One rare interleaving
can deadlock: saving a session that adds a client whose owner is being renamed, when the
session already lists another business of that owner; PostgreSQL cancels one of the two,
which the user sees as an error to retry. (tests/mentoring/test_search_text.py)

On PostgreSQL the backfill is one set-based UPDATE, with the four tables locked against
writes (reads go on) so no change falls between it and the triggers: 4 min 22 s for five
million sessions on the 2-core benchmark machine (docs/performance.md, session 5).
"""

from django.db import migrations, models

# --- PostgreSQL ---------------------------------------------------------------------------------
PG_TEXT = r"""
CREATE FUNCTION mentoring_session_search_text(bigint, text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT $2 || E'\n' || coalesce(
        string_agg(e.name || E'\n' || p.full_name, E'\n' ORDER BY e.id), '')
    FROM mentoring_sessionenterprise se
    JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
    JOIN cooperatives_person p ON p.id = e.owner_id
    WHERE se.session_id = $1
$$;

CREATE FUNCTION mentoring_session_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := mentoring_session_search_text(NEW.id, NEW.topic);
    RETURN NEW;
END $$;
"""

PG_BACKFILL = r"""
LOCK TABLE mentoring_mentoringsession, mentoring_sessionenterprise,
    cooperatives_enterprise, cooperatives_person IN SHARE MODE;
UPDATE mentoring_mentoringsession s SET search_text = s.topic || E'\n' || coalesce(c.lines, '')
FROM mentoring_mentoringsession s2 LEFT JOIN (
    SELECT se.session_id, string_agg(e.name || E'\n' || p.full_name, E'\n' ORDER BY e.id) AS lines
    FROM mentoring_sessionenterprise se
    JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
    JOIN cooperatives_person p ON p.id = e.owner_id
    GROUP BY se.session_id
) c ON c.session_id = s2.id
WHERE s2.id = s.id;
"""

PG_TRIGGERS = r"""
CREATE TRIGGER mentoring_session_search BEFORE INSERT OR UPDATE ON mentoring_mentoringsession
FOR EACH ROW EXECUTE FUNCTION mentoring_session_search();

CREATE FUNCTION mentoring_participant_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE mentoring_mentoringsession SET topic = topic WHERE id = OLD.session_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM cooperatives_enterprise e
        JOIN cooperatives_person p ON p.id = e.owner_id
        WHERE e.id = NEW.enterprise_id FOR SHARE;
        UPDATE mentoring_mentoringsession SET topic = topic WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER mentoring_participant_search
AFTER INSERT OR DELETE OR UPDATE OF session_id, enterprise_id ON mentoring_sessionenterprise
FOR EACH ROW EXECUTE FUNCTION mentoring_participant_search();

CREATE FUNCTION mentoring_enterprise_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM cooperatives_person WHERE id = NEW.owner_id FOR SHARE;
    UPDATE mentoring_mentoringsession SET topic = topic WHERE id IN (
        SELECT session_id FROM mentoring_sessionenterprise WHERE enterprise_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER mentoring_enterprise_search
AFTER UPDATE OF name, owner_id ON cooperatives_enterprise FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
EXECUTE FUNCTION mentoring_enterprise_search();

CREATE FUNCTION mentoring_owner_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mentoring_mentoringsession SET topic = topic WHERE id IN (
        SELECT se.session_id FROM mentoring_sessionenterprise se
        JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
        WHERE e.owner_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER mentoring_owner_search
AFTER UPDATE OF full_name ON cooperatives_person FOR EACH ROW
WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name)
EXECUTE FUNCTION mentoring_owner_search();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS mentoring_owner_search ON cooperatives_person;
DROP TRIGGER IF EXISTS mentoring_enterprise_search ON cooperatives_enterprise;
DROP TRIGGER IF EXISTS mentoring_participant_search ON mentoring_sessionenterprise;
DROP TRIGGER IF EXISTS mentoring_session_search ON mentoring_mentoringsession;
DROP FUNCTION IF EXISTS mentoring_owner_search();
DROP FUNCTION IF EXISTS mentoring_enterprise_search();
DROP FUNCTION IF EXISTS mentoring_participant_search();
DROP FUNCTION IF EXISTS mentoring_session_search();
DROP FUNCTION IF EXISTS mentoring_session_search_text(bigint, text);
"""

# --- SQLite -------------------------------------------------------------------------------------
# No BEFORE trigger can change the row being written, so the session's own triggers run after
# it and update it again (SQLite does not fire a trigger from inside itself).
SQLITE_TEXT = """
NEW.topic || char(10) || coalesce((
    SELECT group_concat(line, char(10)) FROM (
        SELECT e.name || char(10) || p.full_name AS line
        FROM mentoring_sessionenterprise se
        JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
        JOIN cooperatives_person p ON p.id = e.owner_id
        WHERE se.session_id = NEW.id ORDER BY e.id)), '')
"""

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER mentoring_session_search_{event.lower()} AFTER {event}
    ON mentoring_mentoringsession FOR EACH ROW BEGIN
        UPDATE mentoring_mentoringsession SET search_text = {SQLITE_TEXT} WHERE id = NEW.id;
    END"""
    for event in ("INSERT", "UPDATE")
] + [
    f"""CREATE TRIGGER mentoring_participant_search_{event.lower()} AFTER {event}
    ON mentoring_sessionenterprise FOR EACH ROW BEGIN
        UPDATE mentoring_mentoringsession SET topic = topic WHERE id IN ({sessions});
    END"""
    for event, sessions in (
        ("INSERT", "NEW.session_id"),
        ("DELETE", "OLD.session_id"),
        ("UPDATE", "OLD.session_id, NEW.session_id"),
    )
] + [
    """CREATE TRIGGER mentoring_enterprise_search
    AFTER UPDATE OF name, owner_id ON cooperatives_enterprise FOR EACH ROW
    WHEN OLD.name IS NOT NEW.name OR OLD.owner_id IS NOT NEW.owner_id BEGIN
        UPDATE mentoring_mentoringsession SET topic = topic WHERE id IN (
            SELECT session_id FROM mentoring_sessionenterprise WHERE enterprise_id = NEW.id);
    END""",
    """CREATE TRIGGER mentoring_owner_search
    AFTER UPDATE OF full_name ON cooperatives_person FOR EACH ROW
    WHEN OLD.full_name IS NOT NEW.full_name BEGIN
        UPDATE mentoring_mentoringsession SET topic = topic WHERE id IN (
            SELECT se.session_id FROM mentoring_sessionenterprise se
            JOIN cooperatives_enterprise e ON e.id = se.enterprise_id
            WHERE e.owner_id = NEW.id);
    END""",
]

SQLITE_NAMES = [
    "mentoring_session_search_insert",
    "mentoring_session_search_update",
    "mentoring_participant_search_insert",
    "mentoring_participant_search_delete",
    "mentoring_participant_search_update",
    "mentoring_enterprise_search",
    "mentoring_owner_search",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_TEXT)
        schema_editor.execute(PG_BACKFILL)
        schema_editor.execute(PG_TRIGGERS)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
        schema_editor.execute("UPDATE mentoring_mentoringsession SET topic = topic")
    else:
        raise NotImplementedError(f"The session search text has no triggers for {vendor}.")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    else:
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cooperatives", "0004_contact_lookup_indexes"),
        ("mentoring", "0009_contact_lookup_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="mentoringsession",
            name="search_text",
            field=models.TextField(default="", editable=False, verbose_name="teks pencarian"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
