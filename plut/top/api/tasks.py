from __future__ import annotations

from celery import shared_task

from plut.top.api.services import import_job_run, import_jobs_sweep


@shared_task(ignore_result=True)
def import_run(job_id: int) -> None:
    """Thin: the id in, the service does the work (and runs a job only once)."""
    import_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def import_jobs_sweep_task() -> None:
    """Periodic: resume or fail jobs whose worker died, delete old uploads (safe to overlap)."""
    import_jobs_sweep()
