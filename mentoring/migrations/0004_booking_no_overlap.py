"""No consultant ever holds two overlapping active bookings: enforced by PostgreSQL itself.

An exclusion constraint (btree_gist) refuses the second of two concurrent inserts for the same
consultant and overlapping time, however many web workers race. SQLite, the embedded default,
has no such constraint; there every write transaction is serialised (IMMEDIATE), so the
service's check-then-insert inside one transaction cannot interleave.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE mentoring_booking ADD CONSTRAINT booking_consultant_no_overlap
    EXCLUDE USING gist (consultant_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (consultant_id IS NOT NULL AND status IN ('requested', 'confirmed'));
"""
DROP = "ALTER TABLE mentoring_booking DROP CONSTRAINT IF EXISTS booking_consultant_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0003_booking_consent")]

    operations = [migrations.RunPython(forwards, backwards)]
