"""The worker heartbeat: a periodic task stamps it, the health probes (plut.top.portal) read it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from plut.foundation.core.models import WorkerHeartbeat

HEARTBEAT_NAME = "celery"


def worker_heartbeat_record(*, now: datetime.datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=HEARTBEAT_NAME, defaults={"seen_at": now or timezone.now()}
    )
