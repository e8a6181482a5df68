"""The ministry reads the province map: chooses a figure (any KPI card), reaches a province by
keyboard, and drills down from it to a centre; on a phone the map fits the screen."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from playwright.sync_api import Page, expect

from mentoring.models import BookingStatus, SatisfactionSurvey
from tests.browser.pages import LANGUAGES, axe_violations, describe, in_language, log_in, sign_ins
from tests.factories import calendar
from tests.factories.mentoring import BookingFactory, SessionFactory

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
    expect(page.get_by_role("heading", name="Peta provinsi: Sesi pendampingan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not axe_violations(page), describe(axe_violations(page))

    page.get_by_label("Angka di peta").select_option(label="UMKM dilayani (unik)")
    page.get_by_role("button", name="Tampilkan").last.click()
    expect(page.get_by_role("heading", name="Peta provinsi: UMKM dilayani (unik)")).to_be_visible()
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


def _settled_bookings(side, completed: int, no_show: int) -> None:
    """Bookings of this week that reached their time: ``no_show`` of them missed."""
    start = calendar.earlier_this_week(side.centre)
    for index in range(completed + no_show):
        BookingFactory(
            enterprise=side.enterprise,
            consultant=side.consultant,
            starts_at=start + datetime.timedelta(hours=index),
            status=BookingStatus.NO_SHOW if index < no_show else BookingStatus.COMPLETED,
        )


def _figure_shown(page: Page, language: str, label: str) -> None:
    page.get_by_label(in_language("Angka di peta", language)).select_option(
        label=in_language(label, language)
    )
    page.get_by_role("button", name=in_language("Tampilkan", language)).last.click()
    heading = in_language("Peta provinsi: %(figure)s", language) % {
        "figure": in_language(label, language)
    }
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


@LANGUAGES
def test_a_kpi_card_redraws_the_map_with_its_heading_and_legend(
    page: Page, live_server, world, language
):
    """Lampung misses one booking in four, Sulawesi Selatan one in two; only Lampung's session
    was rated (4): the no-show rate shades both, satisfaction leaves Sulawesi Selatan blank."""
    _settled_bookings(world.a, completed=3, no_show=1)
    _settled_bookings(world.b, completed=1, no_show=1)
    SatisfactionSurvey.objects.create(
        session=world.a.session,
        enterprise=world.a.enterprise,
        score=4,
        answered_at=world.a.session.starts_at,
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_ins(live_server, language, world.national)(page.context, world.national)
    page.goto(f"{live_server.url}/dashboard/national/map/")
    legend = page.locator(".map-legend")
    lampung = page.locator('.choropleth a[href^="/dashboard/province/18/"]')
    sulsel = page.locator('.choropleth a[href^="/dashboard/province/73/"]')

    _figure_shown(page, language, "Tingkat tidak hadir")
    expect(legend.locator("li")).to_have_text(
        ["25 %", "50 %", in_language("Belum ada PLUT, atau tanpa nilai", language)]
    )
    expect(lampung.locator("title")).to_have_text("Lampung: 25 %")
    expect(lampung.locator("path")).to_have_class("shade-1")
    expect(sulsel.locator("path")).to_have_class("shade-2")
    label = in_language("Tingkat tidak hadir", language)
    expect(page.locator("#ranking thead th").last).to_have_text(label)

    _figure_shown(page, language, "Kepuasan (1-5)")
    score = {"id": "4,00", "en": "4.00"}[language]
    expect(legend.locator("li").first).to_have_text(score)
    expect(lampung.locator("title")).to_have_text(f"Lampung: {score}")
    expect(sulsel.locator("path")).to_have_class("shade-0")
    expect(sulsel.locator("title")).to_have_text(
        in_language("%(name)s: tanpa nilai", language) % {"name": "Sulawesi Selatan"}
    )
    row = page.locator("#ranking tbody tr").filter(has_text="Sulawesi Selatan")
    expect(row.locator("td").last).to_have_text("–")
    assert not axe_violations(page), describe(axe_violations(page))


@LANGUAGES
def test_the_ministry_walks_from_the_map_to_a_record_and_takes_the_centres_pdf(
    page: Page, live_server, world, settings, tmp_path, language
):
    """From the national map to Lampung, its centre, a session the centre logged, and back to
    the centre's monthly report, built by the worker and downloaded as a PDF that names it."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    SessionFactory.create_batch(2, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    centre = world.a.centre

    def words(text: str) -> str:
        return in_language(text, language)

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_ins(live_server, language, world.national)(page.context, world.national)
    page.goto(f"{live_server.url}/dashboard/national/")
    page.get_by_role("link", name=words("Peta"), exact=True).click()
    page.locator('.choropleth a[href^="/dashboard/province/18/"]').click()
    expect(page.locator("#place-name")).to_have_text("Lampung")
    page.get_by_role("link", name=words("Peringkat PLUT"), exact=True).click()
    page.get_by_role("link", name=centre.name).click()
    expect(page.locator("#place-name")).to_have_text(centre.name)

    # The record behind the figures: the consultant's sessions, then one of them.
    page.get_by_role("link", name=words("Konsultan"), exact=True).click()
    page.get_by_role("link", name=words("Lihat sesi"), exact=True).first.click()
    page.locator("table.records a[href^='/staff/sessions/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert centre.name in page.locator("main").inner_text()
    page.go_back()
    page.go_back()

    # The centre's report for the month shown, built at once by the (eager) worker.
    page.get_by_role("button", name=words("Buat laporan")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(centre.name)
    status = page.locator("#report-status")
    expect(status).to_contain_text(words("Selesai"))
    with page.expect_download() as download:
        status.get_by_role("link", name=words("Unduh PDF")).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert centre.name in " ".join(text.split())
    # A document of record is written in the portal's language, whoever asks for it.
    assert "Halaman 2 dari" in text
