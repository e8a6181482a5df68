"""The workspace without signal, in Chromium with the network really switched off: once the
service worker is installed, Hari ini, "Catat sesi" and a recent client's profile open from
the phone of whoever logs sessions (consultant, manager); an officer's Hari ini opens too; a
session logged offline waits across a reload and is sent once; a search says it is offline;
signing out leaves nothing for the next user (docs/workspace.md, "Offline")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cooperatives.models import Enterprise
from mentoring.models import MentoringSession
from plut.foundation.accounts.models import User
from tests.browser.pages import DESK, LANGUAGES, PHONE, VIEWPORTS, log_in, sideways_overflow
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _t(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _context(browser: Browser, live_server, language: str, viewport: dict) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return context


def _holds(page: Page, path: str) -> bool:
    return page.evaluate("async path => !!(await caches.match(path))", path)


def _kept(page: Page, *paths: str) -> None:
    """Wait until the worker is active and holds ``paths`` for this user."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(100):
        if all(_holds(page, path) for path in paths):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the service worker did not keep {paths}")


class Signal:
    """The phone's signal. Off: the browser is offline, and the server takes no form either.
    Chromium's offline emulation can reach a document a moment after a reload starts it, and
    a queued session sent in that moment would be saved by a server a phone without signal
    never reaches; refusing posts, as no signal would, keeps the test about the portal."""

    def __init__(self, server) -> None:
        self.server, self.portal = server, server.get_app()

    def _posts_refused(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":
            return self.portal(environ, start_response)
        # Read the form to its end: left in the connection, it would hold up the next request.
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(
            "503 Service Unavailable", [("Content-Type", "text/plain"), ("Connection", "close")]
        )
        return [b""]

    def off(self, context: BrowserContext, page: Page) -> None:
        self.server.set_app(self._posts_refused)
        context.set_offline(True)
        assert page.evaluate("navigator.onLine") is False

    def on(self, context: BrowserContext, page: Page) -> None:
        self.server.set_app(self.portal)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")


@pytest.fixture
def signal(live_server):
    controls = Signal(live_server.thread.httpd)
    yield controls
    controls.server.set_app(controls.portal)  # the next test's server takes forms again


def _profile(enterprise: Enterprise) -> str:
    return f"/staff/enterprises/{enterprise.pk}/"


@VIEWPORTS
@LANGUAGES
@pytest.mark.parametrize("name", ["consultant_a", "manager_a"])
def test_who_logs_sessions_works_offline_and_the_session_is_sent_once(
    browser: Browser, live_server, world, signal, name, language, viewport
):
    staff = world.user(name)
    if staff != world.a.consultant:  # the manager's own recent client: kept for them too
        SessionFactory(consultant=staff, enterprises=[world.a.enterprise])
    User.objects.filter(pk=staff.pk).update(language=language)
    context = _context(browser, live_server, language, viewport)
    log_in(context, live_server, staff)
    page = context.new_page()
    page.goto("/staff/")
    profile = _profile(world.a.enterprise)
    _kept(page, "/staff/", "/staff/sessions/new/", profile)

    # No signal. The name changes on the server meanwhile: what the phone shows is its copy.
    signal.off(context, page)
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name="Nama Baru di Server")
    since = _t("Anda sedang offline: halaman ini seperti pada {time}.", language).split("{")[0]
    for path, heading in (
        ("/staff/", _t("Hari ini", language)),
        (profile, world.a.enterprise.name),
        ("/staff/sessions/new/", _t("Catat sesi pendampingan", language)),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(page.locator("#offline-notice")).to_contain_text(since)
        assert sideways_overflow(page) == []
    expect(page.locator("#offline-notice")).to_contain_text(world.a.enterprise.name)

    # The client search cannot answer: it says so, and offers the recent clients instead.
    page.get_by_label(_t("Cari UMKM atau koperasi", language)).fill("kopi")
    results = page.locator("#client-results")
    expect(results).to_contain_text(
        _t("Anda sedang offline: pencarian memerlukan sinyal.", language)
    )
    results.get_by_role("button", name=world.a.enterprise.name).click()
    expect(page.locator("#chosen")).to_contain_text(world.a.enterprise.name)

    page.get_by_label(_t("Topik", language)).fill("Catatan dari desa")
    page.get_by_role("button", name=_t("Simpan sesi", language)).click()
    status = page.locator("#draft-status")
    queued = "Tidak ada sinyal: sesi disimpan di perangkat dan akan dikirim otomatis saat online."
    expect(status).to_have_text(_t(queued, language))
    assert sideways_overflow(page) == []

    # The phone drops the tab: reloaded without signal, the session still waits, and says so.
    page.reload()
    expect(status).to_have_text(_t(queued, language))
    expect(page.get_by_label(_t("Topik", language))).to_have_value("Catatan dari desa")
    assert not MentoringSession.objects.filter(topic="Catatan dari desa").exists()

    # Signal again: sent once, and the status links to the saved session.
    signal.on(context, page)
    expect(status).to_contain_text(_t("Sesi yang tersimpan di perangkat sudah terkirim.", language))
    session = MentoringSession.objects.get(topic="Catatan dari desa")
    link = status.get_by_role("link", name=_t("Lihat sesi yang tersimpan", language))
    expect(link).to_have_attribute("href", f"/staff/sessions/{session.pk}/")
    page.goto("/staff/")
    page.reload()
    assert MentoringSession.objects.filter(topic="Catatan dari desa").count() == 1
    context.close()


@VIEWPORTS
@LANGUAGES
@pytest.mark.parametrize("name", ["officer_a", "national"])
def test_an_officers_hari_ini_opens_offline_and_a_search_says_it_needs_signal(
    browser: Browser, live_server, world, signal, name, language, viewport
):
    """Officers log no session: Hari ini is what they keep (no form, no client's profile)."""
    officer = world.user(name)
    User.objects.filter(pk=officer.pk).update(language=language)
    context = _context(browser, live_server, language, viewport)
    log_in(context, live_server, officer)
    page = context.new_page()
    page.goto("/staff/enterprises/")
    _kept(page, "/staff/")
    assert not _holds(page, "/staff/sessions/new/")
    assert not _holds(page, _profile(world.a.enterprise))

    signal.off(context, page)
    since = _t("Anda sedang offline: halaman ini seperti pada {time}.", language).split("{")[0]
    # The list's search cannot answer without signal, and says so where the results would be.
    page.get_by_label(_t("Cari nama, NIB, pemilik atau telepon", language)).fill("kopi")
    page.get_by_role("button", name=_t("Terapkan", language)).click()
    expect(page.locator("#offline-notice")).to_have_text(
        _t("Anda sedang offline: pencarian memerlukan sinyal.", language)
    )
    for opened in (page.goto, lambda _path: page.reload()):  # opened, then reloaded, offline
        opened("/staff/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(_t("Hari ini", language))
        expect(page.locator("#offline-notice")).to_contain_text(since)
        assert sideways_overflow(page) == []
    context.close()


def test_a_session_queued_on_the_form_is_sent_from_another_page(
    browser: Browser, live_server, world, signal
):
    """The outbox empties from any staff page once the signal returns, not only the form."""
    context = _context(browser, live_server, "id", PHONE)
    log_in(context, live_server, world.a.consultant)
    page = context.new_page()
    page.goto("/staff/")
    _kept(page, "/staff/", "/staff/sessions/new/")
    signal.off(context, page)
    page.goto("/staff/sessions/new/")
    page.get_by_label("Cari UMKM atau koperasi").fill("kopi")
    page.locator("#client-results").get_by_role("button", name=world.a.enterprise.name).click()
    page.get_by_label("Topik").fill("Dikirim dari Hari ini")
    page.get_by_role("button", name="Simpan sesi").click()
    page.goto("/staff/")
    expect(page.locator("#outbox-status")).to_contain_text("akan dikirim otomatis")

    signal.on(context, page)
    notice = page.locator("#outbox-status")
    expect(notice).to_contain_text("sudah terkirim")
    session = MentoringSession.objects.get(topic="Dikirim dari Hari ini")
    expect(notice.get_by_role("link")).to_have_attribute("href", f"/staff/sessions/{session.pk}/")
    page.reload()
    assert MentoringSession.objects.filter(topic="Dikirim dari Hari ini").count() == 1
    context.close()


def test_a_list_search_offline_says_so(browser: Browser, live_server, world, signal):
    context = _context(browser, live_server, "id", DESK)
    log_in(context, live_server, world.a.consultant)
    page = context.new_page()
    page.goto("/staff/enterprises/")
    _kept(page, "/staff/")
    signal.off(context, page)
    page.get_by_label("Cari nama, NIB, pemilik atau telepon").fill("kopi")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#offline-notice")).to_have_text(
        "Anda sedang offline: pencarian memerlukan sinyal."
    )
    assert page.url.endswith("/staff/enterprises/")
    context.close()


def test_signing_out_deletes_the_kept_pages_for_the_next_user(
    browser: Browser, live_server, world, signal
):
    context = _context(browser, live_server, "id", DESK)
    log_in(context, live_server, world.a.consultant)
    page = context.new_page()
    page.goto("/staff/")
    profile = _profile(world.a.enterprise)
    _kept(page, "/staff/", profile)

    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/")
    for _ in range(50):
        if not _holds(page, "/staff/"):
            break
        page.wait_for_timeout(100)
    assert (
        page.evaluate("async () => (await caches.keys()).filter(n => n.startsWith('plut-pages-'))")
        == []
    )

    # The next user on this browser, without signal, finds none of the first one's pages.
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    log_in(context, live_server, world.b.consultant)
    page.goto("/staff/")
    _kept(page, "/staff/")
    signal.off(context, page)
    assert not _holds(page, profile)
    page.goto("/staff/")
    expect(page.locator("main")).not_to_contain_text(world.a.enterprise.name)
    expect(page.locator("main")).to_contain_text(world.b.centre.name)
    context.close()
