"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plut.settings")

app = Celery("plut")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Beat reads its schedule from django-celery-beat's tables only. The code schedule
# (settings.CELERY_BEAT_SCHEDULE) reaches those tables through plut.foundation.messaging.beat,
# which, unlike beat's own start-up copy, keeps what an administrator changed.
app.conf.beat_schedule = {}
app.autodiscover_tasks()


@beat_init.connect
def _sync_schedule_before_beat(**_: object) -> None:
    from plut.foundation.messaging.beat import beat_schedule_sync

    beat_schedule_sync()
