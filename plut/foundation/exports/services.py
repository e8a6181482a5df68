"""Downloads at any size. A list short enough to be sent within one request streams at once;
a longer one becomes an ``ExportJob`` that a worker writes to storage chunk by chunk, with its
progress on the job's page, an email when it is ready, and a link kept for EXPORT_KEEP_HOURS.

No request outlives the server's timeout this way (plut/deploy/gunicorn.conf.py): writing
830.000 sessions took four minutes, and a sync worker is killed after 30 seconds.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from plut.foundation.accounts.models import User
from plut.foundation.core.exports import export_filename, export_write
from plut.foundation.core.pagination import ordered
from plut.foundation.exports.models import UNFINISHED, ExportFailure, ExportJob, ExportStatus
from plut.foundation.exports.registry import ListExport, export_get
from plut.foundation.messaging.services import message_queue

logger = logging.getLogger(__name__)

# Rows read per query and written between two signs of life.
EXPORT_CHUNK = 2000
# A job is tried this often before it is failed for good (a list that kills its worker).
MAX_ATTEMPTS = 3


def export_objects(export: ListExport, user: User, params: QueryDict) -> tuple[Any, QuerySet[Any]]:
    """The list's FilterSet for ``user`` and ``params``, and its objects in the list's order
    (only meaningful when the FilterSet is valid)."""
    filterset = export.filterset(user, params)
    if not filterset.is_valid():
        return filterset, filterset.rows.none()
    return filterset, ordered(filterset.rows, filterset.ordering)


def export_is_short(objects: QuerySet[Any]) -> bool:
    """Whether the list can be sent within one request: counted up to the limit only, so a
    list of millions costs no more to ask about than one of EXPORT_STREAM_MAX_ROWS."""
    limit: int = settings.EXPORT_STREAM_MAX_ROWS
    return objects[: limit + 1].count() <= limit


def _request_key(export: str, fmt: str, params: str) -> str:
    return hashlib.sha256(f"{export}\n{fmt}\n{params}".encode()).hexdigest()


def export_job_request(*, user: User, export: ListExport, fmt: str, params: str) -> ExportJob:
    """The job writing this download for ``user``: the one already under way for the same list,
    format and filters (a second click, or two at once), else a new one, queued after commit."""
    key = _request_key(export.name, fmt, params)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                user=user,
                export=export.name,
                fmt=fmt,
                params=params,
                request_key=key,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                filename=export_filename(export.filename, fmt),
                heartbeat_at=timezone.now(),
            )
    except IntegrityError:
        # The same request is already under way (the constraint on unfinished jobs).
        return ExportJob.objects.get(user=user, request_key=key, status__in=UNFINISHED)
    _queue(job.pk)
    return job


def _queue(job_id: int) -> None:
    from plut.foundation.exports.tasks import export_run

    transaction.on_commit(lambda: export_run.delay(job_id))


def _claim(job_id: int) -> bool:
    """Take the job for this run: one conditional update, so two deliveries of the task never
    both write it. A job whose worker went silent (EXPORT_STALE_SECONDS) may be taken over."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    return bool(
        ExportJob.objects.filter(
            Q(status=ExportStatus.PENDING) | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=stale),
            pk=job_id,
            attempts__lt=MAX_ATTEMPTS,
        ).update(status=ExportStatus.RUNNING, heartbeat_at=now, attempts=F("attempts") + 1)
    )


def _fail(job_id: int, failure: ExportFailure) -> None:
    ExportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ExportStatus.FAILED, failure=failure, finished_at=timezone.now()
    )


def _counted(job_id: int, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """``rows``, telling the job how far it got after every chunk (its progress bar and its
    sign of life)."""
    for done, row in enumerate(rows, start=1):
        yield row
        if done % EXPORT_CHUNK == 0:
            ExportJob.objects.filter(pk=job_id).update(done_rows=done, heartbeat_at=timezone.now())


def export_job_run(*, job_id: int) -> None:
    """Write a queued job's file once: a second delivery of the task finds it taken."""
    if not _claim(job_id):
        return
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    export = export_get(job.export)
    if export is None:
        _fail(job.pk, ExportFailure.GONE)
        return
    try:
        with translation.override(job.language):
            _write(job, export)
    except Exception:
        # Said on the job at once: otherwise it would look busy until the sweep gave up.
        _fail(job.pk, ExportFailure.SERVER)
        raise
    if job.user.email:
        _tell_ready(job)


def _write(job: ExportJob, export: ListExport) -> None:
    filterset, objects = export_objects(export, job.user, QueryDict(job.params))
    if not filterset.is_valid():
        _fail(job.pk, ExportFailure.FILTERS)
        return
    total = objects.count()
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total, done_rows=0)
    rows = _counted(job.pk, export.rows(objects.iterator(chunk_size=EXPORT_CHUNK)))
    with tempfile.TemporaryFile() as handle:
        export_write(handle, rows=rows, headers=export.headers, sheet=export.filename, fmt=job.fmt)
        handle.seek(0)
        # A name nobody can guess: the file is reached only through the download view anyway.
        job.file.save(f"{uuid.uuid4().hex}.{job.fmt}", File(handle), save=False)
    now = timezone.now()
    finished = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        file=job.file.name,
        done_rows=total,
        finished_at=now,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    if not finished:
        # Taken over meanwhile (this worker looked dead): the other run's file is the one kept.
        job.file.delete(save=False)


def _tell_ready(job: ExportJob) -> None:
    job.refresh_from_db()
    if job.status != ExportStatus.DONE:
        return
    message_queue(
        key=f"export:{job.pk}:ready",
        kind="export-ready",
        to=job.user.email,
        template="exports/email/export_ready",
        context={
            "job": job,
            "title": job.title,
            "url": settings.SITE_URL + reverse("exports:job", args=[job.pk]),
            "zone": settings.TIME_ZONE,
        },
        language=job.language,
        about=job,
    )


def export_jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue again the jobs whose worker died or whose task was lost (failing those tried
    MAX_ATTEMPTS times), and delete the files of expired ones. Each change is a conditional
    update, so two sweeps at once act once."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    silent = Q(status__in=UNFINISHED, heartbeat_at__lt=stale)
    abandoned = ExportJob.objects.filter(silent, attempts__gte=MAX_ATTEMPTS).update(
        status=ExportStatus.FAILED, failure=ExportFailure.ABANDONED, finished_at=now
    )
    resumed = 0
    for job_id in ExportJob.objects.filter(silent, attempts__lt=MAX_ATTEMPTS).values_list(
        "pk", flat=True
    ):
        resumed += 1
        _queue(job_id)
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lt=now):
        if ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file=""
        ):
            job.file.delete(save=False)
            expired += 1
    return {"resumed": resumed, "failed": abandoned, "expired": expired}
