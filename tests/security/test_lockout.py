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

from mentoring.selectors.bookings import manage_token
from plut.foundation.accounts.models import Role
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


def test_an_account_is_locked_from_an_address_after_its_failures_even_for_the_right_password(
    client, world, settings
):
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    assert limit == 10
    for _ in range(limit - 1):
        assert _login(client, "owner_a").status_code == 200
    # The tenth failure locks owner_a from this address.
    assert _login(client, "owner_a").status_code == 429
    response = _login(client, "OWNER_A", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Terlalu banyak percobaan" in page
    assert "kata sandi salah untuk akun ini dari perangkat atau jaringan ini" in page
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    # Another account from the same address still can.
    assert _login(client, "owner_b", PASSWORD).status_code == 302


def test_an_attackers_failures_elsewhere_do_not_lock_the_owner_out(client, world, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        _login(client, "owner_a", ip="10.6.6.6")
    assert _login(client, "owner_a", PASSWORD, ip="10.6.6.6").status_code == 429
    # The owner at home signs in at once.
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.1").status_code == 302


def test_failures_on_one_account_do_not_block_another_from_the_address(client, world, settings):
    # Attempts past the pair's lockout are refused without being counted, so hammering one
    # account never adds up to the address's limit.
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        _login(client, "owner_a", ip="10.3.3.3")
    assert _login(client, "owner_a", PASSWORD, ip="10.3.3.3").status_code == 429
    assert _login(client, "owner_b", PASSWORD, ip="10.3.3.3").status_code == 302


def test_an_account_failing_from_many_addresses_is_slowed_down_not_locked(
    client, world, settings, _clean
):
    free = settings.LOGIN_FAILURES_PER_ACCOUNT
    assert (free, settings.LOGIN_SLOWDOWN_MAX_SECONDS) == (10, 60)
    for n in range(free):
        assert _login(client, "owner_a", ip=f"10.4.0.{n}").status_code == 200
    # Past the account's limit each failure asks for a growing wait: 2, 4, 8 ... seconds.
    response = _login(client, "owner_a", ip="10.4.1.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert "Tunggu 2 detik" in response.content.decode()
    # The right password waits too (guessing learns nothing), and a refused attempt is not
    # counted: the wait does not grow.
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.1")["Retry-After"] == "2"
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.1")["Retry-After"] == "2"
    waits = []
    for n in range(6):
        _clean.shift(datetime.timedelta(seconds=int(response["Retry-After"])))
        response = _login(client, "owner_a", ip=f"10.4.2.{n}")
        waits.append(int(response["Retry-After"]))
    assert waits == [4, 8, 16, 32, 60, 60]
    # After the wait the owner signs in: a delay, never a lockout.
    _clean.shift(datetime.timedelta(seconds=60))
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.1").status_code == 302


def test_an_address_failing_on_many_accounts_is_throttled(client, world, settings, _clean):
    limit = settings.LOGIN_FAILURES_PER_ADDRESS
    assert limit == 50
    for n in range(limit - 1):
        assert _login(client, f"x{n}").status_code == 200
    response = _login(client, f"x{limit}")
    assert response.status_code == 429
    assert "Dari jaringan ini sudah terlalu banyak percobaan masuk" in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)
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
    assert _login(client, username, PASSWORD, ip="10.0.0.7").status_code == 429


def test_a_manager_unlocks_their_own_staff_only(client, world):
    _lock(client, "consultant_a")
    _lock(client, "consultant_b")
    client.force_login(world.a.manager)
    page = client.get(reverse("clinics:lockouts")).content.decode()
    assert "consultant_a" in page and "consultant_b" not in page
    assert "10.0.0.7" not in page  # addresses are for national administrators
    response = client.post(reverse("clinics:lockouts"), {"username": "consultant_b"})
    assert response.status_code == 404
    assert client.post(reverse("clinics:lockouts"), {"username": "consultant_a"}).status_code == 302
    client.logout()
    assert _login(client, "consultant_a", PASSWORD, ip="10.0.0.7").status_code == 302
    client.logout()
    assert _login(client, "consultant_b", PASSWORD, ip="10.0.0.7").status_code == 429


def test_a_national_administrator_unlocks_an_address(client, world, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        _login(client, f"x{n}", ip="10.0.0.5")
    client.force_login(world.national)
    assert "10.0.0.5" in client.get(reverse("clinics:lockouts")).content.decode()
    client.post(reverse("clinics:lockouts"), {"ip_address": "10.0.0.5"})
    client.logout()
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.5").status_code == 302


@pytest.mark.parametrize("name", ["consultant_a", "owner_a"])
def test_consultants_and_owners_have_no_unlock_page(client, world, name):
    client.force_login(world.user(name))
    assert client.get(reverse("clinics:lockouts")).status_code == 403
    assert client.post(reverse("clinics:lockouts"), {"username": "x"}).status_code == 403


def test_an_officer_sees_only_their_provinces_lockouts(client, world):
    _lock(client, "consultant_a")
    client.force_login(world.b.officer)
    assert "consultant_a" not in client.get(reverse("clinics:lockouts")).content.decode()
    assert client.post(reverse("clinics:lockouts"), {"username": "consultant_a"}).status_code == 404


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("clinics:lockouts")).status_code == 200
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
    assert _login(client, "owner_a", PASSWORD, ip="10.0.0.7").status_code == 302


# --- Guessed tokens ---------------------------------------------------------------------------


def _verified_owner(email: str):
    return UserFactory(
        email=email, role=Role.OWNER, email_verified_at=START - datetime.timedelta(days=1)
    )


def _magic_link_for(owner, mailoutbox, client) -> str:
    client.post(reverse("accounts:magic_link_request"), {"email": owner.email})
    return re.search(r"http://[^\s]+(/accounts/tautan-masuk/[^\s]+/)", mailoutbox[-1].body)[1]


def test_forged_tokens_for_one_login_link_do_not_block_another(client, db, mailoutbox, settings):
    link_a = _magic_link_for(_verified_owner("a@contoh.id"), mailoutbox, client)
    link_b = _magic_link_for(_verified_owner("b@contoh.id"), mailoutbox, client)
    uid_a = link_a.split("/")[3]
    assert settings.BAD_TOKENS_PER_LINK == 10
    for n in range(settings.BAD_TOKENS_PER_LINK):
        forged = f"/accounts/tautan-masuk/{uid_a}/tebakan-{n}/"
        assert client.get(forged, REMOTE_ADDR="10.1.1.1").status_code == 400
    # Past the link's limit even its genuine token waits, from that address only.
    response = client.post(link_a, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "Tautan lain yang Anda terima tetap bisa dipakai" in response.content.decode()
    # Another owner's genuine link from the same address (shared NAT) still works.
    assert client.post(link_b, REMOTE_ADDR="10.1.1.1").status_code == 302
    client.logout()
    assert client.post(link_a, REMOTE_ADDR="10.1.1.2").status_code == 302


def _forged_for(token: str) -> str:
    """The token of the same booking with a made-up signature."""
    payload, timestamp, _signature = token.split(":")
    return f"{payload}:{timestamp}:{'A' * 43}"


def test_forged_tokens_for_one_manage_link_do_not_block_another(client, world, settings):
    token_a = manage_token(world.a.booking)
    for _ in range(settings.BAD_TOKENS_PER_LINK):
        forged = reverse("booking:manage", args=[_forged_for(token_a)])
        assert client.get(forged, REMOTE_ADDR="10.2.2.2").status_code == 404
    good_a = reverse("booking:manage", args=[token_a])
    good_b = reverse("booking:manage", args=[manage_token(world.b.booking)])
    assert client.get(good_a, REMOTE_ADDR="10.2.2.2").status_code == 429
    assert client.get(good_b, REMOTE_ADDR="10.2.2.2").status_code == 200
    assert client.get(good_a, REMOTE_ADDR="10.2.2.3").status_code == 200


def test_guessing_across_many_links_is_bounded_per_address(client, world, settings):
    assert settings.BAD_TOKENS_PER_ADDRESS == 100
    for n in range(settings.BAD_TOKENS_PER_ADDRESS):
        bad = reverse("booking:manage", args=[f"bukan-token-{n}"])
        assert client.get(bad, REMOTE_ADDR="10.2.2.2").status_code == 404
    good = reverse("booking:manage", args=[manage_token(world.a.booking)])
    response = client.get(good, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 429
    assert "terlalu banyak tautan yang salah" in response.content.decode()
    assert client.get(good, REMOTE_ADDR="10.2.2.3").status_code == 200
