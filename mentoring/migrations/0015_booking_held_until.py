"""Every active booking holds a consultant's time, buffer included, and PostgreSQL sees it.

Before: bookings at a centre where no consultant covered the area were stored without a
consultant, and the exclusion constraint (0004) ignored them and covered only the bare
interval, so a race could book one slot many times or put bookings back to back inside the
centre's buffer. Now:

- ``held_until`` is the booking's end plus the centre's buffer when it was placed; existing
  rows hold their bare interval (what 0004 already kept apart), so the new constraint is valid
  on any data 0004 accepted.
- The exclusion constraint keeps one consultant's ``[starts_at, held_until)`` apart.
- Active bookings left without a consultant get the least-booked consultant of their centre
  who is free then (those who cover the area first). What cannot be placed stays for the
  manager, who sees it unassigned in the inbox: the check that an active booking has a
  consultant is then added NOT VALID, enforced on every new or changed row but not on those.
"""

from django.db import migrations, models
from django.db.models import F

ACTIVE = ("requested", "confirmed")

EXCLUDE_HELD = """
ALTER TABLE mentoring_booking DROP CONSTRAINT IF EXISTS booking_consultant_no_overlap;
ALTER TABLE mentoring_booking ADD CONSTRAINT booking_consultant_no_overlap
    EXCLUDE USING gist (consultant_id WITH =, tstzrange(starts_at, held_until, '[)') WITH &&)
    WHERE (consultant_id IS NOT NULL AND status IN ('requested', 'confirmed'));
"""
EXCLUDE_BARE = """
ALTER TABLE mentoring_booking DROP CONSTRAINT IF EXISTS booking_consultant_no_overlap;
ALTER TABLE mentoring_booking ADD CONSTRAINT booking_consultant_no_overlap
    EXCLUDE USING gist (consultant_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (consultant_id IS NOT NULL AND status IN ('requested', 'confirmed'));
"""
HAS_CONSULTANT = """
ALTER TABLE mentoring_booking ADD CONSTRAINT booking_active_has_consultant
    CHECK (consultant_id IS NOT NULL OR status NOT IN ('requested', 'confirmed')) NOT VALID;
"""
VALIDATE = "ALTER TABLE mentoring_booking VALIDATE CONSTRAINT booking_active_has_consultant;"
DROP_HAS_CONSULTANT = (
    "ALTER TABLE mentoring_booking DROP CONSTRAINT IF EXISTS booking_active_has_consultant;"
)


def hold_bare_interval(apps, schema_editor):
    apps.get_model("mentoring", "Booking").objects.update(held_until=F("ends_at"))


def assign_unassigned(apps, schema_editor):
    Booking = apps.get_model("mentoring", "Booking")
    StaffMembership = apps.get_model("clinics", "StaffMembership")
    left = 0
    for booking in Booking.objects.filter(consultant__isnull=True, status__in=ACTIVE).order_by(
        "starts_at", "pk"
    ):
        staff = StaffMembership.objects.filter(
            centre_id=booking.centre_id, user__is_active=True, user__role="consultant"
        )
        covering = set(
            staff.filter(areas=booking.service_area_id).values_list("user_id", flat=True)
        )
        load = {
            user_id: Booking.objects.filter(consultant_id=user_id, status__in=ACTIVE).count()
            for user_id in staff.values_list("user_id", flat=True)
        }
        for user_id in sorted(load, key=lambda u: (u not in covering, load[u], u)):
            busy = Booking.objects.filter(
                consultant_id=user_id,
                status__in=ACTIVE,
                starts_at__lt=booking.held_until,
                held_until__gt=booking.starts_at,
            ).exists()
            if not busy:
                Booking.objects.filter(pk=booking.pk).update(consultant_id=user_id)
                break
        else:
            left += 1
    if schema_editor.connection.vendor == "postgresql":
        # The assignments above queued foreign-key checks, and PostgreSQL alters no table
        # with checks pending in the transaction: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        schema_editor.execute(HAS_CONSULTANT)
        if not left:
            schema_editor.execute(VALIDATE)


def constrain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EXCLUDE_HELD)


def unconstrain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_HAS_CONSULTANT)
        schema_editor.execute(EXCLUDE_BARE)


class Migration(migrations.Migration):
    dependencies = [
        ("mentoring", "0014_booking_typed_details"),
        ("clinics", "0002_centre_buffer_minutes_centre_min_notice_minutes_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="held_until",
            field=models.DateTimeField(null=True, verbose_name="konsultan ditahan sampai"),
        ),
        migrations.RunPython(hold_bare_interval, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="booking",
            name="held_until",
            field=models.DateTimeField(verbose_name="konsultan ditahan sampai"),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(held_until__gte=models.F("ends_at")),
                name="booking_held_through_end",
            ),
        ),
        migrations.RunPython(constrain, unconstrain),
        migrations.RunPython(assign_unassigned, migrations.RunPython.noop),
    ]
