"""Audit entries of persons written with django-auditlog's default mask, which hid only the
first half of a value (a NIK's birth month, year and serial stayed readable), are masked
again: all but the last two characters hidden. New entries use the pages' own masks
(``AUDITLOG_MASK_CALLABLE``)."""

from django.db import migrations

MASKED = ("nik", "phone")


def _remask(value):
    if not isinstance(value, str) or "*" not in value:
        return value  # empty, or already written by the pages' masks (no leading stars)
    if not value.startswith("*"):
        return value
    return "*" * max(len(value) - 2, 0) + value[-2:]


def remask(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    person = ContentType.objects.filter(app_label="cooperatives", model="person").first()
    if person is None:
        return
    for entry in LogEntry.objects.filter(content_type=person).iterator(chunk_size=2000):
        changes = entry.changes
        if not isinstance(changes, dict) or not any(name in changes for name in MASKED):
            continue
        for name in MASKED:
            if isinstance(changes.get(name), list):
                changes[name] = [_remask(value) for value in changes[name]]
        LogEntry.objects.filter(pk=entry.pk).update(changes=changes)


class Migration(migrations.Migration):
    dependencies = [
        ("cooperatives", "0006_person_from_public_booking"),
        ("auditlog", "0015_alter_logentry_changes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
