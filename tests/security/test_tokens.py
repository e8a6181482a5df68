"""API tokens end with their owner's security state: logging out everywhere, a password change
or reset, deactivation, a new role, province or centre; and they respect two-factor."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from clinics.models import StaffMembership
from plut.foundation.accounts.models import Role, User
from plut.top.api.models import ApiToken, TokenRefusal
from plut.top.api.services import token_create
from tests.conftest import World

NEW_PASSWORD = "Kopi-Lampung-2026!"
URL = "/api/v1/sessions/"


def _call(secret: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get(URL)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- The events, each as it really happens: a page, the admin's save, or a bulk update --------


def _log_out_everywhere(world: World, user: User) -> None:
    client = Client()
    client.force_login(user)
    assert client.post(reverse("accounts:logout_everywhere")).status_code == 302


def _change_password(world: World, user: User) -> None:
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "rahasia-123",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["form"].errors


def _reset_password(world: World, user: User) -> None:
    client = Client()
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302


def _deactivate(world: World, user: User) -> None:
    user = _fresh(user)
    user.is_active = False
    user.save()


def _change_role(world: World, user: User) -> None:
    # A bulk update: no save(), no signal.
    User.objects.filter(pk=user.pk).update(role=Role.MANAGER)


def _make_superuser(world: World, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_superuser=True)


def _change_province(world: World, user: User) -> None:
    user = _fresh(user)
    user.province = world.b.centre.province
    user.save()


def _move_centre(world: World, user: User) -> None:
    StaffMembership.objects.filter(user=user).update(centre=world.b.centre)


def _remove_membership(world: World, user: User) -> None:
    StaffMembership.objects.filter(user=user).delete()


EVENTS: list[tuple[str, str, Callable[[World, User], None], TokenRefusal]] = [
    ("log out everywhere", "consultant_a", _log_out_everywhere, TokenRefusal.LOGGED_OUT),
    ("password change", "manager_a", _change_password, TokenRefusal.PASSWORD),
    ("password reset", "owner_a", _reset_password, TokenRefusal.PASSWORD),
    ("deactivation", "officer_a", _deactivate, TokenRefusal.INACTIVE),
    ("role change", "consultant_a", _change_role, TokenRefusal.ROLE),
    ("made superuser", "owner_a", _make_superuser, TokenRefusal.ROLE),
    ("province change", "officer_a", _change_province, TokenRefusal.PROVINCE),
    ("centre change", "consultant_a", _move_centre, TokenRefusal.CENTRE),
    ("membership removed", "manager_a", _remove_membership, TokenRefusal.CENTRE),
]


@pytest.mark.parametrize(
    ("name", "event", "reason"),
    [pytest.param(name, event, reason, id=label) for label, name, event, reason in EVENTS],
)
def test_a_token_made_before_the_event_is_refused_and_one_made_after_works(
    world: World, name: str, event: Callable[[World, User], None], reason: TokenRefusal
) -> None:
    user = world.user(name)
    token, before = token_create(owner=user, name="sebelum")
    assert _call(before).status_code == 200
    event(world, user)
    response = _call(before)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    message = response.json()["error"]["message"]
    assert message == f"Token API tidak berlaku lagi: {reason.label} Buat token baru."
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_reason == reason
    if reason == TokenRefusal.INACTIVE:
        # Taken back on later: the old token stays refused, a new one works.
        User.objects.filter(pk=user.pk).update(is_active=True)
        assert _call(before).status_code == 401
    _token, after = token_create(owner=_fresh(user), name="sesudah")
    assert _call(after).status_code == 200


def test_other_users_tokens_are_untouched(world: World) -> None:
    _token, colleague = token_create(owner=world.a.manager, name="x")
    _log_out_everywhere(world, world.a.consultant)
    _change_password(world, world.a.consultant)
    assert _call(colleague).status_code == 200


def test_a_change_undone_before_the_next_call_still_leaves_the_token_refused_once_seen(
    world: World,
) -> None:
    officer = world.a.officer
    _token, secret = token_create(owner=officer, name="x")
    _change_province(world, officer)
    assert _call(secret).status_code == 401
    User.objects.filter(pk=officer.pk).update(province=world.a.centre.province)
    assert _call(secret).status_code == 401


def test_a_token_made_before_the_check_existed_is_refused(world: World) -> None:
    token, secret = token_create(owner=world.national, name="x")
    ApiToken.objects.filter(pk=token.pk).update(owner_state={})
    response = _call(secret)
    assert response.status_code == 401
    assert str(TokenRefusal.OUTDATED.label) in response.json()["error"]["message"]


def test_the_token_list_says_why_a_token_stopped_working(client, world: World) -> None:
    manager = world.a.manager
    token_create(owner=manager, name="Sistem Dinas")
    _change_password(world, manager)
    client.force_login(_fresh(manager))
    page = client.get(reverse("api_pages:tokens")).content.decode()
    assert f"Tidak berlaku: {TokenRefusal.PASSWORD.label}" in page


def test_a_token_call_reads_token_owner_and_centre_in_one_query(
    world: World, django_assert_num_queries
) -> None:
    _token, secret = token_create(owner=world.a.manager, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get("/api/v1/enterprises/")  # records last_used_at, once a minute
    # The token with its owner, centre and authenticator; the page; the NIK log's insert.
    with django_assert_num_queries(3):
        assert client.get("/api/v1/enterprises/").status_code == 200


# --- Two-factor ------------------------------------------------------------------------------


def _authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _signed_in_with_authenticator(client: Client, user: User, time_machine) -> TOTPDevice:
    """A session that gave its code at login; the clock stands still, then moves to the next
    time step, whose code is new (django-otp refuses the login's code a second time)."""
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    device = _authenticator(user)
    client.force_login(user)
    client.post(reverse("accounts:two_factor_verify"), {"code": _code(device)})
    time_machine.move_to(now + datetime.timedelta(seconds=device.step), tick=False)
    return device


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_role_that_must_use_two_factor_gets_no_token_without_an_authenticator(
    client, world: World, settings
) -> None:
    officer = world.a.officer
    _token, made_earlier = token_create(owner=officer, name="sebelum wajib")
    # Signed in before the deployment required it, so the pages still open.
    client.force_login(officer)
    settings.TWO_FACTOR_REQUIRED = True
    response = _call(made_earlier)
    assert response.status_code == 401
    assert str(TokenRefusal.TWO_FACTOR.label) in response.json()["error"]["message"]
    with pytest.raises(ValidationError):
        token_create(owner=officer, name="x")
    page = client.post(reverse("api_pages:tokens"), {"name": "x"})
    assert page.context["two_factor_missing"]
    assert page.context["form"].non_field_errors()
    assert page.context["secret"] is None
    assert ApiToken.objects.filter(owner=officer).count() == 1
    # Once the authenticator is set up, a token made with its code works.
    device = _authenticator(officer)
    _token, secret = token_create(owner=officer, name="y", otp_code=_code(device))
    assert _call(secret).status_code == 200


def test_a_role_not_required_creates_without_a_code(world: World, settings) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    _token, secret = token_create(owner=world.a.consultant, name="x")
    assert _call(secret).status_code == 200


@pytest.mark.parametrize("code", ["", "wrong"])
def test_making_a_token_with_a_missing_or_wrong_code_fails(
    client, world: World, time_machine, code: str
) -> None:
    consultant = world.a.consultant
    device = _signed_in_with_authenticator(client, consultant, time_machine)
    if code == "wrong":
        code = _wrong(_code(device))
    response = client.post(reverse("api_pages:tokens"), {"name": "x", "otp_code": code})
    assert response.context["form"].errors["otp_code"]
    assert response.context["secret"] is None
    assert not ApiToken.objects.filter(owner=consultant).exists()
    with pytest.raises(ValidationError):
        token_create(owner=consultant, name="x")


def test_making_a_token_with_the_right_code_works(client, world: World, time_machine) -> None:
    consultant = world.a.consultant
    device = _signed_in_with_authenticator(client, consultant, time_machine)
    form = client.get(reverse("api_pages:tokens")).context["form"]
    assert "otp_code" in form.fields
    response = client.post(reverse("api_pages:tokens"), {"name": "x", "otp_code": _code(device)})
    secret = response.context["secret"]
    assert secret and _call(secret).status_code == 200
    # The same code again (a replay) makes nothing.
    again = client.post(reverse("api_pages:tokens"), {"name": "y", "otp_code": _code(device)})
    assert again.context["secret"] is None
    assert ApiToken.objects.filter(owner=consultant).count() == 1
