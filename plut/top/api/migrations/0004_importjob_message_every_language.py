"""ImportJob.message becomes every language's text ({"id": ..., "en": ...}), like its errors:
a job runs in a worker, in no reader's language. A message stored before, in one language,
is kept for every language (a type change alone cannot read plain text as JSON)."""

from django.conf import settings
from django.db import migrations, models


def _to_every_language(apps, schema_editor):
    ImportJob = apps.get_model("api", "ImportJob")
    for job in ImportJob.objects.exclude(message="").only("pk", "message"):
        ImportJob.objects.filter(pk=job.pk).update(
            message_every={code: job.message for code, _name in settings.LANGUAGES}
        )


def _to_one_language(apps, schema_editor):
    ImportJob = apps.get_model("api", "ImportJob")
    for job in ImportJob.objects.exclude(message_every={}).only("pk", "message_every"):
        text = job.message_every.get(settings.LANGUAGE_CODE, "")
        ImportJob.objects.filter(pk=job.pk).update(message=text)


class Migration(migrations.Migration):
    dependencies = [("api", "0003_importjob_reclaim")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="message_every",
            field=models.JSONField(blank=True, default=dict, verbose_name="pesan"),
        ),
        migrations.RunPython(_to_every_language, _to_one_language),
        migrations.RemoveField(model_name="importjob", name="message"),
        migrations.RenameField(
            model_name="importjob", old_name="message_every", new_name="message"
        ),
    ]
