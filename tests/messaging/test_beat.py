"""Periodic tasks: defined in code, copied into django-celery-beat's tables (at migrate and
at beat start) without undoing what an administrator changed there."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from plut.celery import app as celery_app
from plut.foundation.messaging.beat import beat_schedule_sync

pytestmark = pytest.mark.django_db

OURS = [
    "outbox-sweep",
    "booking-reminders",
    "consultant-agendas",
    "unconfirmed-booking-nudges",
    "outcome-check-ins",
]


def test_a_migrated_database_has_every_code_defined_task():
    # pytest-django built the test database with migrate, whose post_migrate signal copies.
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert set(settings.CELERY_BEAT_SCHEDULE) <= names
    assert set(OURS) <= names
    sweep = PeriodicTask.objects.get(name="outbox-sweep")
    assert sweep.task == "plut.foundation.messaging.tasks.outbox_sweep"
    assert (sweep.interval.every, sweep.interval.period) == (60, "seconds")


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks, entry["task"]


def _edit_in_admin(name: str, seconds: int) -> None:
    task = PeriodicTask.objects.get(name=name)
    task.interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    task.save()


def test_an_entry_changed_in_the_admin_is_kept_by_the_next_sync():
    _edit_in_admin("booking-reminders", 900)
    PeriodicTask.objects.filter(name="outcome-check-ins").update(enabled=False)
    result = beat_schedule_sync()
    assert result["booking-reminders"] == "kept"
    assert result["outcome-check-ins"] == "kept"
    assert result["outbox-sweep"] == "same"
    assert PeriodicTask.objects.get(name="booking-reminders").interval.every == 900
    assert not PeriodicTask.objects.get(name="outcome-check-ins").enabled


def test_beat_starting_up_does_not_undo_admin_changes(monkeypatch):
    # The scheduler closes "old" connections, which would include the test's own.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    _edit_in_admin("booking-reminders", 900)
    DatabaseScheduler(app=celery_app, lazy=False)
    assert PeriodicTask.objects.get(name="booking-reminders").interval.every == 900


def test_a_changed_code_schedule_updates_untouched_entries_and_adds_new_ones():
    schedule = {
        **settings.CELERY_BEAT_SCHEDULE,
        "outbox-sweep": {"task": "plut.foundation.messaging.tasks.outbox_sweep", "schedule": 120.0},
        "brand-new": {"task": "plut.foundation.messaging.tasks.outbox_sweep", "schedule": 30.0},
    }
    result = beat_schedule_sync(schedule=schedule)
    assert (result["outbox-sweep"], result["brand-new"]) == ("updated", "created")
    assert PeriodicTask.objects.get(name="outbox-sweep").interval.every == 120


def test_a_deleted_entry_comes_back_and_force_overwrites_admin_changes():
    PeriodicTask.objects.filter(name="outbox-sweep").delete()
    _edit_in_admin("booking-reminders", 900)
    out = io.StringIO()
    call_command("sync_beat_schedule", "--force", stdout=out)
    assert "outbox-sweep: created" in out.getvalue()
    assert "booking-reminders: updated" in out.getvalue()
    assert PeriodicTask.objects.get(name="booking-reminders").interval.every == 300
