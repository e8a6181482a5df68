"""Every main page on a 360 x 640 phone: nothing sticks out sideways, so nobody has to scroll
left and right to read or fill it. Indonesian and English (English words run longer)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import BrowserContext, expect

from mentoring.models import MentoringSession
from plut.foundation.accounts.models import User
from tests.browser.pages import GROUPS, PHONE, log_in, open_desk, sideways_overflow, walk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "viewport": PHONE}


@pytest.fixture
def site(world):
    open_desk(world)
    cache.clear()  # rate-limit counters: the walk sends forms
    yield world
    cache.clear()


def _fits(page) -> str | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    return f"scrollWidth {width} > {PHONE['width']}: {sideways_overflow(page)}"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("group", GROUPS)
def test_main_pages_fit_a_360px_phone(context: BrowserContext, live_server, site, group, language):
    User.objects.update(language=language)  # signed-in users read their account's language
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    problems = walk(context, live_server, site, GROUPS[group], _fits)
    assert not problems, "pages wider than the phone:\n" + "\n".join(
        f"{page}: {report}" for page, report in problems.items()
    )


def test_the_session_form_says_what_happens_to_a_session_while_offline(
    context: BrowserContext, live_server, world
):
    """The sync status on a phone, in the reader's language: offline, queued, then sent."""
    consultant = world.a.consultant
    User.objects.filter(pk=consultant.pk).update(language="en")
    log_in(context, live_server, consultant)
    page = context.new_page()
    page.goto("/staff/sessions/new/")
    status = page.locator("#draft-status[role=status]")
    page.get_by_label(_en("Cari UMKM atau koperasi")).fill(world.a.enterprise.nib)
    page.get_by_role("button", name=world.a.enterprise.name).click()
    page.get_by_label(_en("Topik")).fill("Pembukuan sederhana")
    expect(status).to_have_text(_en("Draf tersimpan di perangkat ini."))

    context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(status).to_have_text(_en("Tidak ada sinyal: isian tetap tersimpan di perangkat ini."))
    page.get_by_role("button", name=_en("Simpan sesi")).click()
    queued = "Tidak ada sinyal: sesi disimpan di perangkat dan akan dikirim otomatis saat online."
    expect(status).to_have_text(_en(queued))
    expect(status).to_be_visible()
    assert sideways_overflow(page) == []

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text(_en("Sesi yang tersimpan di perangkat sudah terkirim."))
    assert MentoringSession.objects.filter(topic="Pembukuan sederhana").count() == 1
    # Once sent, the status links to the session as saved.
    saved = MentoringSession.objects.get(topic="Pembukuan sederhana")
    link = status.get_by_role("link", name=_en("Lihat sesi yang tersimpan"))
    expect(link).to_have_attribute("href", reverse("mentoring:session_detail", args=[saved.pk]))


def _en(text: str) -> str:
    with translation.override("en"):
        return translation.gettext(text)
