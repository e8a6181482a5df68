"""The health report the probes answer with: database, broker, and the worker's heartbeat."""

from __future__ import annotations

import datetime
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from plut.foundation.core.models import WorkerHeartbeat
from plut.foundation.core.services import HEARTBEAT_NAME


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with current_app.connection_for_write() as conn:
            # One attempt with a short timeout: a health probe must answer quickly.
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _worker_seen_at() -> datetime.datetime | None:
    try:
        beat = WorkerHeartbeat.objects.filter(name=HEARTBEAT_NAME).first()
    except Exception:
        return None
    return beat.seen_at if beat else None


def health_report() -> dict[str, Any]:
    """Whether the database and broker answer now, and when a worker was last seen.

    The worker is reported, not required: a web container must stay in the load balancer
    while workers restart, and the outbox catches up once they are back.
    """
    database = _database_ok()
    broker = _broker_ok()
    seen_at = _worker_seen_at() if database else None
    stale_after = datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return {
        "status": "ok" if database and broker else "error",
        "database": "ok" if database else "error",
        "broker": "ok" if broker else "error",
        "worker": {
            "last_seen": seen_at.isoformat() if seen_at else None,
            "status": "ok" if seen_at and timezone.now() - seen_at < stale_after else "unknown",
        },
    }
