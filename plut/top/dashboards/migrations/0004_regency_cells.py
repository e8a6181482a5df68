"""The facts of the dashboards' regency filter (``RegencyCell``), and the marks they need.

A regency's figures follow the enterprises: a booking's enterprise, and an enterprise's regency,
now matter. The bookings' trigger also watches ``enterprise_id``; an enterprise moved to another
regency marks every centre and date of its sessions and bookings. The marks of everything
recorded are written again (as in 0003) so Celery builds the new cells of an existing database;
it recomputes every cell on the way (docs/performance.md: minutes at national scale, the
dashboards marked as being updated meanwhile).
"""

from importlib import import_module

from django.db import migrations, models

facts_0003 = import_module("plut.top.dashboards.migrations.0003_fact_triggers")
BOOKINGS = "mentoring_booking"
BOOKING_COLUMNS = ["centre_id", "starts_at", "ends_at", "status", "service_area_id", "mode"]
ENTERPRISES = "cooperatives_enterprise"


def _enterprise_marks(utc_date: str) -> str:
    """The marks of every session and booking of the enterprise a trigger fires for."""
    return (
        f"INSERT INTO {facts_0003.MARKS} (centre_id, day) "
        f"SELECT s.centre_id, {utc_date.format('s.starts_at')} FROM {facts_0003.SESSIONS} s "
        "JOIN mentoring_sessionenterprise p ON p.session_id = s.id WHERE p.enterprise_id = NEW.id "
        f"UNION SELECT centre_id, {utc_date.format('starts_at')} FROM {BOOKINGS} "
        "WHERE enterprise_id = NEW.id"
    )


def _booking_trigger(vendor: str, columns: list[str]) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS dashboards_mark_booking ON {BOOKINGS}",
            "DROP FUNCTION IF EXISTS dashboards_mark_booking()",
            *facts_0003.postgresql_trigger(BOOKINGS, "booking", columns, None),
        ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS dashboards_mark_booking_{op}"
            for op in ("insert", "delete", "update")
        ),
        *facts_0003.sqlite_triggers(BOOKINGS, "booking", columns, None),
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _booking_trigger(vendor, [*BOOKING_COLUMNS, "enterprise_id"])
    if vendor == "postgresql":
        statements += [
            f"""CREATE FUNCTION dashboards_mark_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_enterprise_marks(facts_0003.PG_DATE)};
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER dashboards_mark_enterprise AFTER UPDATE OF regency_id ON {ENTERPRISES} "
            "FOR EACH ROW WHEN (NEW.regency_id IS DISTINCT FROM OLD.regency_id) "
            "EXECUTE FUNCTION dashboards_mark_enterprise()",
        ]
        utc_date = facts_0003.PG_DATE
    elif vendor == "sqlite":
        statements.append(
            f"CREATE TRIGGER dashboards_mark_enterprise AFTER UPDATE OF regency_id ON {ENTERPRISES} "
            "WHEN NEW.regency_id IS NOT OLD.regency_id "
            f"BEGIN {_enterprise_marks(facts_0003.SQLITE_DATE)}; END"
        )
        utc_date = facts_0003.SQLITE_DATE
    else:
        raise NotImplementedError(f"The dashboards' facts have no triggers for {vendor}.")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(facts_0003._backfill(utc_date))


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _booking_trigger(vendor, BOOKING_COLUMNS)
    if vendor == "postgresql":
        statements += [
            f"DROP TRIGGER IF EXISTS dashboards_mark_enterprise ON {ENTERPRISES}",
            "DROP FUNCTION IF EXISTS dashboards_mark_enterprise()",
        ]
    else:
        statements.append("DROP TRIGGER IF EXISTS dashboards_mark_enterprise")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_fact_triggers"),
        ("cooperatives", "0008_nikview"),
        ("mentoring", "0018_follow_up_and_booking_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegencyCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sessions", models.PositiveIntegerField(default=0, verbose_name="sesi")),
                (
                    "contact_minutes",
                    models.PositiveBigIntegerField(default=0, verbose_name="waktu kontak (menit)"),
                ),
                (
                    "preparation_minutes",
                    models.PositiveBigIntegerField(
                        default=0, verbose_name="waktu persiapan (menit)"
                    ),
                ),
                (
                    "travel_minutes",
                    models.PositiveBigIntegerField(
                        default=0, verbose_name="waktu perjalanan (menit)"
                    ),
                ),
                ("surveys", models.PositiveIntegerField(default=0, verbose_name="survei dijawab")),
                (
                    "score_sum",
                    models.PositiveBigIntegerField(default=0, verbose_name="jumlah nilai survei"),
                ),
                ("bookings", models.PositiveIntegerField(default=0, verbose_name="pemesanan")),
                (
                    "bookings_completed",
                    models.PositiveIntegerField(default=0, verbose_name="pemesanan selesai"),
                ),
                (
                    "bookings_no_show",
                    models.PositiveIntegerField(default=0, verbose_name="pemesanan tidak hadir"),
                ),
                (
                    "bookings_cancelled",
                    models.PositiveIntegerField(default=0, verbose_name="pemesanan dibatalkan"),
                ),
                (
                    "booked_seconds",
                    models.PositiveBigIntegerField(
                        default=0, verbose_name="detik dipesan (tidak batal)"
                    ),
                ),
                ("enterprises", models.BinaryField(verbose_name="UMKM hadir (bitmap)")),
                ("cooperatives", models.BinaryField(verbose_name="koperasi dilayani (bitmap)")),
                ("centre_id", models.BigIntegerField(verbose_name="PLUT")),
                ("province", models.IntegerField(verbose_name="provinsi")),
                ("regency", models.CharField(max_length=5, verbose_name="kabupaten/kota")),
                ("area", models.PositiveIntegerField(verbose_name="bidang layanan")),
                ("mode", models.CharField(max_length=20, verbose_name="cara")),
                ("day", models.DateField(verbose_name="awal bulan")),
            ],
            options={
                "verbose_name": "sel dasbor kabupaten/kota",
                "verbose_name_plural": "sel dasbor kabupaten/kota",
                "indexes": [
                    models.Index(fields=["centre_id", "day"], name="regency_cell_centre_day")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("regency", "centre_id", "day", "area", "mode"),
                        name="regency_cell_once",
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
