"""Monthly reports: numbers equal to independent counts, files that open, a PDF page or more
per section, one build per claim, scoped downloads, on-demand progress, and the monthly beat."""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import zlib

import pytest
from django.conf import settings
from openpyxl import load_workbook

from clinics.models import Centre
from plut.foundation.messaging.models import Message
from plut.top.reports.models import Report, ReportLevel, ReportStatus
from plut.top.reports.services import (
    report_generate,
    report_mail,
    report_request,
    reports_monthly,
)
from tests.factories.dashboards import expected, generate

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)
DECEMBER = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def december(world, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(NOW, tick=False)
    generate([world.a.centre, world.b.centre])
    # The queued task would go to the broker; the tests run the service themselves.
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(level=ReportLevel.CENTRE, month=DECEMBER, centre=world.a.centre)
    assert report_generate(report_id=report.pk)
    report.refresh_from_db()
    return report


def _page_count(pdf: bytes) -> int:
    """Page objects in a PDF, including those packed into compressed object streams."""
    chunks = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(stream))
    return sum(len(re.findall(rb"/Type\s*/Page(?!s)\b", chunk)) for chunk in chunks)


def _sheet_values(report: Report, title: str) -> dict[str, list]:
    with report.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    sheet = workbook[title]
    return {str(row[0]): list(row[1:]) for row in sheet.iter_rows(values_only=True) if row}


def test_the_report_numbers_equal_independent_counts_for_the_month(world, december):
    assert december.status == ReportStatus.DONE and december.progress == 100
    rows = _sheet_values(december, "Ringkasan")
    truth = expected([world.a.centre], 2026, 12)
    before = expected([world.a.centre], 2026, 11)
    assert rows["Sesi pendampingan"][:2] == [truth["sessions"], before["sessions"]]
    assert rows["UMKM dilayani (unik)"][0] == truth["enterprises"]
    assert rows["UMKM baru"][0] == truth["enterprises_new"]
    assert rows["Pemesanan"][0] == truth["bookings"]
    assert rows["Tingkat tidak hadir"][0] == truth["no_show_rate"]
    assert rows["Kepuasan (1-5)"][0] == truth["satisfaction"]
    assert rows["Pembiayaan diperoleh"][0] == truth["financing"]
    # The header names the centre and the month.
    assert world.a.centre.name in rows
    assert rows["Periode"][0] == "2026-12"


def test_the_xlsx_has_a_sheet_per_section_and_the_pdf_a_page_or_more_each(december):
    with december.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    assert workbook.sheetnames == ["Ringkasan", "Grafik", "Konsultan", "Definisi indikator"]
    with december.pdf.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    # The cover and the contents, then each section (the annex too) on a page of its own.
    assert _page_count(pdf) >= 2 + len(workbook.sheetnames)


def test_a_report_is_built_once_however_often_its_task_runs(world, december):
    assert not report_generate(report_id=december.pk)
    again = report_request(level=ReportLevel.CENTRE, month=DECEMBER, centre=world.a.centre)
    assert again.pk == december.pk and again.status == ReportStatus.DONE
    assert Report.objects.count() == 1


def test_a_claim_left_by_a_killed_worker_is_taken_over_later(world, time_machine):
    time_machine.move_to(NOW, tick=False)
    report = Report.objects.create(
        level=ReportLevel.CENTRE,
        centre=world.a.centre,
        province=world.a.centre.province,
        month=DECEMBER,
        key="centre:x:2026-12",
        status=ReportStatus.RUNNING,
    )
    assert not report_generate(report_id=report.pk)  # a live claim: hands off
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    assert report_generate(report_id=report.pk)


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("anonymous", 302),
        ("owner_a", 403),
        ("consultant_a", 403),
        ("officer_b", 404),
        ("manager_b", 404),
        ("manager_a", 200),
        ("officer_a", 200),
        ("national", 200),
    ],
)
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_only_those_in_scope_download_a_report(client, world, december, user, status, fmt):
    if world.user(user):
        client.force_login(world.user(user))
    response = client.get(f"/dashboard/reports/{december.pk}/{fmt}/")
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")
    if status == 200:
        assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"PK\x03\x04")


def test_the_list_shows_only_reports_in_scope(client, world, december, django_assert_num_queries):
    other = Report.objects.create(
        level=ReportLevel.CENTRE,
        centre=world.b.centre,
        province=world.b.centre.province,
        month=DECEMBER,
        key="centre:b:2026-12",
    )
    client.force_login(world.a.officer)
    with django_assert_num_queries(4):
        response = client.get("/dashboard/reports/")
    shown = [report.pk for report in response.context["reports"]]
    assert shown == [december.pk]
    assert other.pk not in shown
    for month in range(1, 11):  # many rows, the same queries
        Report.objects.create(
            level=ReportLevel.PROVINCE,
            province=world.a.centre.province,
            month=datetime.date(2026, month, 1),
            key=f"province:18:2026-{month:02d}",
        )
    with django_assert_num_queries(4):
        assert len(client.get("/dashboard/reports/").context["reports"]) == 11


