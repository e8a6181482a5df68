"""Every write that can change a dashboard figure leaves a mark for the facts (dashboards 0002).

Triggers, not Django signals: sessions, attendance, cooperatives, surveys and bookings are also
written by ``update()``, ``bulk_create``, merges, the importer and raw SQL, and each of those
paths must move the figures. A trigger writes the centre and the UTC date of the session or
booking concerned (before and after an update that moves it); ``plut.top.dashboards.facts.keep``
turns each mark into the local days and months it may fall on, recomputes them and deletes it.
An update that touches none of the columns the figures read (a session's search text being
refreshed, a booking's reminder stamp) leaves no mark.

The marks of what is already recorded are written here too, so Celery builds the facts of an
existing database after this migration (docs/performance.md: about N minutes at national scale).
"""

from django.db import migrations

MARKS = "dashboards_dirtymark"
SESSIONS = "mentoring_mentoringsession"

# table -> (name, the columns whose change matters, the column leading to the session, if any)
WATCHED = {
    SESSIONS: (
        "session",
        [
            "centre_id",
            "starts_at",
            "service_area_id",
            "mode",
            "consultant_id",
            "contact_minutes",
            "preparation_minutes",
            "travel_minutes",
        ],
        None,
    ),
    "mentoring_sessionenterprise": (
        "participant",
        ["session_id", "enterprise_id", "attended"],
        "session_id",
    ),
    "mentoring_mentoringsession_cooperatives": (
        "cooperative",
        ["mentoringsession_id", "cooperative_id"],
        "mentoringsession_id",
    ),
    "mentoring_satisfactionsurvey": ("survey", ["session_id", "score"], "session_id"),
    "mentoring_booking": (
        "booking",
        ["centre_id", "starts_at", "ends_at", "status", "service_area_id", "mode"],
        None,
    ),
}


def _mark(row: str, via: str | None, utc_date: str) -> str:
    """The INSERT of one mark for the trigger's ``row`` (NEW or OLD)."""
    if via is None:
        return (
            f"INSERT INTO {MARKS} (centre_id, day) "
            f"VALUES ({row}.centre_id, {utc_date.format(f'{row}.starts_at')})"
        )
    return (
        f"INSERT INTO {MARKS} (centre_id, day) "
        f"SELECT centre_id, {utc_date.format('starts_at')} FROM {SESSIONS} "
        f"WHERE id = {row}.{via}"
    )


PG_DATE = "({} AT TIME ZONE 'UTC')::date"
SQLITE_DATE = "date({})"


def postgresql_trigger(table: str, name: str, columns: list[str], via: str | None) -> list[str]:
    """The function and trigger that mark what a write to ``table`` may change (also used by
    later migrations that watch more columns)."""
    new = ", ".join(f"NEW.{c}" for c in columns)
    old = ", ".join(f"OLD.{c}" for c in columns)
    return [
        f"""CREATE FUNCTION dashboards_mark_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_mark("OLD", via, PG_DATE)};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_mark("NEW", via, PG_DATE)};
    END IF;
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER dashboards_mark_{name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION dashboards_mark_{name}()",
    ]


def _postgresql() -> list[str]:
    statements = []
    for table, (name, columns, via) in WATCHED.items():
        statements += postgresql_trigger(table, name, columns, via)
    return statements


def sqlite_triggers(table: str, name: str, columns: list[str], via: str | None) -> list[str]:
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
    return [
        f"CREATE TRIGGER dashboards_mark_{name}_insert AFTER INSERT ON {table} "
        f"BEGIN {_mark('NEW', via, SQLITE_DATE)}; END",
        f"CREATE TRIGGER dashboards_mark_{name}_delete AFTER DELETE ON {table} "
        f"BEGIN {_mark('OLD', via, SQLITE_DATE)}; END",
        f"CREATE TRIGGER dashboards_mark_{name}_update AFTER UPDATE ON {table} "
        f"WHEN NOT ({unchanged}) "
        f"BEGIN {_mark('OLD', via, SQLITE_DATE)}; {_mark('NEW', via, SQLITE_DATE)}; END",
    ]


def _sqlite() -> list[str]:
    statements = []
    for table, (name, columns, via) in WATCHED.items():
        statements += sqlite_triggers(table, name, columns, via)
    return statements


def _backfill(utc_date: str) -> str:
    """One mark per centre and date that holds a session or a booking already."""
    return (
        f"INSERT INTO {MARKS} (centre_id, day) "
        f"SELECT centre_id, {utc_date.format('starts_at')} FROM {SESSIONS} "
        f"UNION SELECT centre_id, {utc_date.format('starts_at')} FROM mentoring_booking"
    )


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements, utc_date = _postgresql(), PG_DATE
    elif vendor == "sqlite":
        statements, utc_date = _sqlite(), SQLITE_DATE
    else:
        raise NotImplementedError(f"The dashboards' facts have no triggers for {vendor}.")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(_backfill(utc_date))


def drop(apps, schema_editor):
    for table, (name, _columns, _via) in WATCHED.items():
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_mark_{name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS dashboards_mark_{name}()")
        else:
            for op in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_mark_{name}_{op}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_facts"),
        ("mentoring", "0016_booking_calendar_sequence"),
    ]

    operations = [migrations.RunPython(create, drop)]
