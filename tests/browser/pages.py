"""The portal's main pages, by who opens them, and the checks every one of them must pass:
axe-core (no serious or critical violation) and a 360 px phone with no sideways scrolling.

Used by test_a11y.py, test_phone.py and test_page_weight.py, so the three walk the same pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import BrowserContext, Locator, Page

from clinics.models import WorkingHours
from mentoring.models import OutcomeCheckIn, SatisfactionSurvey
from mentoring.selectors.bookings import manage_token
from mentoring.services.checkins import check_in_token
from mentoring.services.surveys import survey_token
from plut.foundation.accounts.models import User
from plut.top.dashboards.sections import sections_for

AXE_VERSION = "4.14.1"
AXE_SOURCE = (
    Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
).read_text(encoding="utf-8")
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one h1, headings in order).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 900}  # the other size the workspace journeys are walked at
# A journey at both sizes and in both languages (@VIEWPORTS @LANGUAGES on the test).
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
LANGUAGES = pytest.mark.parametrize("language", ["id", "en"])


def log_in(context: BrowserContext, live_server, user: User) -> None:
    """Sign the browser in as ``user`` without the login form (that form has its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def nav_link(page: Page, name: str) -> Locator:
    """A link of the header's navigation, as a user reaches it: on a phone the links fold
    behind the menu button (base.html), which is tapped first."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return page.locator("#site-menu").get_by_role("link", name=name, exact=True)


def open_desk(world) -> None:
    """Lampung's consultant takes bookings every day 08-16 WIB, so the booking pages have slots."""
    membership = world.a.consultant.staff_membership
    WorkingHours.objects.bulk_create(
        WorkingHours(
            membership=membership,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(16),
        )
        for weekday in range(7)
    )


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now."""
    # Evaluated through the DevTools protocol, which a Content-Security-Policy does not block
    # (an injected <script> would be).
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
        })""",
        AXE_TAGS,
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def broken_references(page: Page) -> list[str]:
    """aria-describedby / aria-labelledby / label[for] pointing at an id the page lacks: an
    error or a hint a screen reader would never read out. axe-core lets these pass."""
    return page.evaluate(
        """() => {
            const broken = [];
            for (const el of document.querySelectorAll(
                    "[aria-describedby], [aria-labelledby], label[for]")) {
                for (const attr of ["aria-describedby", "aria-labelledby", "for"]) {
                    for (const id of (el.getAttribute(attr) || "").split(/\\s+/)) {
                        if (id && !document.getElementById(id)) {
                            broken.push(`${el.tagName.toLowerCase()}#${el.id} ${attr}=${id}`);
                        }
                    }
                }
            }
            return broken;
        }"""
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {' '.join(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


def sideways_overflow(page: Page) -> list[str]:
    """Elements that stick out past the right edge of the viewport (what makes a page scroll
    sideways), or nothing when the page fits."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return [];
            return [...document.querySelectorAll("body *")]
                .filter(el => el.getBoundingClientRect().right > width + 1)
                // Inside a box that scrolls by itself (a wide table) is fine, unless it is
                // positioned: then it is placed against the page and escapes that box.
                .filter(el => {
                    if (getComputedStyle(el).position === "absolute") return true;
                    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                        if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) return false;
                    }
                    return true;
                })
                .slice(0, 8)
                .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                     + (el.className && typeof el.className === "string"
                        ? "." + el.className.trim().replace(/\\s+/g, ".") : "")
                     + " right=" + Math.round(el.getBoundingClientRect().right));
        }"""
    )


@dataclass(frozen=True)
class Visit:
    """One main page: its name in reports, the user who opens it, and how to get there."""

    name: str
    user: str  # a name for World.user(): "anonymous", "consultant_a", ...
    url: Callable[[object, Page], str]  # (world, page) -> path; may prepare the page
    then: Callable[[Page], None] | None = None  # an action after loading (show errors, ...)


def _booking_details_url(world, page: Page) -> str:
    # Step 2 needs a real free slot: take the first one step 1 offers.
    page.goto(_slots_url(world, page))
    return page.locator("a.slot").first.get_attribute("href")


def _slots_url(world, page: Page) -> str:
    return reverse("booking:start", args=[world.a.centre.pk]) + "?area=marketing&mode=in_person"


def _submit_empty(page: Page) -> None:
    """Send the page's main form untouched, to check how its errors are shown and announced."""
    page.locator('main form[method="post"]').first.locator("[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def _path(name: str, *args) -> Callable[[object, Page], str]:
    def resolve(world, page: Page) -> str:
        return reverse(name, args=[arg(world) if callable(arg) else arg for arg in args])

    return resolve


PUBLIC = [
    Visit("home", "anonymous", _path("portal:home")),
    Visit("centre page", "anonymous", _path("directory:centre_detail", lambda w: w.a.centre.pk)),
    Visit("booking: area and mode", "anonymous", _path("booking:start", lambda w: w.a.centre.pk)),
    Visit("booking: slots", "anonymous", _slots_url),
    Visit("booking: details", "anonymous", _booking_details_url),
    Visit(
        "booking: details with errors",
        "anonymous",
        _booking_details_url,
        _submit_empty,
    ),
    Visit("booking: done", "anonymous", _path("booking:done", lambda w: manage_token(w.a.booking))),
    Visit("manage link", "anonymous", _path("booking:manage", lambda w: manage_token(w.a.booking))),
    Visit("login", "anonymous", _path("login")),
    Visit("login with errors", "anonymous", _path("login"), _submit_empty),
    Visit("owner sign-up", "anonymous", _path("accounts:owner_signup")),
    Visit("password reset", "anonymous", _path("password_reset")),
    Visit("login link request", "anonymous", _path("accounts:magic_link_request")),
]

OWNER = [
    Visit("owner's page", "owner_a", _path("owner:home")),
    Visit(
        "manage link (owner)",
        "owner_a",
        _path("booking:manage", lambda w: manage_token(w.a.booking)),
    ),
]

STAFF = [
    Visit("today (Hari ini)", "consultant_a", _path("mentoring:staff_home")),
    Visit("session form", "consultant_a", _path("mentoring:session_create")),
    Visit(
        "session form with errors",
        "consultant_a",
        _path("mentoring:session_create"),
        _submit_empty,
    ),
    Visit("session", "consultant_a", _path("mentoring:session_detail", lambda w: w.a.session.pk)),
    Visit(
        "edit session", "consultant_a", _path("mentoring:session_update", lambda w: w.a.session.pk)
    ),
    Visit("session list", "consultant_a", _path("mentoring:session_list")),
    Visit("follow-ups", "consultant_a", _path("mentoring:follow_up_list")),
    Visit("enterprise list", "consultant_a", _path("cooperatives:enterprise_list")),
    Visit("cooperative list", "consultant_a", _path("cooperatives:cooperative_list")),
    Visit("register enterprise", "consultant_a", _path("cooperatives:enterprise_register")),
    Visit(
        "enterprise profile",
        "consultant_a",
        _path("mentoring:enterprise_profile", lambda w: w.a.enterprise.pk),
    ),
    Visit(
        "cooperative profile",
        "consultant_a",
        _path("mentoring:cooperative_profile", lambda w: w.a.cooperative.pk),
    ),
    Visit(
        "outcome form",
        "consultant_a",
        _path("mentoring:outcome_create", lambda w: w.a.enterprise.pk),
    ),
    Visit("booking inbox", "consultant_a", _path("mentoring:inbox")),
    Visit(
        "booking (staff)",
        "consultant_a",
        _path("mentoring:booking_detail", lambda w: w.a.booking.pk),
    ),
    Visit("my availability", "consultant_a", _path("clinics:availability")),
    Visit("change password", "consultant_a", _path("password_change")),
    Visit("API tokens", "consultant_a", _path("api_pages:tokens")),
    Visit("two-step login", "consultant_a", _path("accounts:two_factor_setup")),
    Visit("team", "manager_a", _path("clinics:team_list")),
    Visit("team member", "manager_a", _path("clinics:team_member", lambda w: w.a.consultant.pk)),
    Visit("invite to team", "manager_a", _path("clinics:team_invite")),
    Visit(
        "member availability",
        "manager_a",
        _path("clinics:availability_member", lambda w: w.a.consultant.pk),
    ),
    Visit("booking policy", "manager_a", _path("clinics:booking_policy")),
    Visit("data import", "manager_a", _path("api_pages:import_upload")),
    Visit("locked-out accounts", "national", _path("clinics:lockouts")),
    # The oversight pages' plain tables (they scroll in their own box on a phone).
    Visit("centres", "national", _path("clinics:centres")),
    Visit("audit trail", "officer_a", _path("privacy:audit_log")),
    Visit("NIK views", "manager_a", _path("privacy:nik_views")),
    Visit("erasure requests", "manager_a", _path("privacy:erasure_list")),
    Visit("exports", "manager_a", _path("exports:jobs")),
    Visit("outbox", "manager_a", _path("messaging:outbox")),
]


def _dashboard(level: str, user: str, key: Callable[[object], object] | None = None) -> list[Visit]:
    """Every section of one dashboard level, as its user sees it."""
    visits = []
    for section in sections_for(level):
        args = ([key] if key else []) + [section.key]
        visits.append(
            Visit(f"{level} dashboard: {section.key}", user, _path(f"dashboards:{level}", *args))
        )
    return visits


DASHBOARDS = [
    Visit("dashboards", "national", _path("dashboards:home")),
    *_dashboard("national", "national"),
    *_dashboard("province", "officer_a", lambda w: w.a.centre.province.code),
    *_dashboard("centre", "manager_a", lambda w: w.a.centre.pk),
]


def _survey_url(world, page: Page) -> str:
    survey, _ = SatisfactionSurvey.objects.get_or_create(
        session=world.a.session, enterprise=world.a.enterprise
    )
    return reverse("booking:survey", args=[survey_token(survey)])


def _check_in_url(world, page: Page) -> str:
    check_in, _ = OutcomeCheckIn.objects.get_or_create(enterprise=world.a.enterprise, months=3)
    return reverse("booking:check_in", args=[check_in_token(check_in)])


# Pages the owners open from a message: the satisfaction survey and the 3/6-month check-in.
MESSAGES = [
    Visit("satisfaction survey", "anonymous", _survey_url),
    Visit("satisfaction survey with errors", "anonymous", _survey_url, _submit_empty),
    Visit("business check-in", "anonymous", _check_in_url),
]

GROUPS = {
    "public": PUBLIC + MESSAGES,
    "owner": OWNER,
    "staff": STAFF,
    "dashboards": DASHBOARDS,
}


def walk(
    context: BrowserContext,
    live_server,
    world,
    visits: list[Visit],
    check: Callable[[Page], str | None],
) -> dict[str, str]:
    """Open every page as its user and run ``check`` on it; the problems found, by page.

    The context must have ``base_url=live_server.url`` (see ``browser_context_args``)."""
    problems: dict[str, str] = {}
    page = context.new_page()
    signed_in_as = "anonymous"
    for visit in visits:
        if visit.user != signed_in_as:
            # Only the session: the language cookie stays.
            context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
            if visit.user != "anonymous":
                log_in(context, live_server, world.user(visit.user))
            signed_in_as = visit.user
        path = visit.url(world, page)
        response = page.goto(path)
        assert response is not None and response.ok, (
            f"{visit.name}: {path} -> {response and response.status}"
        )
        page.wait_for_load_state("networkidle")
        if visit.then:
            visit.then(page)
        problem = check(page)
        if problem:
            problems[f"{visit.name} ({path})"] = problem
    page.close()
    return problems


# --- A reader's language, and tables read by their headers (#24's role journeys) -------------


def in_language(text: str, language: str) -> str:
    """``text`` (a msgid: the portal's Indonesian) as a reader of ``language`` sees it."""
    from django.utils import translation  # (appended to this module: imported here)

    with translation.override(language):
        return translation.gettext(text)


def sign_ins(live_server, language: str, *users: User) -> Callable[[BrowserContext, User], None]:
    """Sessions for ``users`` reading ``language`` (their account's language, and the language
    cookie), made before the browser opens a page; returns how a context takes one of them
    up, in place of whoever was signed in, so several people take turns in one context.

    Taking a turn only sets cookies: the test writes nothing while the live server may still
    answer the browser (on the embedded SQLite the two share one connection)."""
    sessions = {}
    for user in users:
        user.language = language
        user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def take_turn(context: BrowserContext, user: User) -> None:
        context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": sessions[user.pk],
                    "url": live_server.url,
                },
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )

    return take_turn


def column(table: Locator, header: str) -> int:
    """The index of the column headed ``header`` in ``table``'s head (read from the markup, as
    a phone may hide or restyle the head)."""
    headers = [text.strip() for text in table.locator("thead th").all_text_contents()]
    assert header in headers, f"no column {header!r} in {headers}"
    return headers.index(header)


def cell(row: Locator, table: Locator, header: str) -> Locator:
    """``row``'s cell in the column headed ``header``."""
    return row.locator("td").nth(column(table, header))
