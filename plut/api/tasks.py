from __future__ import annotations

from celery import shared_task

from plut.api.services import import_job_run


@shared_task(ignore_result=True)
def import_run(job_id: int) -> None:
    """Thin: the id in, the service does the work (and runs a job only once)."""
    import_job_run(job_id=job_id)
