"""Object-level access for every URL that names an object: pages, exports, report downloads,
imports and the API.

The URL patterns are read from the resolver, so a new URL with an object id (``<int:pk>``,
``<str:token>``, an API ``{pk}``...) fails ``test_every_object_url_is_in_a_table`` until it is
added to SCOPED (with how to build it) or to PUBLIC/ELSEWHERE (with the reason). For every
SCOPED URL, pointed at side a's object of tests/conftest.py's world:

- anonymous is sent to log in (pages) or refused (API: 401/403);
- each role of the other centre and province (side b) gets a 404; a 403 is accepted only when
  the same role gets the same 403 for an id that does not exist (the page kind is not theirs
  at all), so a 403 never confirms that side a's id exists;
- the insider gets the page (which proves the table builds real URLs), and an id that does
  not exist is a 404, not a 500.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plut.foundation.accounts.models import User
from plut.foundation.exports.models import ExportJob, ExportStatus
from plut.top.api.models import ApiToken, ImportJob
from plut.top.privacy.services import erasure_request
from plut.top.reports.models import Report
from tests.conftest import Side, World

# Route parameters that identify an object; the others (fmt, section, action, kind...) choose
# a format or a view of it.
ID_PARAMS = {"pk", "key", "centre_pk", "user_pk", "person_pk", "token", "uidb64", "code"}
SIDE_B_ROLES = ("consultant", "manager", "officer", "owner")
LOGIN = "/accounts/login/"


@dataclass(frozen=True)
class Case:
    kwargs: Callable[[World, Side], dict[str, Any]]
    insider: str | None = "consultant"  # role on side a that may open it; None: not checked
    method: str = "get"


def _report(world: World, side: Side) -> int:
    report, _ = Report.objects.get_or_create(
        key=f"test-centre-{side.centre.pk}",
        defaults={
            "level": "centre",
            "centre": side.centre,
            "month": datetime.date(2026, 10, 1),
            "requested_by": side.manager,
        },
    )
    return report.pk


def _import_job(world: World, side: Side) -> int:
    job, _ = ImportJob.objects.get_or_create(
        created_by=side.manager,
        centre=side.centre,
        defaults={
            "kind": "enterprises",
            "mode": "valid_rows",
            "filename": "umkm.csv",
            "payload": b"",
        },
    )
    return job.pk


def _token(world: World, side: Side) -> int:
    token = ApiToken.objects.filter(owner=side.manager).first()
    if token is None:
        prefix, _secret = ApiToken.new_parts()
        token = ApiToken.objects.create(owner=side.manager, name="uji", prefix=prefix)
    return token.pk


def _erasure(world: World, side: Side) -> int:
    return erasure_request(user=side.owner).pk


def _export_job(world: World, side: Side) -> int:
    """A finished download of side's consultant: theirs alone (not even their centre's)."""
    job = ExportJob.objects.filter(user=side.consultant).first()
    if job is None:
        job = ExportJob(
            user=side.consultant,
            export="sessions",
            fmt="csv",
            request_key=f"test-{side.consultant.pk}",
            language="id",
            filename="sesi.csv",
            status=ExportStatus.DONE,
            total_rows=0,
        )
        job.file.save("uji.csv", ContentFile(b"ID\r\n"))
    return job.pk


def _pk(attr: str) -> Callable[[World, Side], dict[str, Any]]:
    return lambda world, side: {"pk": getattr(side, attr).pk}


SCOPED: dict[str, Case] = {
    # Workspace pages
    "mentoring:session_detail": Case(_pk("session")),
    "mentoring:session_update": Case(_pk("session")),
    "mentoring:follow_up_done": Case(_pk("follow_up"), insider=None, method="post"),
    "mentoring:enterprise_profile": Case(_pk("enterprise")),
    "mentoring:outcome_create": Case(_pk("enterprise")),
    "mentoring:enterprise_merge": Case(_pk("enterprise"), insider="manager"),
    "mentoring:outcome_verify": Case(_pk("outcome"), insider=None, method="post"),
    # Corrections (mentoring.views.corrections): side a's session and follow-up are its
    # consultant's, just logged; outcomes and bookings are corrected by the manager.
    "mentoring:session_delete": Case(_pk("session")),
    "mentoring:follow_up_delete": Case(_pk("follow_up")),
    "mentoring:outcome_update": Case(_pk("outcome"), insider="manager"),
    "mentoring:outcome_delete": Case(_pk("outcome"), insider="manager"),
    "mentoring:booking_delete": Case(_pk("booking"), insider="manager"),
    "mentoring:cooperative_profile": Case(_pk("cooperative")),
    "cooperatives:enterprise_edit": Case(_pk("enterprise")),
    "cooperatives:cooperative_edit": Case(_pk("cooperative")),
    "cooperatives:person_edit": Case(_pk("person")),
    "mentoring:booking_detail": Case(_pk("booking")),
    "mentoring:booking_action": Case(
        lambda w, s: {"pk": s.booking.pk, "action": "confirm"}, insider=None, method="post"
    ),
    "clinics:team_member": Case(lambda w, s: {"pk": s.consultant.pk}, insider="manager"),
    "clinics:availability_member": Case(
        lambda w, s: {"user_pk": s.consultant.pk}, insider="manager"
    ),
    "clinics:team_move": Case(lambda w, s: {"pk": s.consultant.pk}, insider="officer"),
    "clinics:centre_edit": Case(lambda w, s: {"pk": s.centre.pk}, insider="manager"),
    "clinics:centre_whatsapp": Case(lambda w, s: {"pk": s.centre.pk}, insider="manager"),
    "clinics:centre_staff": Case(lambda w, s: {"pk": s.centre.pk}, insider="officer"),
    # Dashboards, their exports and the monthly reports
    "dashboards:province": Case(lambda w, s: {"key": s.centre.province_id}, insider="officer"),
    "dashboards:province_export": Case(
        lambda w, s: {"key": s.centre.province_id, "section": "overview", "fmt": "csv"},
        insider=None,
    ),
    "dashboards:centre": Case(lambda w, s: {"key": s.centre.pk}, insider="manager"),
    "dashboards:centre_export": Case(
        lambda w, s: {"key": s.centre.pk, "section": "overview", "fmt": "csv"}, insider=None
    ),
    "dashboards:reports:detail": Case(lambda w, s: {"pk": _report(w, s)}, insider="manager"),
    "dashboards:reports:download": Case(
        lambda w, s: {"pk": _report(w, s), "fmt": "xlsx"}, insider=None
    ),
    # Downloads written in the background (plut.foundation.exports)
    "exports:job": Case(lambda w, s: {"pk": _export_job(w, s)}),
    "exports:download": Case(lambda w, s: {"pk": _export_job(w, s)}),
    # Imports and API tokens
    "api_pages:import_detail": Case(lambda w, s: {"pk": _import_job(w, s)}, insider="manager"),
    "api_pages:token_revoke": Case(lambda w, s: {"pk": _token(w, s)}, insider=None, method="post"),
    # Personal data
    "privacy:nik_show": Case(
        lambda w, s: {"person_pk": s.person.pk}, insider="consultant", method="post"
    ),
    "privacy:erasure_complete": Case(
        lambda w, s: {"pk": _erasure(w, s)}, insider=None, method="post"
    ),
    # The API
    "api:person-detail": Case(_pk("person")),
    "api:enterprise-detail": Case(_pk("enterprise")),
    "api:cooperative-detail": Case(_pk("cooperative")),
    "api:session-detail": Case(_pk("session")),
    "api:follow-up-detail": Case(_pk("follow_up")),
    "api:outcome-detail": Case(_pk("outcome")),
    "api:booking-detail": Case(_pk("booking")),
    "api:booking-cancel": Case(_pk("booking"), insider=None, method="post"),
    "api:booking-confirm": Case(_pk("booking"), insider=None, method="post"),
    "api:booking-no-show": Case(_pk("booking"), insider=None, method="post"),
    "api:booking-reschedule": Case(_pk("booking"), insider=None, method="post"),
    "api:import-detail": Case(lambda w, s: {"pk": _import_job(w, s)}, insider="manager"),
}

PUBLIC: dict[str, str] = {
    "directory:centre_detail": "a centre's public page",
    "booking:start": "public booking of a centre",
    "booking:details": "public booking of a centre",
    "api:centre-slots": "a centre's free slots, public like its booking page",
    "api:province-detail": "reference data",
    "api:regency-detail": "reference data",
    "api:service-area-detail": "reference data",
    "api:centre-detail": "the public list of centres",
    "booking:done": "signed manage token; bad tokens throttled (test_lockout.py)",
    "booking:manage": "signed manage token; bad tokens throttled (test_lockout.py)",
    "booking:calendar": "signed manage token; bad tokens throttled (test_lockout.py)",
    "booking:survey": "signed survey token sent to the owner (messaging)",
    "booking:check_in": "signed check-in token sent to the owner (messaging)",
    "password_reset_confirm": "Django's one-time password-reset token",
    "accounts:verify_email": "signed token, and only for the signed-in account it names",
    "accounts:magic_link_login": "one-time login token; bad tokens throttled (test_lockout.py)",
}

ELSEWHERE: dict[str, str] = {
    # Every admin change/delete/history URL goes through plut.foundation.accounts.admin.ScopedAdmin.
    "admin:": "tests/security/test_admin_scope.py (national administrators only)",
}


def _walk(patterns: list, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern)


def _params(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))


def object_urls() -> dict[str, str]:
    """Every named URL pattern with an object id in its route."""
    return {
        name or route: route
        for name, route in _walk(get_resolver().url_patterns)
        if _params(route) & ID_PARAMS
    }


def test_every_object_url_is_in_a_table():
    missing = [
        f"{name}  ({route})"
        for name, route in object_urls().items()
        if name not in SCOPED
        and name not in PUBLIC
        and not any(name.startswith(prefix) for prefix in ELSEWHERE)
    ]
    assert missing == [], "Add these to SCOPED or PUBLIC in tests/security/test_object_access.py"


def test_the_tables_name_only_urls_that_exist():
    existing = object_urls()
    assert set(SCOPED) - set(existing) == set()
    assert set(PUBLIC) - set(existing) == set()


def _call(client, case: Case, name: str, kwargs: dict[str, Any]):
    url = reverse(name, kwargs=kwargs)
    return getattr(client, case.method)(url)


@pytest.mark.parametrize("name", sorted(SCOPED))
def test_anonymous_is_sent_to_log_in(client, world, name):
    case = SCOPED[name]
    response = _call(client, case, name, case.kwargs(world, world.a))
    if name.startswith("api:"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", SIDE_B_ROLES)
@pytest.mark.parametrize("name", sorted(SCOPED))
def test_another_centre_or_province_gets_a_404(client, world, name, role):
    case = SCOPED[name]
    outsider: User = getattr(world.b, role)
    client.force_login(outsider)
    response = _call(client, case, name, case.kwargs(world, world.a))
    if response.status_code == 403:
        # Only when the refusal does not depend on the object: an id that does not exist is
        # refused alike, so the 403 confirms nothing about side a.
        made_up = _made_up(case.kwargs(world, world.a))
        assert made_up, f"{role}_b: 403 on a URL without an id to compare"
        assert _call(client, case, name, made_up).status_code == 403
    else:
        assert response.status_code == 404


def _made_up(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The same URL with every integer id replaced by one that does not exist."""
    made_up = {
        key: (10**9 if isinstance(value, int) else "99999") if key in ID_PARAMS else value
        for key, value in kwargs.items()
    }
    return made_up if made_up != kwargs else None


@pytest.mark.parametrize("name", sorted(n for n, c in SCOPED.items() if c.insider))
def test_the_insider_opens_it_and_a_made_up_id_is_a_404(client, world, name):
    case = SCOPED[name]
    client.force_login(getattr(world.a, case.insider))
    response = _call(client, case, name, case.kwargs(world, world.a))
    assert response.status_code == 200
    made_up = _made_up(case.kwargs(world, world.a))
    if made_up:
        assert _call(client, case, name, made_up).status_code == 404
