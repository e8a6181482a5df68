"""axe-core (vendored in tests/browser/vendor) on every main page: no serious or critical
violation of WCAG 2.1 A/AA or axe's best practices, including the pages that show form errors.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.pages import (
    GROUPS,
    axe_violations,
    broken_references,
    describe,
    open_desk,
    walk,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def site(world):
    open_desk(world)
    cache.clear()  # rate-limit counters: the walk sends forms
    yield world
    cache.clear()


def test_the_helper_reports_what_axe_finds(page: Page):
    # Guards the walk below against a helper that silently finds nothing.
    page.set_content(
        '<html lang="id"><body><main><h1>Uji</h1><img src="x.png">'
        '<input id="nama"><p style="color:#999;background:#fff">samar</p></main></body></html>'
    )
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found


@pytest.mark.parametrize("group", GROUPS)
def test_main_pages_have_no_serious_or_critical_violations(
    context: BrowserContext, live_server, site, group
):
    def check(page: Page) -> str:
        report = describe(axe_violations(page))
        broken = broken_references(page)
        return report + ("\n  references to missing ids: " + ", ".join(broken) if broken else "")

    problems = walk(context, live_server, site, GROUPS[group], check)
    assert not problems, "accessibility problems:\n" + "\n".join(
        f"{page}:\n{report}" for page, report in problems.items()
    )


def test_booking_errors_are_announced_and_tied_to_their_fields(page: Page, live_server, site):
    page.goto(f"{live_server.url}/pesan/{site.a.centre.pk}/?area=marketing&mode=in_person")
    page.locator("a.slot").first.click()
    page.get_by_role("button", name="Kirim pemesanan").click()

    # Read out at once, and again when the reader reaches each field.
    expect(page.get_by_role("alert").first).to_be_visible()
    name = page.get_by_label("Nama usaha")
    expect(name).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_name_error")
    expect(error).to_have_attribute("role", "alert")
    expect(name).to_have_accessible_description(re.compile(re.escape(error.inner_text())))
    # Not by colour alone: the error is words, next to the field.
    assert error.inner_text().strip()