def test_on_demand_generation_shows_progress_and_can_be_left(
    client, world, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    client.force_login(world.a.manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/dashboard/reports/new/", {"place": f"centre:{world.a.centre.pk}", "month": "2026-12"}
        )
    assert len(callbacks) == 1  # the generation task, queued once the request commits
    report = Report.objects.get()
    assert response["Location"] == f"/dashboard/reports/{report.pk}/"
    assert (report.requested_by, report.status) == (world.a.manager, ReportStatus.PENDING)
    polling = client.get(f"/dashboard/reports/{report.pk}/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert b"<html" not in polling.content  # only the status block
    report_generate(report_id=report.pk)
    done = client.get(f"/dashboard/reports/{report.pk}/", headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode()
    assert f"/dashboard/reports/{report.pk}/pdf/" in done.content.decode()


def test_a_manager_cannot_ask_for_another_centres_or_the_provinces_report(client, world):
    client.force_login(world.a.manager)
    for place in (f"centre:{world.b.centre.pk}", "province:18", "national"):
        response = client.post("/dashboard/reports/new/", {"place": place, "month": "2026-10"})
        assert response.status_code == 400
    assert not Report.objects.exists()


def test_on_the_first_last_months_reports_are_made_and_mailed_once(
    world, time_machine, django_capture_on_commit_callbacks
):
    for user in (world.a.manager, world.a.officer, world.b.officer, world.national):
        user.email = f"{user.username}@example.id"
        user.save()
    # 1 December 2026, 00:30 WIB: every zone has finished November.
    time_machine.move_to(datetime.datetime(2026, 11, 30, 17, 30, tzinfo=datetime.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        reports_monthly()
        reports_monthly()  # the hourly beat runs again: nothing new
    active = Centre.objects.filter(is_active=True)
    provinces = set(active.values_list("province_id", flat=True))
    assert Report.objects.filter(level=ReportLevel.CENTRE).count() == active.count()
    assert Report.objects.filter(level=ReportLevel.PROVINCE).count() == len(provinces)
    assert Report.objects.filter(level=ReportLevel.NATIONAL).count() == 1
    assert set(Report.objects.values_list("month", flat=True)) == {datetime.date(2026, 11, 1)}

    centre_report = Report.objects.get(centre=world.a.centre)
    with django_capture_on_commit_callbacks(execute=False):
        report_generate(report_id=centre_report.pk)
        assert report_mail(report_id=centre_report.pk) == 2
        report_mail(report_id=centre_report.pk)  # a retried task
    messages = Message.objects.filter(kind="monthly_report")
    assert sorted(messages.values_list("recipient", flat=True)) == [
        "manager_a@example.id",
        "officer_a@example.id",
    ]
    assert {m.key for m in messages} == {
        f"report:{centre_report.pk}:user:{world.a.manager.pk}",
        f"report:{centre_report.pk}:user:{world.a.officer.pk}",
    }
    assert world.a.centre.name in messages.first().subject


def test_before_the_first_no_new_month_is_reported(
    world, time_machine, django_capture_on_commit_callbacks
):
    # 30 November 23:30 WIB: November is not over in Java yet; October's reports are due.
    time_machine.move_to(datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        reports_monthly()
    assert set(Report.objects.values_list("month", flat=True)) == {datetime.date(2026, 10, 1)}


def test_the_beat_schedule_has_the_report_and_utilisation_jobs():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "plut.top.reports.tasks.monthly_reports",
        "plut.top.dashboards.tasks.centre_utilisation_weekly",
    } <= tasks


def test_the_task_mails_reports_the_beat_made_but_not_those_a_user_asked_for(
    world, time_machine, django_capture_on_commit_callbacks
):
    from plut.top.reports.tasks import report_generate_task

    time_machine.move_to(NOW, tick=False)
    world.a.manager.email = "manager_a@example.id"
    world.a.manager.save()
    with django_capture_on_commit_callbacks(execute=False):
        asked = report_request(
            level=ReportLevel.CENTRE,
            month=datetime.date(2026, 11, 1),
            centre=world.a.centre,
            requested_by=world.a.manager,
        )
        monthly = report_request(level=ReportLevel.CENTRE, month=DECEMBER, centre=world.a.centre)
        report_generate_task(asked.pk)
        report_generate_task(monthly.pk)
        report_generate_task(monthly.pk)  # delivered twice
    keys = list(Message.objects.filter(kind="monthly_report").values_list("key", flat=True))
    assert keys == [f"report:{monthly.pk}:user:{world.a.manager.pk}"]


def test_the_dashboard_offers_its_own_place_for_a_report(
    client, world, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    client.force_login(world.a.officer)
    body = client.get("/dashboard/province/18/?period=last_month").content.decode()
    assert '<input type="hidden" name="place" value="province:18">' in body
    assert 'name="month" value="2026-12"' in body
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/dashboard/reports/new/", {"place": "province:18", "month": "2026-12"}
        )
    report = Report.objects.get()
    assert response["Location"] == f"/dashboard/reports/{report.pk}/"
    assert (report.level, report.province_id, report.centre) == ("province", "18", None)


def test_the_report_page_and_its_polling_run_a_fixed_number_of_queries(
    client, world, december, django_assert_num_queries
):
    client.force_login(world.a.manager)
    with django_assert_num_queries(4):  # session, user, membership, the report
        assert client.get(f"/dashboard/reports/{december.pk}/").status_code == 200
    with django_assert_num_queries(4):
        client.get(f"/dashboard/reports/{december.pk}/", headers={"HX-Request": "true"})


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get("/dashboard/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
