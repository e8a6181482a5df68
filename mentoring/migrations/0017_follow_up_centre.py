"""Each follow-up's centre, copied from its session and kept by the database.

A centre's or a province's follow-ups in due order were found through their sessions: half a
million follow-ups joined to five million sessions, sorted, 150-450 ms a page at national
scale whichever the tab (docs/performance.md, session 14: the workspace). With the centre on
the row, an index of (centre, due date) answers them (0018).

The copy stays true whatever writes. ``FollowUp.save()`` gives a new follow-up its session's
centre; the database sets it again from the session whenever a follow-up is written with a
session (PostgreSQL before the row is written, so any writer may leave it out; SQLite after,
so a writer must give one), and when a session moves to another centre its follow-ups move
with it (the admin can move a session). On PostgreSQL a follow-up written while its session
is being moved waits for the move (``FOR SHARE``), so it reads the centre the move commits.

Deploying: the follow-ups are locked while their centres are written, and sessions against
writes (reads go on) so that no move falls between the copy and the triggers: 17 s for half a
million follow-ups on the benchmark machine. The indexes come after, built CONCURRENTLY (0018).
"""

import django.db.models.deletion
from django.db import migrations, models

PG_BACKFILL = """
LOCK TABLE mentoring_mentoringsession IN SHARE MODE;
UPDATE mentoring_followup f SET centre_id = s.centre_id
FROM mentoring_mentoringsession s WHERE s.id = f.session_id;
"""

SQLITE_BACKFILL = """
UPDATE mentoring_followup SET centre_id = (
    SELECT centre_id FROM mentoring_mentoringsession WHERE id = mentoring_followup.session_id
);
"""

PG_TRIGGERS = """
CREATE FUNCTION mentoring_follow_up_centre() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    session_centre bigint;
BEGIN
    SELECT centre_id INTO session_centre FROM mentoring_mentoringsession
    WHERE id = NEW.session_id FOR SHARE;
    NEW.centre_id := coalesce(session_centre, NEW.centre_id);
    RETURN NEW;
END $$;

CREATE TRIGGER mentoring_follow_up_centre
BEFORE INSERT OR UPDATE OF session_id, centre_id ON mentoring_followup
FOR EACH ROW EXECUTE FUNCTION mentoring_follow_up_centre();

CREATE FUNCTION mentoring_session_moves_follow_ups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mentoring_followup SET centre_id = NEW.centre_id WHERE session_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER mentoring_session_moves_follow_ups
AFTER UPDATE OF centre_id ON mentoring_mentoringsession
FOR EACH ROW WHEN (OLD.centre_id IS DISTINCT FROM NEW.centre_id)
EXECUTE FUNCTION mentoring_session_moves_follow_ups();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS mentoring_session_moves_follow_ups ON mentoring_mentoringsession;
DROP FUNCTION IF EXISTS mentoring_session_moves_follow_ups();
DROP TRIGGER IF EXISTS mentoring_follow_up_centre ON mentoring_followup;
DROP FUNCTION IF EXISTS mentoring_follow_up_centre();
"""

# SQLite cannot change the row a BEFORE trigger writes: the row is corrected after. Its
# triggers do not fire themselves (recursive_triggers is off).
SESSION_CENTRE = "(SELECT centre_id FROM mentoring_mentoringsession WHERE id = NEW.session_id)"
SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER mentoring_follow_up_centre_insert AFTER INSERT ON mentoring_followup
WHEN NEW.centre_id IS NOT {SESSION_CENTRE}
BEGIN
    UPDATE mentoring_followup SET centre_id = {SESSION_CENTRE} WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER mentoring_follow_up_centre_update
AFTER UPDATE OF session_id, centre_id ON mentoring_followup
WHEN NEW.centre_id IS NOT {SESSION_CENTRE}
BEGIN
    UPDATE mentoring_followup SET centre_id = {SESSION_CENTRE} WHERE id = NEW.id;
END
""",
    """
CREATE TRIGGER mentoring_session_moves_follow_ups
AFTER UPDATE OF centre_id ON mentoring_mentoringsession
WHEN OLD.centre_id IS NOT NEW.centre_id
BEGIN
    UPDATE mentoring_followup SET centre_id = NEW.centre_id WHERE session_id = NEW.id;
END
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS mentoring_follow_up_centre_insert",
    "DROP TRIGGER IF EXISTS mentoring_follow_up_centre_update",
    "DROP TRIGGER IF EXISTS mentoring_session_moves_follow_ups",
]


def backfill(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(PG_BACKFILL if postgresql else SQLITE_BACKFILL)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGERS)
    else:
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0003_centre_whatsapp_map_url"),
        ("mentoring", "0016_booking_calendar_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="centre",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_ups",
                to="clinics.centre",
                verbose_name="PLUT",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="followup",
            name="centre",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_ups",
                to="clinics.centre",
                verbose_name="PLUT",
            ),
        ),
        # After the AlterField, which SQLite carries out by copying the table (and its
        # triggers would not come along).
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
