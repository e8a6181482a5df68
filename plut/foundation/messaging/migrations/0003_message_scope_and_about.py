"""The outbox stops pointing up into the domain apps (docs/architecture.md, session 12).

Its keys to clinics.Centre, mentoring.Booking and mentoring.MentoringSession become:
- ``centre_id``, the same column without its foreign-key constraint, and ``province``, a key
  to regions (below messaging), which together scope a message to managers and officers;
- ``about``, the record a message tells about as "app_label.model:pk", which lets the deletion
  of a booking or a session withdraw what is still unsent (a survey names its session).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

BOOKING, SESSION = "mentoring.booking:", "mentoring.mentoringsession:"


def stamp(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    Centre = apps.get_model("clinics", "Centre")
    Message.objects.filter(centre__isnull=False).update(
        province=Subquery(Centre.objects.filter(pk=OuterRef("centre_id")).values("province")[:1])
    )
    Message.objects.filter(session__isnull=False).update(
        about=Concat(Value(SESSION), Cast("session_id", CharField()))
    )
    Message.objects.filter(session__isnull=True, booking__isnull=False).update(
        about=Concat(Value(BOOKING), Cast("booking_id", CharField()))
    )
    _checked_now(schema_editor)


def _checked_now(schema_editor):
    """PostgreSQL checks the foreign keys of the rows just updated at commit; the table cannot
    be altered while those checks wait, so they run now."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def unstamp(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    for prefix, field, model in (
        (BOOKING, "booking_id", apps.get_model("mentoring", "Booking")),
        (SESSION, "session_id", apps.get_model("mentoring", "MentoringSession")),
    ):
        for pk, about in Message.objects.filter(about__startswith=prefix).values_list("pk", "about"):
            record = int(about[len(prefix) :])
            # A record deleted since is left out, as its key's SET_NULL would have done.
            if model.objects.filter(pk=record).exists():
                Message.objects.filter(pk=pk).update(**{field: record})
    _checked_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_periodic_task_paths"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="about",
            field=models.CharField(blank=True, db_index=True, max_length=100, verbose_name="tentang"),
        ),
        migrations.AddField(
            model_name="message",
            name="province",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.province",
                verbose_name="provinsi",
            ),
        ),
        migrations.RunPython(stamp, unstamp),
        migrations.RemoveField(model_name="message", name="booking"),
        migrations.RemoveField(model_name="message", name="session"),
        migrations.SeparateDatabaseAndState(
            # The column stays, with its values; only the constraint and its own index go.
            database_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="centre",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages",
                        to="clinics.centre",
                        verbose_name="PLUT",
                        db_constraint=False,
                        db_index=False,
                    ),
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="message", name="messaging_m_centre__dbf31a_idx"),
                migrations.RemoveField(model_name="message", name="centre"),
                migrations.AddField(
                    model_name="message",
                    name="centre_id",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="PLUT"),
                ),
                # The same index on the same column (centre_id, created_at): named as before.
                migrations.AddIndex(
                    model_name="message",
                    index=models.Index(
                        fields=["centre_id", "-created_at"], name="messaging_m_centre__dbf31a_idx"
                    ),
                ),
            ],
        ),
    ]
