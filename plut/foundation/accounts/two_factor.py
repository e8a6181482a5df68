"""Two-factor authentication for staff: a TOTP authenticator app (django-otp's otp_totp) and
one-time backup codes (otp_static) for a lost phone.

Optional for every staff member; required for the roles in TWO_FACTOR_REQUIRED_ROLES when
TWO_FACTOR_REQUIRED is on. What a session still owes is decided once, at login, and kept in the
session (``SESSION_KEY``), so no request after that pays a query to ask; the middleware in
plut/foundation/accounts/middleware.py sends the user to the verify or setup page until it is paid.
"""

from __future__ import annotations

import base64
import io
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.middleware import is_verified
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plut.foundation.accounts.decorators import STAFF_ROLES
from plut.foundation.accounts.models import User

SESSION_KEY = "two_factor"
VERIFY = "verify"
SETUP = "setup"
BACKUP_CODES = 10
DEVICE_NAME = "authenticator"


def is_staff_user(user: User) -> bool:
    return user.is_superuser or user.role in STAFF_ROLES


def two_factor_required(user: User) -> bool:
    """The deployment requires a second factor of this user's role."""
    return bool(settings.TWO_FACTOR_REQUIRED) and (
        user.role in settings.TWO_FACTOR_REQUIRED_ROLES
        or (user.is_superuser and "national" in settings.TWO_FACTOR_REQUIRED_ROLES)
    )


@receiver(user_logged_in)
def _two_factor_owed(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """At login, note what this session still owes: a code, or setting an authenticator up."""
    if request is None or not hasattr(request, "session") or not is_staff_user(user):
        return
    if user_has_device(user, confirmed=True):
        request.session[SESSION_KEY] = VERIFY
    elif two_factor_required(user):
        request.session[SESSION_KEY] = SETUP


def owed(request: HttpRequest) -> str | None:
    """VERIFY or SETUP while the session still owes a second factor, else None."""
    state = request.session.get(SESSION_KEY)
    # django-otp's own check, which OTPMiddleware also installs as request.user.is_verified();
    # called directly, as neither User nor AnonymousUser declares that attribute.
    if state and is_verified(request.user):
        return None
    return state


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (CSP allows img-src data:)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _backup_codes_new(*, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code it shows; returns fresh backup codes (shown
    once). The session counts as verified. Raises ValueError for a wrong code."""
    if not device.verify_token(token):
        raise ValueError("wrong code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_new(user=device.user)
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    return codes


def two_factor_verify(*, request: HttpRequest, token: str) -> bool:
    """A code from the authenticator or a backup code (spent on use) verifies the session."""
    device = match_token(request.user, token.strip().replace(" ", ""))
    if device is None:
        return False
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    return True


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def has_authenticator(user: User) -> bool:
    """The user has a confirmed authenticator app (backup codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_exists(user_path: str = "pk") -> Exists:
    """``has_authenticator`` as an expression, to annotate another query with (``user_path``
    leads to the user: ``"owner"`` from an API token)."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef(user_path), confirmed=True))


def authenticator_code_check(*, user: User, code: str) -> bool:
    """A current code of the user's confirmed authenticator app; backup codes do not count
    (they are for signing in without the phone). django-otp throttles wrong codes and refuses
    a replayed one."""
    code = code.strip().replace(" ", "")
    devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    return bool(code) and any(device.verify_token(code) for device in devices)
