"""Periodic producers of messages (beat entries in settings.CELERY_BEAT_SCHEDULE).

Thin: each asks a service to put what is due in the outbox. Every message has a unique key,
so running a producer twice, or two beats at once, queues nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from mentoring.services.checkins import check_ins_queue
from mentoring.services.notifications import (
    booking_reminders_queue,
    consultant_agendas_queue,
    unconfirmed_nudges_queue,
)


@shared_task(ignore_result=True)
def booking_reminders() -> None:
    booking_reminders_queue()


@shared_task(ignore_result=True)
def consultant_agendas() -> None:
    """Agendas and follow-ups, per centre once its local clock passes the agenda hour."""
    consultant_agendas_queue()


@shared_task(ignore_result=True)
def unconfirmed_booking_nudges() -> None:
    unconfirmed_nudges_queue()


@shared_task(ignore_result=True)
def outcome_check_ins() -> None:
    check_ins_queue()
