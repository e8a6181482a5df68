"""Thin tasks: ids in, plut.foundation.exports.services does the work (on the reports queue,
settings.CELERY_TASK_ROUTES, so a national export never delays a reminder)."""

from __future__ import annotations

from celery import shared_task

from plut.foundation.exports.services import export_job_run, export_jobs_sweep


@shared_task(ignore_result=True)
def export_run(job_id: int) -> None:
    export_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def exports_sweep() -> dict[str, int]:
    return export_jobs_sweep()
