from __future__ import annotations

from celery import shared_task

from mentoring.notifications import booking_notice_send


@shared_task(
    ignore_result=True,
    autoretry_for=(ConnectionError, TimeoutError),
    max_retries=5,
    retry_backoff=True,
)
def booking_notice(booking_id: int, notice: str) -> None:
    """Thin: ids in, the service does the work. Temporary mail failures are retried."""
    booking_notice_send(booking_id=booking_id, notice=notice)
