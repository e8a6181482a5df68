"""Monthly reports: asked for, claimed once, computed from the dashboard selectors, rendered
as XLSX and PDF (plut.top.reports.documents), and mailed to the managers and provincial
officers they concern.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from clinics.models import Centre
from plut.foundation.accounts.models import Role, User
from plut.foundation.messaging.services import Attachment, message_queue, user_language
from plut.foundation.regions.models import Province
from plut.top.reports.documents import report_pdf, report_sections, report_xlsx
from plut.top.reports.models import Report, ReportLevel, ReportStatus, report_key

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-report: another may take it over.
STALE_CLAIM = datetime.timedelta(minutes=30)
# Attachments above this go by link only (the outbox keeps messages small).
ATTACH_LIMIT = 2 * 1024 * 1024


def report_request(
    *,
    level: str,
    month: datetime.date,
    centre: Centre | None = None,
    province: Province | None = None,
    requested_by: User | None = None,
    regenerate: bool = False,
) -> Report:
    """The report of a place and month, created if missing and queued unless already there.

    Asking twice returns the same report. A failed one is queued again; a finished one only
    when ``regenerate`` (for a month still running, whose numbers change).
    """
    month = month.replace(day=1)
    if centre is not None:
        province = centre.province
    key = report_key(level, month, centre.pk if centre else None, province.pk if province else None)
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(key=key).first()
        if report is None:
            report = Report(
                level=level,
                centre=centre,
                province=province,
                month=month,
                key=key,
                requested_by=requested_by,
            )
            report.full_clean(validate_unique=False)
            try:
                # A savepoint: a concurrent request for the same key wins, this one reads it.
                with transaction.atomic():
                    report.save()
            except IntegrityError:
                report = Report.objects.get(key=key)
        elif report.status == ReportStatus.FAILED or (
            regenerate and report.status == ReportStatus.DONE
        ):
            Report.objects.filter(pk=report.pk).update(
                status=ReportStatus.PENDING, progress=0, error="", requested_by=requested_by
            )
            report.refresh_from_db()
        if report.status == ReportStatus.PENDING:
            from plut.top.reports.tasks import report_generate_task

            report_id = report.pk
            transaction.on_commit(lambda: report_generate_task.delay(report_id))
    return report


def _claim(report_id: int) -> bool:
    """Take the report for this worker: one conditional update, so two never both build it."""
    stale = timezone.now() - STALE_CLAIM
    return bool(
        Report.objects.filter(
            Q(status=ReportStatus.PENDING) | Q(status=ReportStatus.RUNNING, updated_at__lt=stale),
            pk=report_id,
        ).update(status=ReportStatus.RUNNING, progress=5, updated_at=timezone.now())
    )


def _progress(report: Report, percent: int) -> None:
    Report.objects.filter(pk=report.pk).update(progress=percent, updated_at=timezone.now())


def report_generate(*, report_id: int) -> bool:
    """Build the report's files if this worker wins the claim; False when someone else has."""
    if not _claim(report_id):
        return False
    report = Report.objects.select_related("centre__province", "province").get(pk=report_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            sections = report_sections(report)
            _progress(report, 50)
            generated_at = timezone.now()
            xlsx = report_xlsx(report, sections, generated_at)
            _progress(report, 70)
            pdf = report_pdf(report, sections, generated_at)
        stem = report.key.replace(":", "-")
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.status, report.progress, report.error = ReportStatus.DONE, 100, ""
        report.generated_at = generated_at
        report.save(
            update_fields=[
                "xlsx",
                "pdf",
                "status",
                "progress",
                "error",
                "generated_at",
                "updated_at",
            ]
        )
    except Exception as error:
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.exception("Report %s failed", report_id)
        raise
    return True


def _recipients(report: Report) -> list[User]:
    """Managers of the centre and the officers of the province (centre and province reports)."""
    people = User.objects.filter(is_active=True).exclude(email="")
    if report.level == ReportLevel.CENTRE:
        return list(
            people.filter(
                Q(role=Role.MANAGER, staff_membership__centre=report.centre_id)
                | Q(role=Role.PROVINCIAL, province=report.province_id)
            ).order_by("pk")
        )
    if report.level == ReportLevel.PROVINCE:
        return list(people.filter(role=Role.PROVINCIAL, province=report.province_id).order_by("pk"))
    return list(people.filter(role=Role.NATIONAL).order_by("pk"))


def report_mail(*, report_id: int) -> int:
    """Queue the finished report to each recipient once (outbox key per report and user)."""
    report = Report.objects.select_related("centre__province", "province").get(pk=report_id)
    if report.status != ReportStatus.DONE:
        return 0
    files = [
        (report.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (report.pdf, "application/pdf"),
    ]
    attachments: list[Attachment] = []
    if sum(field.size for field, _mime in files) <= ATTACH_LIMIT:
        for field, mime in files:
            with field.open("rb") as handle:
                attachments.append(Attachment(field.name.rsplit("/", 1)[-1], handle.read(), mime))
    link = settings.SITE_URL + reverse("dashboards:reports:detail", args=[report.pk])
    queued = 0
    with transaction.atomic():
        for user in _recipients(report):
            message_queue(
                key=f"report:{report.pk}:user:{user.pk}",
                kind="monthly_report",
                to=user.email,
                template="reports/email/monthly_report",
                context={"report": report, "user": user, "link": link},
                language=user_language(user),
                attachments=attachments,
                centre=report.centre,
            )
            queued += 1
    return queued


def reports_monthly(*, today: datetime.date | None = None) -> list[Report]:
    """Ask for last month's report of every active centre, every province with one, and the
    nation. Safe to run every hour: existing reports are found by their key, not made again.

    "Today" is the date in WIB, the last of Indonesia's zones to finish a day (a WIT centre's
    month has ended two hours before), so on the 1st every centre's month is complete.
    """
    today = today or timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    centres = list(Centre.objects.filter(is_active=True).select_related("province"))
    reports = [report_request(level=ReportLevel.CENTRE, month=month, centre=c) for c in centres]
    provinces = {centre.province_id: centre.province for centre in centres}
    reports += [
        report_request(level=ReportLevel.PROVINCE, month=month, province=p)
        for p in provinces.values()
    ]
    reports.append(report_request(level=ReportLevel.NATIONAL, month=month))
    return reports
