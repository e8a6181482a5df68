"""Thin tasks: ids in, plut.foundation.messaging.services does the work."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from plut.foundation.messaging.services import message_deliver, messages_purge, messages_sweep

# A database that cannot be reached (a restart, a failover) is retried by the task itself,
# 5, 10, 20 … s apart and at most this often, instead of waiting for the sweep's requeue
# (MESSAGING_REQUEUE_AFTER_SECONDS); after that the sweep still has the row.
DATABASE_RETRIES = 8


def database_retry_delay(retries: int) -> int:
    return min(5 * 2**retries, 300)


# time_limit: the prefork pool (the default) kills the send there, before its claim's lease
# runs out and the sweep could hand the message to a second worker (MESSAGING_LEASE_SECONDS).
@shared_task(
    bind=True,
    ignore_result=True,
    max_retries=None,
    time_limit=settings.MESSAGING_SEND_TIME_LIMIT,
)
def message_send(self: Task, message_id: int) -> None:
    """Send one outbox row. Safe to deliver twice: the claim lets one run through.

    The number of send attempts is kept on the row (MESSAGING_MAX_ATTEMPTS), not in Celery;
    Celery's own retries count only database outages (DATABASE_RETRIES).
    """
    try:
        delay = message_deliver(message_id=message_id)
    except (OperationalError, InterfaceError) as error:
        # Celery's Django fixup closes the broken connection after the task, before the retry.
        if self.request.retries >= DATABASE_RETRIES:
            raise
        raise self.retry(countdown=database_retry_delay(self.request.retries), exc=error) from error
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(ignore_result=True)
def outbox_sweep() -> None:
    messages_sweep()


@shared_task(ignore_result=True)
def outbox_purge() -> None:
    messages_purge()
