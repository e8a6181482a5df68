"""The public directory on a 360 x 640 phone, in Indonesian and English: choosing a province
narrows the regency dropdown at once, before "Tampilkan" (static/js/list_filters.js asks
``portal:regency_options``), so nobody scrolls through 514 regencies; without scripts the
submit narrows it. The same script still serves the workspace lists' centre filter.
The endpoint itself: tests/plut/test_regency_options.py."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from clinics.models import Centre
from plut.foundation.regions.models import Regency
from tests.browser.pages import PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)
LANGUAGES = ["id", "en"]


def _t(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _phone(browser: Browser, live_server, language: str, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, **options)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return context


def _labels(select) -> list[str]:
    return select.locator("option").evaluate_all("options => options.map(o => o.textContent)")


def _listed(page: Page) -> list[int]:
    hrefs = page.locator(".cards h2 a").evaluate_all("links => links.map(a => a.pathname)")
    return [int(re.fullmatch(r"/pusat/(\d+)/", href).group(1)) for href in hrefs]


def _names(**filters) -> list[str]:
    return list(Regency.objects.filter(**filters).order_by("code").values_list("name", flat=True))


@pytest.fixture
def bandar_lampung(world) -> Centre:
    """A centre in Kota Bandar Lampung, so the city's directory lists someone."""
    return Centre.objects.create(
        name="PLUT KUMKM Kota Bandar Lampung",
        level="regency",
        province_id="18",
        regency_id="18.71",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_choosing_a_province_narrows_the_regencies_before_any_submit(
    browser: Browser, live_server, world, bandar_lampung, language
):
    context = _phone(browser, live_server, language)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    province = page.get_by_label(_t("Provinsi", language))
    regency = page.get_by_label(_t("Kabupaten/kota", language))
    everything = _t("Semua kabupaten/kota", language)
    expect(regency.locator("option")).to_have_count(1 + Regency.objects.count())

    # Lampung, without "Tampilkan": only its 15 regencies, the "all" option first.
    province.select_option(label="Lampung")
    lampung = _names(province="18")
    assert len(lampung) == 15
    expect(regency.locator("option")).to_have_count(1 + len(lampung))
    assert _labels(regency) == [everything, *lampung]
    assert "Kota Bandar Lampung" in lampung
    assert "?" not in page.url  # nothing was submitted

    regency.select_option(label="Kota Bandar Lampung")
    page.get_by_role("button", name=_t("Tampilkan", language)).click()
    expect(page).to_have_url(re.compile(r"province=18&regency=18\.71"))
    expect(regency).to_have_value("18.71")
    assert _labels(regency) == [everything, *lampung]
    listed = _listed(page)
    assert listed == [bandar_lampung.pk]
    assert {centre.province_id for centre in Centre.objects.filter(pk__in=listed)} == {"18"}

    # Another province: its regencies, and Bandar Lampung is no longer offered nor chosen.
    province.select_option(value="73")
    sulawesi_selatan = _names(province="73")
    expect(regency.locator("option")).to_have_count(1 + len(sulawesi_selatan))
    assert _labels(regency) == [everything, *sulawesi_selatan]
    expect(regency.locator('option[value="18.71"]')).to_have_count(0)
    expect(regency).to_have_value("")

    # Back to every province: every regency again.
    province.select_option(value="")
    expect(regency.locator("option")).to_have_count(1 + Regency.objects.count())
    assert problems == []  # no script error, no fetch or script the CSP refused
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_scripts_the_submit_narrows_the_regencies(
    browser: Browser, live_server, world, bandar_lampung, language
):
    context = _phone(browser, live_server, language, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    province = page.get_by_label(_t("Provinsi", language))
    regency = page.get_by_label(_t("Kabupaten/kota", language))
    province.select_option(label="Lampung")
    # Nothing narrows before the submit...
    expect(regency.locator("option")).to_have_count(1 + Regency.objects.count())
    page.get_by_role("button", name=_t("Tampilkan", language)).click()
    expect(page).to_have_url(re.compile(r"province=18"))
    # ...and the page that answers it lists Lampung's regencies only.
    lampung = _names(province="18")
    assert _labels(regency) == [_t("Semua kabupaten/kota", language), *lampung]
    regency.select_option(label="Kota Bandar Lampung")
    page.get_by_role("button", name=_t("Tampilkan", language)).click()
    expect(page).to_have_url(re.compile(r"regency=18\.71"))
    assert _listed(page) == [bandar_lampung.pk]
    context.close()


def test_the_workspace_centre_filter_still_narrows_its_dropdowns(
    browser: Browser, live_server, world
):
    """The script asks with the changed dropdown's name: the centre filters' is ``centre``."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    log_in(context, live_server, world.national)
    page = context.new_page()
    page.goto(reverse("mentoring:session_list"))
    regency = page.locator('select[name="regency"]')
    consultant = page.locator('select[name="consultant"]')
    expect(regency.locator("option")).to_have_count(1)  # nationally: none until a centre
    page.locator('select[name="centre"]').select_option(value=str(world.b.centre.pk))
    expect(regency.locator("option")).to_have_count(1 + len(_names(province="73")))
    expect(consultant.locator(f'option[value="{world.b.consultant.pk}"]')).to_have_count(1)
    expect(consultant.locator(f'option[value="{world.a.consultant.pk}"]')).to_have_count(0)
    context.close()
