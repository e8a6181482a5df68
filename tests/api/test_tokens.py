"""Personal API tokens: hashed at rest, shown once, expiry, revocation, the owner's scope."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from plut.top.api.models import ApiToken
from plut.top.api.services import token_create, token_revoke
from tests.conftest import World


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_secret_is_stored_only_as_its_hash(world: World) -> None:
    token, secret = token_create(owner=world.a.manager, name="Sistem provinsi")
    prefix, raw = secret.split("_", 2)[1:]
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.prefix == prefix
    assert stored.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ApiToken.objects.filter(pk=token.pk).values()))


def test_token_acts_with_its_owners_scope(world: World) -> None:
    _token, secret = token_create(owner=world.a.manager, name="x")
    client = _bearer(secret)
    own = client.get(f"/api/v1/enterprises/{world.a.enterprise.pk}/")
    other = client.get(f"/api/v1/enterprises/{world.b.enterprise.pk}/")
    assert own.status_code == 200
    assert other.status_code == 404
    ids = {row["id"] for row in client.get("/api/v1/enterprises/").json()["results"]}
    assert ids == {world.a.enterprise.pk}


def test_last_used_is_recorded(world: World) -> None:
    token, secret = token_create(owner=world.a.officer, name="x")
    assert token.last_used_at is None
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # wrong secret
        lambda s: s.replace("plut_", "xxxx_"),  # wrong shape
        lambda s: "plut_ffffffffffff_" + s.split("_", 2)[2],  # unknown prefix
        lambda s: s + " extra",
    ],
)
def test_wrong_tokens_are_401(world: World, mangle) -> None:
    _token, secret = token_create(owner=world.national, name="x")
    response = _bearer(mangle(secret)).get("/api/v1/sessions/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(world: World) -> None:
    token, secret = token_create(owner=world.national, name="x")
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 200
    token_revoke(token=token, by=world.national)
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 401


def test_only_the_owner_revokes(world: World) -> None:
    token, _secret = token_create(owner=world.national, name="x")
    with pytest.raises(ValidationError):
        token_revoke(token=token, by=world.a.manager)


def test_expired_token_stops_working(world: World, time_machine) -> None:
    expiry = timezone.now() + datetime.timedelta(days=1)
    _token, secret = token_create(owner=world.national, name="x", expires_at=expiry)
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 200
    time_machine.move_to(expiry + datetime.timedelta(seconds=1))
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 401


def test_expiry_must_be_in_the_future(world: World) -> None:
    with pytest.raises(ValidationError):
        token_create(owner=world.national, name="x", expires_at=timezone.now())


def test_inactive_owner_token_fails(world: World) -> None:
    _token, secret = token_create(owner=world.a.consultant, name="x")
    world.a.consultant.is_active = False
    world.a.consultant.save()
    assert _bearer(secret).get("/api/v1/sessions/").status_code == 401


# --- The page --------------------------------------------------------------------------------


def test_page_shows_a_new_secret_once(client, world: World) -> None:
    client.force_login(world.a.owner)
    response = client.post("/accounts/api-tokens/", {"name": "Aplikasi kasir"})
    assert response.status_code == 200
    token = ApiToken.objects.get(owner=world.a.owner)
    secret = response.context["secret"]
    assert secret.startswith(f"plut_{token.prefix}_")
    assert secret in response.content.decode()
    again = client.get("/accounts/api-tokens/")
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()
    # The secret shown works.
    assert _bearer(secret).get("/api/v1/enterprises/").status_code == 200


def test_page_revokes_own_token_only(client, world: World) -> None:
    mine, _ = token_create(owner=world.a.owner, name="mine")
    theirs, _ = token_create(owner=world.b.owner, name="theirs")
    client.force_login(world.a.owner)
    assert client.post(f"/accounts/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/api-tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None


def test_page_needs_login(client, db) -> None:
    response = client.get("/accounts/api-tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_throttled_per_token_and_per_anonymous_ip(world: World, monkeypatch) -> None:
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min"})
    _token, secret = token_create(owner=world.national, name="x")
    token_client, anonymous = _bearer(secret), APIClient()
    assert [token_client.get("/api/v1/provinces/").status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    # The token's budget is its own: the anonymous caller still has theirs.
    statuses = [anonymous.get("/api/v1/provinces/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert anonymous.get("/api/v1/provinces/").json()["error"]["code"] == "throttled"
