"""A consultant downloads a list too long to send within one request: the job's page shows its
progress until the worker is done, then the file, which holds every row of the list."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import Page, expect

from mentoring.models import MentoringSession
from plut.foundation.exports.models import ExportJob
from plut.foundation.exports.services import export_job_run
from tests.browser.pages import log_in
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 640}


def test_a_long_list_is_prepared_in_the_background_then_downloaded_whole(
    page: Page, live_server, world, settings, tmp_path
):
    settings.EXPORT_STREAM_MAX_ROWS = 5
    # No worker yet: the job waits, as it does while the reports queue is busy.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"
    SessionFactory.create_batch(12, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    log_in(page.context, live_server, world.a.consultant)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/staff/sessions/")
    page.get_by_role("link", name="CSV").click()

    expect(page.get_by_role("heading", name="Sesi pendampingan")).to_be_visible()
    expect(page.locator("#job-status")).to_contain_text("Menunggu giliran")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The worker writes it; the page, asking again every two seconds, offers the file.
    export_job_run(job_id=ExportJob.objects.get().pk)
    download_link = page.get_by_role("link", name="Unduh sesi-")
    expect(download_link).to_be_visible(timeout=10_000)
    expect(page.locator("#job-status")).to_contain_text("Siap diunduh")
    with page.expect_download() as download:
        download_link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1 + MentoringSession.objects.filter(centre=world.a.centre).count()

    # Later, from "Unduhan saya".
    page.goto(f"{live_server.url}/staff/sessions/")
    page.get_by_role("link", name="Unduhan saya").click()
    expect(page.get_by_role("table")).to_contain_text("Siap diunduh")
