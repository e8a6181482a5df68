"""Thin tasks: plut.dashboards.services does the work."""

from __future__ import annotations

from celery import shared_task

from plut.dashboards.services import utilisation_weekly


@shared_task(ignore_result=True)
def centre_utilisation_weekly() -> None:
    utilisation_weekly()
