"""A round trip through a real Celery worker on the configured broker (Redis in CI)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import OperationalError, connections

from plut.celery import app as celery_app
from plut.foundation.core.models import WorkerHeartbeat
from plut.foundation.core.tasks import worker_heartbeat


def _close_worker_connections(**_: object) -> None:
    # The worker thread opened its own database connection; close it so the test database
    # can be flushed and dropped.
    connections.close_all()


def _heartbeat_seen() -> bool:
    try:
        return WorkerHeartbeat.objects.exists()
    except OperationalError:
        # SQLite's in-memory test database is shared between this thread and the worker's
        # through its shared cache, which locks a table for a reader while the worker writes
        # it ("database table is locked"): the heartbeat is being written; look again.
        return False


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_the_broker_is_run_by_a_worker():
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            worker_heartbeat.delay()
            deadline = time.monotonic() + 30
            while not _heartbeat_seen() and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert WorkerHeartbeat.objects.filter(name="celery").exists()


def test_the_heartbeat_is_scheduled_in_code_for_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == worker_heartbeat.name
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_tasks_are_acknowledged_late_so_a_killed_worker_loses_nothing():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
