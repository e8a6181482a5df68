"""Staff sessions: two-factor authentication (TOTP, backup codes), required for national and
provincial roles when the setting is on; the idle timeout; logging out everywhere."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plut.foundation.accounts.models import User

PASSWORD = "rahasia-123"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _login(client: Client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def _set_up_two_factor(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
    codes = re.findall(r"<li>([0-9a-f]{8})</li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed and len(codes) == 10
    client.logout()
    return device, codes


def test_a_consultant_sets_up_an_authenticator_and_is_asked_for_a_code_at_login(client, world):
    device, _codes = _set_up_two_factor(client, world.a.consultant)
    assert _login(client, "consultant_a").status_code == 302
    # Signed in with the password only: every page leads to the code.
    response = client.get(reverse("mentoring:staff_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor_verify")
    assert client.get(reverse("cooperatives:enterprise_list")).status_code == 302
    bad = client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert "Kode tidak cocok" in bad.content.decode()
    # A wrong code makes the device wait a moment (django-otp's throttling); then the code of
    # the next time step works (the one used at setup may not be replayed).
    with time_machine.travel(datetime.timedelta(seconds=5)):
        client.post(reverse("accounts:two_factor_verify"), {"code": _code(device, offset=1)})
        assert client.get(reverse("mentoring:staff_home")).status_code == 200


def test_a_password_alone_cannot_pair_a_new_authenticator(client, world):
    _set_up_two_factor(client, world.a.consultant)
    _login(client, "consultant_a")
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response["Location"] == reverse("accounts:two_factor_verify")
    client.post(reverse("accounts:two_factor_setup"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=world.a.consultant).count() == 1
    assert client.get(reverse("mentoring:staff_home")).status_code == 302


def test_a_backup_code_works_once(client, world):
    _device, codes = _set_up_two_factor(client, world.a.consultant)
    _login(client, "consultant_a")
    client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert client.get(reverse("mentoring:staff_home")).status_code == 200
    client.logout()
    _login(client, "consultant_a")
    client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert client.get(reverse("mentoring:staff_home")).status_code == 302
    assert StaticToken.objects.filter(token=codes[0]).count() == 0


def test_guessing_codes_is_limited(client, world):
    _set_up_two_factor(client, world.a.consultant)
    _login(client, "consultant_a")
    for _ in range(10):
        client.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert client.post(reverse("accounts:two_factor_verify"), {"code": "123456"}).status_code == 429


def test_two_factor_is_optional_by_default(client, world):
    _login(client, "officer_a")
    assert client.get(reverse("dashboards:home"), follow=True).status_code == 200


@pytest.mark.parametrize(
    ("name", "required"),
    [("national", True), ("officer_a", True), ("manager_a", False), ("consultant_a", False)],
)
def test_when_required_national_and_provincial_staff_must_set_it_up(
    client, world, settings, name, required
):
    settings.TWO_FACTOR_REQUIRED = True
    _login(client, name)
    response = client.get(reverse("accounts:landing"))
    if required:
        assert response["Location"] == reverse("accounts:two_factor_setup")
        assert client.get(reverse("privacy:audit_log"))["Location"] == response["Location"]
        # Once set up, it cannot be switched off either.
        client.get(reverse("accounts:two_factor_setup"))
        device = TOTPDevice.objects.get(user__username=name, confirmed=False)
        client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
        assert client.get(reverse("accounts:landing")).status_code == 302
        assert client.post(reverse("accounts:two_factor_disable")).status_code == 403
    else:
        assert response["Location"] != reverse("accounts:two_factor_setup")


def test_an_owner_is_never_asked(client, world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_REQUIRED_ROLES = ["national", "provincial", "owner"]
    _login(client, "owner_a")
    assert client.get(reverse("owner:home")).status_code == 200


# --- Idle timeout -------------------------------------------------------------------------------


@pytest.fixture
def idle_timeout(settings):
    # plut/settings_test.py lengthens it for the suite's time travel; back to the default here.
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    return settings


def test_staff_idle_too_long_are_signed_out(client, world, idle_timeout):
    start = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "consultant_a")
        clock.shift(datetime.timedelta(minutes=idle_timeout.STAFF_IDLE_TIMEOUT_MINUTES - 1))
        assert client.get(reverse("mentoring:staff_home")).status_code == 200
        # Activity moved the clock: another almost-timeout later it still works.
        clock.shift(datetime.timedelta(minutes=idle_timeout.STAFF_IDLE_TIMEOUT_MINUTES - 1))
        assert client.get(reverse("mentoring:staff_home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=idle_timeout.STAFF_IDLE_TIMEOUT_MINUTES + 1))
        response = client.get(reverse("mentoring:staff_home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session


def test_htmx_requests_are_sent_to_the_login_page_whole(client, world, idle_timeout):
    start = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "consultant_a")
        clock.shift(datetime.timedelta(minutes=idle_timeout.STAFF_IDLE_TIMEOUT_MINUTES + 1))
        response = client.get(reverse("cooperatives:client_search"), HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"].startswith(reverse("login"))


def test_owners_are_not_timed_out(client, world, idle_timeout):
    start = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "owner_a")
        clock.shift(datetime.timedelta(minutes=idle_timeout.STAFF_IDLE_TIMEOUT_MINUTES + 5))
        assert client.get(reverse("owner:home")).status_code == 200


def test_the_idle_clock_costs_no_query_on_a_normal_request(
    client, world, django_assert_num_queries
):
    client.force_login(world.a.owner)
    client.get(reverse("owner:home"))
    client.force_login(world.a.consultant)
    with django_assert_num_queries(2):
        # The session and the user, nothing more (the logout form is on every page).
        client.get(reverse("accounts:two_factor_verify"))


# --- Logging out everywhere ---------------------------------------------------------------------


def test_production_idles_staff_out_after_thirty_minutes():
    out = subprocess.run(
        [sys.executable, "-c", "import plut.settings as s; print(s.STAFF_IDLE_TIMEOUT_MINUTES)"],
        capture_output=True,
        text=True,
        check=True,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "30"


def test_logging_out_everywhere_ends_every_session_of_the_user_only(world):
    phone, laptop, colleague = Client(), Client(), Client()
    for device in (phone, laptop):
        _login(device, "consultant_a")
    _login(colleague, "manager_a")
    assert laptop.get(reverse("mentoring:staff_home")).status_code == 200
    response = phone.post(reverse("accounts:logout_everywhere"))
    assert response["Location"] == reverse("login")
    assert laptop.get(reverse("mentoring:staff_home")).status_code == 302
    assert phone.get(reverse("mentoring:staff_home")).status_code == 302
    assert colleague.get(reverse("mentoring:staff_home")).status_code == 200
    # The password still works: a new session starts normally.
    assert _login(laptop, "consultant_a").status_code == 302
    assert laptop.get(reverse("mentoring:staff_home")).status_code == 200
