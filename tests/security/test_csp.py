"""Content-Security-Policy: our own files only, no inline code or styles, and Chromium reports
no violation on the main pages of every role (including the admin)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from plut.foundation.accounts.models import User

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# An inline <script> (one without src, or with a body), a <style> block, a style="" attribute,
# or an on*="" handler attribute. json_script's <script type="application/json"> is data, not
# code, and is allowed by the policy.
INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    re.compile(r"<style[\s>]", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
]


# Template comments may talk about <style>; they never reach the page.
COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def test_no_template_has_inline_scripts_styles_or_handlers():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for pattern in INLINE
        for match in pattern.finditer(COMMENTS.sub("", path.read_text()))
    ]
    assert found == []


@pytest.mark.django_db
def test_every_page_carries_a_strict_policy(client):
    policy = client.get(reverse("portal:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_the_other_security_headers(client):
    response = client.get(reverse("portal:home"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_cookies_and_hsts_are_strict():
    # tests run with DEBUG off: these are the production values (settings.py).
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS


# --- In Chromium -----------------------------------------------------------------------------


def _watch(page: Page) -> list[str]:
    """Collect every CSP violation Chromium reports, as console errors and as events."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => {"
        " console.error('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI); });"
    )
    return violations


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-123")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def _visit(page: Page, live_server, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_on_the_main_pages(page: Page, live_server, world):
    violations = _watch(page)
    a = world.a
    _visit(page, live_server, ["/", f"/pusat/{a.centre.pk}/", f"/pesan/{a.centre.pk}/"])
    _log_in(page, live_server, "consultant_a")
    _visit(
        page,
        live_server,
        [
            reverse("mentoring:staff_home"),
            reverse("mentoring:session_create"),
            reverse("mentoring:session_list"),
            reverse("mentoring:session_detail", args=[a.session.pk]),
            reverse("cooperatives:enterprise_list"),
            reverse("mentoring:enterprise_profile", args=[a.enterprise.pk]),
            reverse("mentoring:follow_up_list"),
            reverse("mentoring:inbox"),
            reverse("accounts:two_factor_setup"),
        ],
    )
    # htmx at work: the client search swaps a fragment in.
    page.goto(f"{live_server.url}{reverse('mentoring:session_create')}")
    page.get_by_label("Cari UMKM atau koperasi").fill(a.enterprise.name[:5])
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    _log_in(page, live_server, "owner_a")
    _visit(page, live_server, [reverse("owner:home"), reverse("privacy:my_data")])
    page.context.clear_cookies()
    # The national administrator uses the admin too.
    User.objects.filter(pk=world.national.pk).update(is_staff=True, is_superuser=True)
    _log_in(page, live_server, "national")
    _visit(
        page,
        live_server,
        [
            reverse("dashboards:home"),
            reverse("privacy:audit_log"),
            reverse("clinics:lockouts"),
            "/admin/",
            "/admin/cooperatives/person/",
            f"/admin/cooperatives/person/{a.person.pk}/change/",
            # Swagger UI (drf-spectacular's split view: its set-up script is a file).
            "/api/docs/",
        ],
    )
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    page.goto(f"{live_server.url}/admin/cooperatives/person/{a.person.pk}/change/")
    expect(page.locator("#id_nik")).to_have_value(a.person.nik)  # the admin itself, not its login
    assert violations == []
