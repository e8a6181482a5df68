"""The big export: every session of the country as CSV, asked for as the national user does.

The session list's download link streams a short list at once and turns a longer one into a
background job (plut.foundation.exports: past EXPORT_STREAM_MAX_ROWS), whose page the browser is
sent to. The bench follows the same link; a job it then runs in this process, as a Celery
worker would (one that a worker already took is waited for). The file's rows are counted and
compared with the database's sessions: an export that stops early is not complete.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlparse

from django.urls import resolve, reverse

from mentoring.models import MentoringSession
from plut.foundation.exports.models import UNFINISHED, ExportJob, ExportStatus
from plut.foundation.exports.services import export_job_run
from plut.top.bench.harness import Client

WAIT_SECONDS = 1.0  # between two looks at a job a worker runs
# A job nobody can take (tried too often by an earlier, interrupted run) is given up on after
# this long, and shown as incomplete.
GIVE_UP_SECONDS = 4 * 3600


@dataclass
class ExportResult:
    how: str  # "streamed at once" or "a background job"
    status: str  # HTTP status of the request, or the job's status
    rows: int  # in the file, the header left out
    sessions: int  # in the database
    seconds: float  # from the click to the whole file

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def complete(self) -> bool:
        return self.status in ("200", ExportStatus.DONE) and self.rows == self.sessions

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_second": self.rows_per_second, "complete": self.complete}


def _rows(lines: Iterable[str]) -> int:
    """Records in a CSV, the header left out (a topic may hold line breaks)."""
    return max(0, sum(1 for _record in csv.reader(lines)) - 1)


def _job_finished(job_id: int) -> ExportJob:
    """Run the job here unless a worker has it, then wait until it is written."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while True:
        export_job_run(job_id=job_id)  # does nothing when another run holds the job
        job = ExportJob.objects.get(pk=job_id)
        if job.status not in UNFINISHED or time.monotonic() > deadline:
            return job
        time.sleep(WAIT_SECONDS)


def _file_rows(job: ExportJob) -> int:
    if not job.file:
        return 0
    with job.file.open("rb") as handle:
        return _rows(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))


def _expire(job: ExportJob) -> None:
    """Delete the file at once (the whole country is a gigabyte), keeping the job's page, as
    the sweep does when a download expires."""
    if job.file:
        job.file.delete(save=False)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")


def measure(client: Client, *, log: Callable[[str], None] = lambda line: None) -> ExportResult:
    """Ask for the export of all sessions through ``client`` (signed in as the national user)
    and take it to its whole file."""
    path = reverse("mentoring:session_export", kwargs={"fmt": "csv"})
    started = time.perf_counter()
    reply = client.get(path)
    sessions = MentoringSession.objects.count()
    target = resolve(urlparse(reply.location).path) if reply.status == 302 else None
    if target is not None and target.view_name == "exports:job":
        job = _job_finished(target.kwargs["pk"])
        seconds = time.perf_counter() - started
        result = ExportResult("a background job", job.status, _file_rows(job), sessions, seconds)
        _expire(job)
    else:
        rows = _rows(io.StringIO(reply.text, newline="")) if reply.status == 200 else 0
        result = ExportResult("streamed at once", str(reply.status), rows, sessions, reply.seconds)
    log(f"export: {result.rows} rows in {result.seconds:.1f} s ({result.how})")
    return result


def table(export: dict[str, Any]) -> str:
    return (
        f"\nExport of all sessions (CSV, the national account), {export['how']} "
        f"({export['status']}): {export['rows']:,} rows in {export['seconds']:.1f} s, "
        f"{export['rows_per_second']:,.0f} rows/s; the file holds {export['rows']:,} rows, "
        f"the database {export['sessions']:,} sessions: "
        f"complete: {'yes' if export['complete'] else 'no'}"
    )
