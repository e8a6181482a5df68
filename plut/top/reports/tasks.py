"""Thin tasks: ids in, plut.top.reports.services does the work."""

from __future__ import annotations

from celery import shared_task

from plut.top.reports.models import Report
from plut.top.reports.services import report_generate, report_mail, reports_monthly


@shared_task(ignore_result=True)
def report_generate_task(report_id: int) -> None:
    """Build one report; a duplicate delivery finds it claimed and does nothing. The reports
    beat asks for (nobody requested them) are then mailed, once per recipient."""
    built = report_generate(report_id=report_id)
    if built and Report.objects.filter(pk=report_id, requested_by__isnull=True).exists():
        report_mail(report_id=report_id)


@shared_task(ignore_result=True)
def monthly_reports() -> None:
    reports_monthly()
