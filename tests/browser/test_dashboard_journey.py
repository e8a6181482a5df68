"""The provincial officer opens the dashboard on a phone, sees only their province, drills down
to a centre, downloads its figures as XLSX, and the file holds the numbers on the screen."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.pages import nav_link

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 720}


def test_officer_drills_down_to_a_centre_and_exports_what_is_shown(
    page: Page, live_server, world, tmp_path
):
    page.set_viewport_size(PHONE)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill("officer_a")
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()
    nav_link(page, "Dasbor").click()
    expect(page.locator("#place-name")).to_have_text("Lampung")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Peringkat PLUT").click()
    league = page.locator("#league tbody")
    expect(league).to_contain_text(world.a.centre.name)
    expect(league).not_to_contain_text(world.b.centre.name)
    page.get_by_role("link", name=world.a.centre.name).click()
    expect(page.locator("#place-name")).to_have_text(world.a.centre.name)
    sessions = page.locator("#kpi-sessions .kpi-value").inner_text()
    enterprises = page.locator("#kpi-enterprises .kpi-value").inner_text()
    assert (sessions, enterprises) == ("1", "1")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert str(rows["Sesi pendampingan"]) == sessions
    assert str(rows["UMKM dilayani (unik)"]) == enterprises

    # The charts draw (Chart.js from our own static files) and keep their tables.
    page.get_by_role("link", name="Grafik").click()
    expect(page.locator("#table-modes")).to_contain_text("Tatap muka di PLUT")
    # A function, not an expression: Playwright evaluates a bare expression string with eval,
    # which our CSP (no 'unsafe-eval') rightly refuses.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart=modes]'))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The monthly reports are one click away; nothing on the way broke the CSP.
    page.get_by_role("link", name="Laporan bulanan").click()
    expect(page.get_by_role("heading", name="Laporan bulanan")).to_be_visible()
    assert refused == []
