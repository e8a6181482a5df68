"""Headers (issue #21, finding 7): nothing a logged-in user reads is cached, browser features
are switched off, the language cookie is as strict as the session's, and the health probes
tell only internal callers and staff which component is down."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from plut.celery import app as celery_app
from plut.top.api.services import token_create
from plut.top.reports.models import Report, ReportStatus
from tests.conftest import World

pytestmark = pytest.mark.django_db

DETAIL = {"status", "database", "broker", "worker"}
PUBLIC_ADDRESS = "203.0.113.7"  # TEST-NET-3: nobody's internal network


def _report_file(world: World) -> int:
    report = Report.objects.create(
        key="test-headers",
        level="centre",
        centre=world.a.centre,
        month=datetime.date(2026, 10, 1),
        requested_by=world.a.manager,
        status=ReportStatus.DONE,
    )
    report.xlsx.save("laporan.xlsx", ContentFile(b"PK\x03\x04 not really a workbook"))
    return report.pk


# (user, method, url): each page, fragment and download that carries personal data.
PERSONAL: dict[str, tuple[str, str, Callable[[World], str]]] = {
    "enterprise profile": (
        "consultant_a",
        "get",
        lambda w: reverse("mentoring:enterprise_profile", args=[w.a.enterprise.pk]),
    ),
    "cooperative profile": (
        "consultant_a",
        "get",
        lambda w: reverse("mentoring:cooperative_profile", args=[w.a.cooperative.pk]),
    ),
    "session detail": (
        "consultant_a",
        "get",
        lambda w: reverse("mentoring:session_detail", args=[w.a.session.pk]),
    ),
    "NIK reveal": (
        "consultant_a",
        "post",
        lambda w: reverse("privacy:nik_show", args=[w.a.person.pk]),
    ),
    "API person detail": ("consultant_a", "get", lambda w: f"/api/v1/persons/{w.a.person.pk}/"),
    "owner's data page": ("owner_a", "get", lambda w: reverse("privacy:my_data")),
    "owner's data download": ("owner_a", "get", lambda w: reverse("privacy:my_data_json")),
    "NIK-view log": ("manager_a", "get", lambda w: reverse("privacy:nik_views")),
    "audit trail": ("manager_a", "get", lambda w: reverse("privacy:audit_log")),
    **{
        f"{name} {fmt}": (
            "manager_a",
            "get",
            lambda w, name=name, fmt=fmt: reverse(name, args=[fmt]),
        )
        for name in (
            "mentoring:session_export",
            "mentoring:follow_up_export",
            "cooperatives:enterprise_export",
            "cooperatives:cooperative_export",
        )
        for fmt in ("csv", "xlsx")
    },
    **{
        f"centre dashboard export {fmt}": (
            "manager_a",
            "get",
            lambda w, fmt=fmt: reverse(
                "dashboards:centre_export",
                kwargs={"key": w.a.centre.pk, "section": "overview", "fmt": fmt},
            ),
        )
        for fmt in ("csv", "xlsx")
    },
    "national dashboard export": (
        "national",
        "get",
        lambda w: reverse(
            "dashboards:national_export", kwargs={"section": "overview", "fmt": "xlsx"}
        ),
    ),
    "monthly report download": (
        "manager_a",
        "get",
        lambda w: reverse("dashboards:reports:download", args=[_report_file(w), "xlsx"]),
    ),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("what", PERSONAL)
def test_personal_data_is_never_stored_by_a_cache(client, world, media, what):
    user, method, url = PERSONAL[what]
    client.force_login(world.user(user))
    response = getattr(client, method)(url(world))
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_an_api_token_user_gets_no_store_too(world):
    _token, secret = token_create(owner=world.a.consultant, name="probe")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get(f"/api/v1/persons/{world.a.person.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_public_pages_keep_their_own_caching(client, reference_data):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/healthz", "/api/v1/centres/", "/static/css/portal.css"])
def test_every_response_switches_off_browser_features_nobody_uses(client, reference_data, url):
    response = client.get(url)
    policy = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"


def test_the_language_cookie_is_as_strict_as_the_session_cookie(client, reference_data):
    # Tests run with DEBUG off: these are the production values (plut/settings.py).
    assert settings.LANGUAGE_COOKIE_SECURE is settings.SESSION_COOKIE_SECURE is True
    assert settings.LANGUAGE_COOKIE_SAMESITE == "Lax"
    assert settings.LANGUAGE_COOKIE_HTTPONLY
    cookie = client.post(reverse("set_language"), {"language": "en", "next": "/"}).cookies[
        settings.LANGUAGE_COOKIE_NAME
    ]
    assert (cookie["secure"], cookie["samesite"], cookie["httponly"]) == (True, "Lax", True)


# --- Health probes: the detail for internal callers and staff only ------------------------------


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_a_public_probe_gets_the_status_only(client, db, url):
    response = client.get(url, REMOTE_ADDR=PUBLIC_ADDRESS)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_a_public_probe_learns_not_which_part_is_down(client, db):
    unreachable = functools.partial(celery_app.connection_for_write, "redis://127.0.0.1:1/0")
    with mock.patch.object(celery_app, "connection_for_write", unreachable):
        response = client.get("/readyz", REMOTE_ADDR=PUBLIC_ADDRESS)
    assert (response.status_code, response.json()) == (503, {"status": "error"})


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_the_machine_itself_gets_the_detail(client, db, address):
    assert set(client.get("/healthz", REMOTE_ADDR=address).json()) == DETAIL


def test_a_request_through_the_proxy_is_public_whatever_the_proxy_address(client, db):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.json() == {"status": "ok"}


def test_a_listed_internal_network_gets_the_detail(client, db, settings):
    settings.HEALTHZ_INTERNAL_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert set(client.get("/healthz", REMOTE_ADDR="10.2.3.4").json()) == DETAIL
    assert set(client.get("/healthz", REMOTE_ADDR="fd00::5").json()) == DETAIL
    assert client.get("/healthz", REMOTE_ADDR="192.168.1.5").json() == {"status": "ok"}


def test_a_logged_in_staff_member_gets_the_detail_and_an_owner_does_not(world):
    staff, owner = Client(REMOTE_ADDR=PUBLIC_ADDRESS), Client(REMOTE_ADDR=PUBLIC_ADDRESS)
    staff.force_login(world.a.consultant)
    owner.force_login(world.a.owner)
    assert set(staff.get("/readyz").json()) == DETAIL
    assert owner.get("/readyz").json() == {"status": "ok"}
