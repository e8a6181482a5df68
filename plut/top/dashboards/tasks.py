"""Thin tasks: plut.top.dashboards.services and snapshots do the work."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from plut.top.dashboards import snapshots
from plut.top.dashboards.facts import keep
from plut.top.dashboards.services import utilisation_weekly

PRECOMPUTE_LOCK = f"{snapshots.PREFIX}:precomputing"


@shared_task(ignore_result=True)
def centre_utilisation_weekly() -> None:
    utilisation_weekly()


@shared_task(ignore_result=True)
def dashboard_facts_drain() -> None:
    keep.drain_queued()


@shared_task(ignore_result=True)
def dashboard_snapshot_refresh(**place_and_filters: Any) -> None:
    snapshots.refresh(**place_and_filters)


@shared_task(ignore_result=True)
def dashboard_snapshots_precompute() -> None:
    if not settings.DASHBOARD_PRECOMPUTE:
        return
    # At national scale one pass can outlast the hourly schedule: never two at once.
    if not cache.add(PRECOMPUTE_LOCK, 1, timeout=2 * 3600):
        return
    try:
        snapshots.precompute_defaults()
    finally:
        cache.delete(PRECOMPUTE_LOCK)
