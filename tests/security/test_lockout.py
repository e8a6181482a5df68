"""Login lockout (django-axes) per account and per address, the unlock path for staff, and the
throttle on guessed one-time login links and booking manage links."""

from __future__ import annotations

import datetime
import io
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.bookings import manage_token
from plut.accounts.models import Role
from tests.factories.accounts import UserFactory

PASSWORD = "rahasia-123"
START = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    cache.clear()


def _login(client, username: str, password: str = "salah", ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(client, world):
    for _ in range(9):
        assert _login(client, "owner_a").status_code == 200
    # The tenth failure locks the account (LOGIN_FAILURES_PER_ACCOUNT = 10).
    assert _login(client, "owner_a").status_code == 429
    response = _login(client, "OWNER_A", PASSWORD)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    # From another address too: the account is what is locked.
    assert _login(client, "owner_a", PASSWORD, ip="10.9.9.9").status_code == 429
    # Another account from the same address still can (the address has 10 of its 20).
    assert _login(client, "owner_b", PASSWORD).status_code == 302


def test_an_address_is_locked_after_its_failures_on_any_accounts(client, world, _clean):
    for n in range(19):
        assert _login(client, f"x{n}").status_code == 200
    assert _login(client, "x19").status_code == 429
    assert _login(client, "owner_a", PASSWORD).status_code == 429
    # Another address is not affected.
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.2").status_code == 302
    # The cool-off passes and the address may try again.
    _clean.shift(datetime.timedelta(minutes=15, seconds=1))
    assert _login(client, "owner_b", PASSWORD).status_code == 302


def test_attempts_never_store_the_password(client, world):
    _login(client, "owner_a", "rahasia-yang-salah")
    attempt = AccessAttempt.objects.get()
    assert "rahasia-yang-salah" not in attempt.post_data
    assert attempt.username == "owner_a"


def _lock(client, username: str) -> None:
    for _ in range(10):
        _login(client, username, ip="10.0.0.7")
    assert _login(client, username, PASSWORD, ip="10.0.0.8").status_code == 429


def test_a_manager_unlocks_their_own_staff_only(client, world):
    _lock(client, "consultant_a")
    _lock(client, "consultant_b")
    client.force_login(world.a.manager)
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert "consultant_a" in page and "consultant_b" not in page
    assert "10.0.0.7" not in page  # addresses are for national administrators
    response = client.post(reverse("accounts:lockouts"), {"username": "consultant_b"})
    assert response.status_code == 404
    assert (
        client.post(reverse("accounts:lockouts"), {"username": "consultant_a"}).status_code == 302
    )
    client.logout()
    assert _login(client, "consultant_a", PASSWORD, ip="10.0.0.8").status_code == 302
    client.logout()
    assert _login(client, "consultant_b", PASSWORD, ip="10.0.0.8").status_code == 429


def test_a_national_administrator_unlocks_an_address(client, world):
    for n in range(20):
        _login(client, f"x{n}", ip="10.0.0.5")
    client.force_login(world.national)
    assert "10.0.0.5" in client.get(reverse("accounts:lockouts")).content.decode()
    client.post(reverse("accounts:lockouts"), {"ip_address": "10.0.0.5"})
    client.logout()
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.5").status_code == 302


@pytest.mark.parametrize("name", ["consultant_a", "owner_a"])
def test_consultants_and_owners_have_no_unlock_page(client, world, name):
    client.force_login(world.user(name))
    assert client.get(reverse("accounts:lockouts")).status_code == 403
    assert client.post(reverse("accounts:lockouts"), {"username": "x"}).status_code == 403


def test_an_officer_sees_only_their_provinces_lockouts(client, world):
    _lock(client, "consultant_a")
    client.force_login(world.b.officer)
    assert "consultant_a" not in client.get(reverse("accounts:lockouts")).content.decode()
    assert (
        client.post(reverse("accounts:lockouts"), {"username": "consultant_a"}).status_code == 404
    )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("accounts:lockouts")).status_code == 200
    return len(captured.captured_queries)


def test_the_lockouts_page_costs_the_same_queries_for_one_or_many(client, world):
    _lock(client, "consultant_a")
    client.force_login(world.a.manager)
    one = _queries(client)
    for name in ("manager_a", "officer_a"):
        _lock(client, name)
    client.force_login(world.a.manager)
    assert _queries(client) == one


def test_the_axes_reset_command_unlocks_everyone(client, world):
    _lock(client, "owner_a")
    call_command("axes_reset", stdout=io.StringIO())
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.8").status_code == 302


# --- Guessed tokens ---------------------------------------------------------------------------


def _magic_link_for(owner, mailoutbox, client) -> str:
    client.post(reverse("accounts:magic_link_request"), {"email": owner.email})
    return re.search(r"http://[^\s]+(/accounts/tautan-masuk/[^\s]+/)", mailoutbox[-1].body)[1]


def test_guessed_login_links_are_throttled_per_address(client, db, mailoutbox, settings):
    owner = UserFactory(
        email="pemilik@contoh.id",
        role=Role.OWNER,
        email_verified_at=START - datetime.timedelta(days=1),
    )
    link = _magic_link_for(owner, mailoutbox, client)
    uid = link.split("/")[3]
    for n in range(settings.BAD_TOKENS_PER_ADDRESS):
        response = client.get(f"/accounts/tautan-masuk/{uid}/tebakan-{n}/", REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 400
    # Past the limit even the genuine link waits, from that address only.
    assert client.post(link, REMOTE_ADDR="10.1.1.1").status_code == 429
    assert client.post(link, REMOTE_ADDR="10.1.1.2").status_code == 302


def test_guessed_manage_links_are_throttled_per_address(client, world, settings):
    good = reverse("booking:manage", args=[manage_token(world.a.booking)])
    for n in range(settings.BAD_TOKENS_PER_ADDRESS):
        bad = reverse("booking:manage", args=[f"bukan-token-{n}"])
        assert client.get(bad, REMOTE_ADDR="10.2.2.2").status_code == 404
    assert client.get(good, REMOTE_ADDR="10.2.2.2").status_code == 429
    assert client.get(good, REMOTE_ADDR="10.2.2.3").status_code == 200
