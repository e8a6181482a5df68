"""Thin tasks: ids in, plut.messaging.services does the work."""

from __future__ import annotations

from celery import shared_task

from plut.messaging.services import message_deliver, messages_sweep


@shared_task(bind=True, ignore_result=True, max_retries=None)
def message_send(self, message_id: int) -> None:
    """Send one outbox row. Safe to deliver twice: the claim lets one run through.

    The number of attempts is kept on the row (MESSAGING_MAX_ATTEMPTS), not in Celery.
    """
    delay = message_deliver(message_id=message_id)
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(ignore_result=True)
def outbox_sweep() -> None:
    messages_sweep()
