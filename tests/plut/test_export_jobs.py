"""Downloads at any size (plut.foundation.exports): a short list streams within the request, a
long one is written by a background job, whole, in the requester's scope and language, with its
progress, an email when ready, an audited download that is theirs alone, and a sweep that
resumes lost jobs and deletes old files."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import os
import threading

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentoring.models import MentoringSession
from plut.foundation.exports import services
from plut.foundation.exports.models import ExportFailure, ExportJob, ExportStatus
from plut.foundation.exports.registry import export_get, export_register
from plut.foundation.exports.services import export_job_run, export_jobs_sweep
from plut.foundation.messaging.models import Message
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

SESSIONS_CSV = reverse("mentoring:session_export", args=["csv"])


@pytest.fixture
def long_list(world, settings):
    """Six sessions at Lampung, with the stream limit at three: the session list is 'long'."""
    settings.EXPORT_STREAM_MAX_ROWS = 3
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for _ in range(5):
        SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    return world


def _file_rows(job: ExportJob) -> list[list]:
    with job.file.open("rb") as handle:
        data = handle.read()
    if job.fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _streamed_rows(response) -> list[list]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_short_list_streams_within_the_request(client, world, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 3
    client.force_login(world.a.consultant)
    response = client.get(SESSIONS_CSV)
    assert response.status_code == 200
    assert (
        len(_streamed_rows(response))
        == 1 + MentoringSession.objects.filter(centre=world.a.centre).count()
    )
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_list_is_written_whole_by_a_job_in_the_lists_order_and_scope(
    client, long_list, django_capture_on_commit_callbacks, fmt
):
    world = long_list
    SessionFactory(consultant=world.b.consultant, enterprises=[world.b.enterprise])  # outside
    client.force_login(world.a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("mentoring:session_export", args=[fmt]) + "?sort=oldest")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert (job.user, job.export, job.fmt, job.params) == (
        world.a.consultant,
        "sessions",
        fmt,
        "sort=oldest",
    )
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    rows = _file_rows(job)
    mine = MentoringSession.objects.filter(centre=world.a.centre).order_by("starts_at", "id")
    assert [int(row[0]) for row in rows[1:]] == [session.pk for session in mine]
    assert job.total_rows == job.done_rows == mine.count() == 6
    assert rows[0][0] == "ID" and rows[0][1] == "Mulai (waktu setempat)"


def test_the_file_is_written_in_the_language_it_was_asked_in(
    client, long_list, django_capture_on_commit_callbacks
):
    long_list.a.consultant.language = "en"
    long_list.a.consultant.save()
    client.force_login(long_list.a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(SESSIONS_CSV)
    job = ExportJob.objects.get()
    assert job.language == "en"
    assert _file_rows(job)[0][1] == "Start (local time)"


def test_a_second_click_finds_the_job_under_way(client, long_list):
    # No worker runs here: the first job stays pending, and the same request joins it.
    client.force_login(long_list.a.consultant)
    first = client.get(SESSIONS_CSV)
    second = client.get(SESSIONS_CSV)
    assert first["Location"] == second["Location"]
    assert ExportJob.objects.count() == 1
    # Another order is another file.
    client.get(SESSIONS_CSV + "?sort=oldest")
    assert ExportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has one writer at a time; CI runs it on PostgreSQL",
)
def test_two_clicks_at_once_make_one_job(long_list):
    barrier = threading.Barrier(2)
    locations: list[str] = []

    def click() -> None:
        client = Client()
        client.force_login(long_list.a.consultant)
        barrier.wait()
        locations.append(client.get(SESSIONS_CSV)["Location"])
        connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(locations)) == 1
    assert ExportJob.objects.count() == 1


def test_the_job_tells_its_progress_as_it_writes(client, long_list, monkeypatch):
    seen: list[int] = []
    sessions = export_get("sessions")

    def watched(objects):
        for row in sessions.rows(objects):
            seen.append(ExportJob.objects.get().done_rows)
            yield row

    monkeypatch.setattr(services, "EXPORT_CHUNK", 2)
    monkeypatch.setattr(
        services, "export_get", lambda name: dataclasses.replace(sessions, rows=watched)
    )
    client.force_login(long_list.a.consultant)
    client.get(SESSIONS_CSV)
    job = ExportJob.objects.get()
    export_job_run(job_id=job.pk)
    # As each row is read, the rows written so far: told after every chunk of 2.
    assert seen == [0, 0, 2, 2, 4, 4]
    job.refresh_from_db()
    assert (job.done_rows, job.total_rows, job.percent) == (6, 6, 100)


def test_a_second_delivery_of_the_task_writes_nothing(client, long_list):
    client.force_login(long_list.a.consultant)
    client.get(SESSIONS_CSV)
    job = ExportJob.objects.get()
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    written = job.file.name
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.file.name, job.attempts) == (written, 1)


def test_when_ready_the_requester_is_emailed_a_link_in_their_language(
    client, long_list, django_capture_on_commit_callbacks
):
    long_list.a.consultant.email = "rahmat@plut-lampung.example.id"
    long_list.a.consultant.save()
    client.force_login(long_list.a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(SESSIONS_CSV)
    job = ExportJob.objects.get()
    message = Message.objects.get(kind="export-ready")
    assert message.recipient == long_list.a.consultant.email
    assert reverse("exports:job", args=[job.pk]) in message.body
    assert "6 baris" in message.body


def test_a_failure_is_said_on_the_job_and_leaves_no_file(client, long_list, monkeypatch):
    def broken(objects):
        yield from []
        raise RuntimeError("disk full")

    sessions = export_get("sessions")
    monkeypatch.setattr(
        services, "export_get", lambda name: dataclasses.replace(sessions, rows=broken)
    )
    client.force_login(long_list.a.consultant)
    client.get(SESSIONS_CSV)
    job = ExportJob.objects.get()
    with pytest.raises(RuntimeError):
        export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure, job.file.name) == (
        ExportStatus.FAILED,
        ExportFailure.SERVER,
        "",
    )
    body = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "Berkas gagal dibuat karena kesalahan di server" in body


def test_a_list_no_app_defines_any_more_fails_with_a_reason(world):
    job = ExportJob.objects.create(
        user=world.a.consultant, export="hilang", fmt="csv", request_key="x", language="id"
    )
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure) == (ExportStatus.FAILED, ExportFailure.GONE)


def _done_job(world, **fields) -> ExportJob:
    now = timezone.now()
    job = ExportJob(
        **{
            "user": world.a.consultant,
            "export": "sessions",
            "fmt": "csv",
            "request_key": "k",
            "language": "id",
            "filename": "sesi-2026-12-07.csv",
            "status": ExportStatus.DONE,
            "total_rows": 1,
            "done_rows": 1,
            "finished_at": now,
            "expires_at": now + datetime.timedelta(hours=48),
            **fields,
        }
    )
    job.file.save("uji.csv", ContentFile("\ufeffID\r\n1\r\n".encode()))
    return job


def test_the_download_is_the_requesters_alone_and_audited(client, world):
    job = _done_job(world)
    url = reverse("exports:download", args=[job.pk])
    # A colleague at the same centre, and the centre's manager, see the same rows on screen,
    # but not this file: it is what the requester asked for.
    for other in (world.a.manager, world.national):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
    client.force_login(world.a.consultant)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "\ufeffID\r\n1\r\n".encode()
    assert 'filename="sesi-2026-12-07.csv"' in response["Content-Disposition"]
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(job.pk))
    assert entry.actor == world.a.consultant
    assert entry.additional_data["export"] == "sessions"


def test_behind_the_proxy_the_proxy_sends_the_file(client, world, settings):
    settings.EXPORT_SENT_BY_PROXY = True
    job = _done_job(world)
    client.force_login(world.a.consultant)
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/" + job.file.name
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_the_job_page_polls_while_the_job_runs_and_stops_when_done(client, world):
    job = _done_job(world, status=ExportStatus.RUNNING)
    job.total_rows, job.done_rows = 1000, 250
    job.save()
    client.force_login(world.a.consultant)
    part = client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = part.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert "250 dari 1.000 baris" in body
    assert "<html" not in body
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.DONE)
    body = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "hx-trigger" not in body
    assert reverse("exports:download", args=[job.pk]) in body


@pytest.mark.parametrize("pages", [1, 8])
def test_the_downloads_pages_cost_the_same_queries_however_many_jobs(
    client, world, django_assert_num_queries, pages
):
    for number in range(pages):
        _done_job(world, request_key=f"k{number}")
    client.force_login(world.a.consultant)
    # session + user, then the jobs in one query
    with django_assert_num_queries(3):
        response = client.get(reverse("exports:jobs"))
    assert response.content.decode().count(reverse("exports:job", args=[0])[:-2]) >= pages
    job = ExportJob.objects.first()
    with django_assert_num_queries(3):
        client.get(reverse("exports:job", args=[job.pk]))


def test_the_sweep_resumes_lost_jobs_fails_hopeless_ones_and_deletes_old_files(
    world, settings, django_capture_on_commit_callbacks, monkeypatch
):
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS + 1)
    lost = ExportJob.objects.create(
        user=world.a.consultant, export="sessions", fmt="csv", request_key="a", language="id",
        status=ExportStatus.RUNNING, heartbeat_at=stale, attempts=1,
    )  # fmt: skip
    hopeless = ExportJob.objects.create(
        user=world.a.consultant, export="sessions", fmt="csv", request_key="b", language="id",
        status=ExportStatus.RUNNING, heartbeat_at=stale, attempts=services.MAX_ATTEMPTS,
    )  # fmt: skip
    busy = ExportJob.objects.create(
        user=world.a.consultant, export="sessions", fmt="csv", request_key="c", language="id",
        status=ExportStatus.RUNNING, heartbeat_at=now, attempts=1,
    )  # fmt: skip
    old = _done_job(world, request_key="d")
    ExportJob.objects.filter(pk=old.pk).update(expires_at=now - datetime.timedelta(minutes=1))
    path = old.file.path
    queued: list[int] = []
    monkeypatch.setattr("plut.foundation.exports.tasks.export_run.delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        counts = export_jobs_sweep(now=now)

    assert counts == {"resumed": 1, "failed": 1, "expired": 1}
    assert queued == [lost.pk]
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses[hopeless.pk] == ExportStatus.FAILED
    assert statuses[busy.pk] == ExportStatus.RUNNING
    assert statuses[old.pk] == ExportStatus.EXPIRED
    assert not os.path.exists(path)
    # Run again: the lost job is queued again (its task above never ran), nothing else.
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs_sweep(now=now) == {"resumed": 1, "failed": 0, "expired": 0}


def test_every_list_download_is_registered_by_name_once():
    for name in ("sessions", "follow-ups", "enterprises", "cooperatives"):
        assert export_get(name) is not None, name
    with pytest.raises(ValueError):
        export_register(dataclasses.replace(export_get("sessions"), rows=list))
