"""Session 12 moved the cross-cutting apps into ``plut/foundation`` and ``plut/top``; a Celery
task's name is its module path, so the periodic tasks kept in django-celery-beat's tables
(including any an administrator edited) are renamed here. An entry still as the code left it
gets its sync fingerprint renewed, so later code changes keep reaching it."""

from django.db import migrations

from plut.foundation.messaging.beat import MARK, _fingerprint

MOVED = {
    "plut.core.": "plut.foundation.core.",
    "plut.messaging.": "plut.foundation.messaging.",
    "plut.api.": "plut.top.api.",
    "plut.dashboards.": "plut.top.dashboards.",
    "plut.reports.": "plut.top.reports.",
}


def rename(apps, schema_editor, moves=MOVED):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.all():
        for old, new in moves.items():
            if task.task.startswith(old):
                untouched = task.description == MARK + _fingerprint(task)
                task.task = new + task.task[len(old) :]
                if untouched:
                    task.description = MARK + _fingerprint(task)
                task.save(update_fields=["task", "description"])
                break


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, moves={new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
