"""Import jobs whose worker died are resumed or failed with a message, and uploads (NIKs,
phones) are deleted once PAYLOAD_RETENTION has passed; the sweep is safe to run twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cooperatives.models import Enterprise
from cooperatives.services.imports import ALL_OR_NOTHING, ENTERPRISES
from plut.top.api.models import ImportJob, ImportStatus
from plut.top.api.services import (
    MAX_ATTEMPTS,
    PAYLOAD_RETENTION,
    STALE_CLAIM,
    import_job_run,
    import_jobs_sweep,
)
from tests.api.test_imports import as_csv, row
from tests.conftest import World

ROWS = [row(nama_usaha=f"Usaha {n}", nib=f"91200000002{n:02d}") for n in range(3)]
LONG_AGO = STALE_CLAIM + datetime.timedelta(minutes=1)


@pytest.fixture
def eager(settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _job(world: World, *, age: datetime.timedelta = datetime.timedelta(0), **values) -> ImportJob:
    job = ImportJob.objects.create(
        created_by=world.a.manager,
        centre=world.a.centre,
        kind=ENTERPRISES,
        mode=ALL_OR_NOTHING,
        filename="umkm.csv",
        payload=as_csv(ROWS),
        total_rows=len(ROWS),
        **values,
    )
    # created_at is set on insert; an older upload is made by moving it back.
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    job.refresh_from_db()
    return job


def _dead(world: World, attempts: int = 1, **values) -> ImportJob:
    """A job left running by a worker that died: its last sign of life is too old."""
    return _job(
        world,
        status=ImportStatus.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - LONG_AGO,
        age=LONG_AGO,
        **values,
    )


def test_a_running_job_whose_worker_died_is_resumed_and_finishes(
    world: World, eager, django_capture_on_commit_callbacks
) -> None:
    job = _dead(world)
    with django_capture_on_commit_callbacks(execute=True):
        counts = import_jobs_sweep()
    assert counts == {"expired": 0, "failed": 0, "resumed": 1}
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == (ImportStatus.DONE, 3, 2)
    assert job.message == {}  # what the interrupted run said is gone
    assert bytes(job.payload) == b""


def test_a_resumed_job_does_not_import_its_rows_twice(
    world: World, eager, django_capture_on_commit_callbacks
) -> None:
    """A run killed after its rows were written (before the job was marked done) is re-run
    safely: the rows are found again, not added."""
    job = _dead(world)
    import_job_run(job_id=_job(world).pk)  # the same file, imported in full
    assert Enterprise.objects.filter(name__startswith="Usaha ").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs_sweep()
    job.refresh_from_db()
    assert (job.status, job.created_count, job.unchanged_count) == (ImportStatus.DONE, 0, 3)
    assert Enterprise.objects.filter(name__startswith="Usaha ").count() == 3


def test_the_uploader_sees_why_a_job_stopped(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:
    job = _dead(world)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        import_jobs_sweep()
    assert len(queued) == 1  # the task is queued again
    shown = as_user("manager_a").get(f"/api/v1/imports/{job.pk}/").json()
    assert shown["status"] == ImportStatus.PENDING
    assert "dilanjutkan otomatis" in shown["message"]


def test_a_job_whose_worker_died_every_time_fails_with_a_message(
    world: World, client, django_capture_on_commit_callbacks
) -> None:
    job = _dead(world, attempts=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        counts = import_jobs_sweep()
    assert counts == {"expired": 0, "failed": 1, "resumed": 0}
    assert not queued
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert bytes(job.payload) == b""
    assert job.finished_at is not None
    client.force_login(world.a.manager)
    page = client.get(f"/staff/imports/{job.pk}/").content.decode()
    assert f"berhenti {MAX_ATTEMPTS} kali" in page


def test_a_redelivered_task_takes_over_only_a_dead_claim(world: World) -> None:
    alive = _job(world, status=ImportStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    import_job_run(job_id=alive.pk)
    alive.refresh_from_db()
    assert (alive.status, alive.attempts) == (ImportStatus.RUNNING, 1)
    dead = _dead(world)
    import_job_run(job_id=dead.pk)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (ImportStatus.DONE, 2)


def test_jobs_alive_or_just_queued_are_left_alone(
    world: World, django_capture_on_commit_callbacks
) -> None:
    running = _job(world, status=ImportStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    queued = _job(world, heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert import_jobs_sweep() == {"expired": 0, "failed": 0, "resumed": 0}
    assert not callbacks
    for job in (running, queued):
        before = job.status
        job.refresh_from_db()
        assert job.status == before
        assert bytes(job.payload) != b""


def test_uploads_past_the_retention_are_deleted_and_recent_ones_kept(world: World) -> None:
    old = PAYLOAD_RETENTION + datetime.timedelta(hours=1)
    # A finished job whose upload was left behind, and one still waiting a day later.
    finished_long_ago = _job(world, status=ImportStatus.DONE, age=old)
    stuck = _job(world, age=old, heartbeat_at=timezone.now())
    recent = _job(world, status=ImportStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    counts = import_jobs_sweep()
    assert counts["expired"] == 1
    for job in (finished_long_ago, stuck, recent):
        job.refresh_from_db()
    assert bytes(finished_long_ago.payload) == b""
    assert finished_long_ago.status == ImportStatus.DONE
    assert bytes(stuck.payload) == b""
    assert stuck.status == ImportStatus.FAILED
    assert "24 jam" in stuck.message["id"]
    assert "24 hours" in stuck.message["en"]
    assert bytes(recent.payload) == as_csv(ROWS)
    assert recent.status == ImportStatus.RUNNING


def test_the_sweep_run_twice_does_nothing_the_second_time(
    world: World, django_capture_on_commit_callbacks
) -> None:
    _dead(world)
    _dead(world, attempts=MAX_ATTEMPTS)
    _job(world, age=PAYLOAD_RETENTION + datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as first_queued:
        first = import_jobs_sweep()
    assert first == {"expired": 1, "failed": 1, "resumed": 1}
    assert len(first_queued) == 1
    state = list(ImportJob.objects.values_list("pk", "status", "message", "heartbeat_at"))
    with django_capture_on_commit_callbacks(execute=False) as second_queued:
        second = import_jobs_sweep()
    assert second == {"expired": 0, "failed": 0, "resumed": 0}
    assert not second_queued
    assert list(ImportJob.objects.values_list("pk", "status", "message", "heartbeat_at")) == state
