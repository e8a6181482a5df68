from __future__ import annotations

from celery import shared_task

from plut.foundation.core.services import worker_heartbeat_record


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Beat queues this every minute; when it runs, a worker is alive and consuming."""
    worker_heartbeat_record()
