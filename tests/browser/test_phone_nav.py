"""The header for every role, on a 360 x 640 phone and at 1280 px, in Indonesian and English.

On a phone the links fold behind a menu button, so the page's heading starts near the top;
the main action ("Catat sesi") stays in the bar for the roles that may log a session; the
button opens and closes the menu with a tap, Enter and Escape, and says so (aria-expanded).
At 1280 px the links are simply there. Either way every link a role is offered opens (never
a 403), and without scripts the links stay open."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from plut.foundation.accounts.models import Role, User
from tests.browser.pages import PHONE, axe_violations, describe, log_in, sideways_overflow

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 800}
ROLES = ["national", "officer_a", "manager_a", "consultant_a", "owner_a", "superuser"]
# From the top of the page to the first heading of the content, on a phone.
PHONE_HEADER_MAX = 120


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}


def _en(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _signed_in(context: BrowserContext, live_server, world, name: str, language: str) -> User:
    if name == "superuser":  # the national administrator, who also has the admin
        User.objects.filter(pk=world.national.pk).update(is_superuser=True, is_staff=True)
        name = "national"
    User.objects.update(language=language)  # signed-in users read their account's language
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    user = User.objects.get(pk=world.user(name).pk)
    log_in(context, live_server, user)
    return user


def _home(user: User) -> str:
    return reverse("owner:home" if user.role == Role.OWNER else "mentoring:staff_home")


def _links_open(page: Page) -> None:
    """Every link in the header answers 200 for this user (redirects followed), never 403."""
    hrefs = page.locator("header a[href]").evaluate_all("links => links.map(a => a.href)")
    assert hrefs
    statuses = {href: page.request.get(href).status for href in set(hrefs)}
    assert all(status == 200 for status in statuses.values()), statuses


def _heading_top(page: Page) -> float:
    box = page.locator("main h1").first.bounding_box()
    assert box is not None
    return box["y"]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ROLES)
def test_on_a_phone_the_links_fold_behind_a_menu_button(
    browser: Browser, live_server, world, name, language
):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    user = _signed_in(context, live_server, world, name, language)
    page = context.new_page()
    page.goto(_home(user))
    menu = page.locator("#site-menu")
    button = page.get_by_role("button", name=_en("Menu", language))
    log_session = page.locator("header").get_by_role("link", name=_en("Catat sesi", language))

    assert _heading_top(page) <= PHONE_HEADER_MAX
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    # The main action, for who may log a session: in the bar, one tap away.
    may_log = user.role in (Role.MANAGER, Role.CONSULTANT)
    expect(log_session).to_have_count(1 if may_log else 0)
    if may_log:
        expect(log_session).to_be_visible()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name=_en("Ubah kata sandi", language))).to_be_visible()
    expect(log_session.locator("visible=true")).to_have_count(1 if may_log else 0)
    assert sideways_overflow(page) == []
    _links_open(page)

    # The keyboard: Escape from inside the menu closes it and gives focus back to the button.
    menu.get_by_role("link").first.focus()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('site-menu').contains(document.activeElement)")
    button.click()
    expect(menu).to_be_hidden()
    context.close()


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ROLES)
def test_on_a_wide_screen_the_links_are_all_there(
    browser: Browser, live_server, world, name, language
):
    context = browser.new_context(base_url=live_server.url, viewport=WIDE)
    user = _signed_in(context, live_server, world, name, language)
    page = context.new_page()
    page.goto(_home(user))
    expect(page.get_by_role("button", name=_en("Menu", language))).to_be_hidden()
    expect(page.locator("#site-menu")).to_be_visible()
    expect(page.get_by_role("link", name=_en("Ubah kata sandi", language))).to_be_visible()
    log_session = page.locator("header").get_by_role("link", name=_en("Catat sesi", language))
    may_log = user.role in (Role.MANAGER, Role.CONSULTANT)
    expect(log_session.locator("visible=true")).to_have_count(1 if may_log else 0)
    _links_open(page)
    context.close()


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ["manager_a", "owner_a"])
def test_without_scripts_the_links_stay_open_on_a_phone(
    browser: Browser, live_server, world, name, language
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    user = _signed_in(context, live_server, world, name, language)
    page = context.new_page()
    page.goto(_home(user))
    expect(page.get_by_role("button", name=_en("Menu", language))).to_be_hidden()
    # All but the main action, which the bar holds on a phone.
    links = page.locator("#site-menu a[href]:not(.button-primary)")
    expect(links.first).to_be_visible()
    assert all(link.is_visible() for link in links.all())
    log_session = page.locator("header").get_by_role("link", name=_en("Catat sesi", language))
    expect(log_session.locator("visible=true")).to_have_count(1 if user.role == Role.MANAGER else 0)
    _links_open(page)
    context.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_open_menu_passes_axe_on_a_phone(context: BrowserContext, live_server, world, language):
    user = _signed_in(context, live_server, world, "manager_a", language)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(_home(user))
    page.get_by_role("button", name=_en("Menu", language)).click()
    expect(page.locator("#site-menu")).to_be_visible()
    assert not (found := axe_violations(page)), describe(found)
