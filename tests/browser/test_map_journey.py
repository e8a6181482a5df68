"""The ministry reads the province map: chooses a figure, reaches a province by keyboard, and
drills down from it to a centre; on a phone the map fits the screen."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import axe_violations, describe, log_in
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 640}, {"width": 1280, "height": 800}]
)
def test_from_the_map_to_a_centre_by_keyboard(page: Page, live_server, world, shoot, viewport):
    SessionFactory.create_batch(2, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    page.set_viewport_size(viewport)
    log_in(page.context, live_server, world.national)
    page.goto(f"{live_server.url}/dashboard/national/")
    page.get_by_role("link", name="Peta").click()
    expect(page.get_by_role("heading", name="Peta provinsi: Sesi")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not axe_violations(page), describe(axe_violations(page))

    page.get_by_label("Angka di peta").select_option(label="UMKM unik")
    page.get_by_role("button", name="Tampilkan").last.click()
    expect(page.get_by_role("heading", name="Peta provinsi: UMKM unik")).to_be_visible()
    shoot(page.locator("figure.map"), f"dashboards/map-{viewport['width']}")

    # Tab through the shaded provinces to Lampung, and open it with Enter.
    lampung = page.locator('.choropleth a[href^="/dashboard/province/18/"]')
    page.locator("#map-figure").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if lampung.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("Lampung cannot be reached by keyboard")
    page.keyboard.press("Enter")
    expect(page.locator("#place-name")).to_have_text("Lampung")
    page.get_by_role("link", name="Peringkat PLUT").click()
    page.get_by_role("link", name=world.a.centre.name).click()
    expect(page.locator("#place-name")).to_have_text(world.a.centre.name)


def test_the_ministry_walks_from_the_map_to_a_record_and_takes_the_centres_pdf(
    page: Page, live_server, world, settings, tmp_path
):
    """From the national map to Lampung, its centre, a session the centre logged, and back to
    the centre's monthly report, built by the worker and downloaded as a PDF that names it."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    SessionFactory.create_batch(2, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    centre = world.a.centre
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page.context, live_server, world.national)
    page.goto(f"{live_server.url}/dashboard/national/")
    page.get_by_role("link", name="Peta").click()
    page.locator('.choropleth a[href^="/dashboard/province/18/"]').click()
    expect(page.locator("#place-name")).to_have_text("Lampung")
    page.get_by_role("link", name="Peringkat PLUT").click()
    page.get_by_role("link", name=centre.name).click()
    expect(page.locator("#place-name")).to_have_text(centre.name)

    # The record behind the figures: the consultant's sessions, then one of them.
    page.get_by_role("link", name="Konsultan").click()
    page.get_by_role("link", name="Lihat sesi").first.click()
    page.locator("table.records a[href^='/staff/sessions/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert centre.name in page.locator("main").inner_text()
    page.go_back()
    page.go_back()

    # The centre's report for the month shown, built at once by the (eager) worker.
    page.get_by_role("button", name="Buat laporan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(centre.name)
    status = page.locator("#report-status")
    expect(status).to_contain_text("Selesai")
    with page.expect_download() as download:
        status.get_by_role("link", name="Unduh PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert centre.name in " ".join(text.split())
    assert "Halaman 2 dari" in text
