"""Periodic tasks are defined in code (CELERY_BEAT_SCHEDULE) and kept in django-celery-beat's
tables, where an administrator may change or pause them.

django-celery-beat's own start-up copy overwrites the tables from code every time beat starts,
undoing any change made in the admin. ``plut/celery.py`` therefore hands beat an empty code
schedule and this module copies instead, at every ``migrate`` and beat start: new entries are
created; an existing entry is brought up to date with the code only while nobody has edited it
(its state still matches the fingerprint written at the last copy); an edited one is kept.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

MARK = "Defined in code (CELERY_BEAT_SCHEDULE). Sync fingerprint: "


def _fingerprint(task: PeriodicTask) -> str:
    state = "|".join(
        str(value)
        for value in (
            task.task,
            task.interval_id,
            task.crontab_id,
            task.solar_id,
            task.clocked_id,
            task.args,
            task.kwargs,
            task.enabled,
            task.queue,
            task.priority,
            task.expire_seconds,
            task.one_off,
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _stamp(task: PeriodicTask) -> None:
    task.description = MARK + _fingerprint(task)
    task.save()


def beat_schedule_sync(
    *, schedule: dict[str, dict[str, Any]] | None = None, force: bool = False
) -> dict[str, str]:
    """Copy the code schedule into the database. Returns {name: created|updated|kept|same}."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    result = {}
    for name, entry in schedule.items():
        fields = ModelEntry._unpack_fields(**entry)
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            _stamp(PeriodicTask(name=name, **fields))
            result[name] = "created"
            continue
        if not force and task.description != MARK + _fingerprint(task):
            result[name] = "kept"  # changed in the admin since the last copy: theirs wins
            continue
        before = _fingerprint(task)
        for field, value in fields.items():
            setattr(task, field, value)
        if force:
            task.enabled = True
        changed = _fingerprint(task) != before
        _stamp(task)
        result[name] = "updated" if changed else "same"
    return result
