"""Login lockout (django-axes) and the throttle on guessed link tokens.

Axes counts failed passwords per account (``username``) and per address (``ip_address``) and
compares the larger count with one limit. A centre's staff share one address, so the address
gets its own, higher limit (LOGIN_FAILURES_PER_ADDRESS) here, beside the account's
(LOGIN_FAILURES_PER_ACCOUNT = AXES_FAILURE_LIMIT). Attempts older than AXES_COOLOFF_TIME no
longer count, so a lockout ends by itself; staff end it earlier on the unlock page.

One-time login links and booking manage links carry a token instead of a password. A wrong
token from an address is counted the same way (BAD_TOKENS_PER_ADDRESS per cool-off window);
past the limit the address is refused even a right token until the window passes.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from plut.core.ratelimit import count, hit


def _cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, passing over calls without an HTTP request.

    Every login over HTTP (the login page, the admin's, the API) hands ``authenticate`` its
    request, and is counted. A call without one comes from inside the process (the shell, a
    management command, the test client's ``login``): there is no address to count and nothing
    an attacker can reach, so it goes on to the password check instead of failing.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout parameter."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # get_user_attempts returns one queryset per AXES_LOCKOUT_PARAMETERS entry, in order:
        # [username, ip_address]. The address's count is expressed in the account's limit
        # (floor(n * account / address) reaches the account limit exactly when n reaches the
        # address limit), so axes' single comparison applies each parameter's own limit.
        per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
        limits = {"username": per_account, "ip_address": settings.LOGIN_FAILURES_PER_ADDRESS}
        failures = 0
        for parameter, attempts in zip(
            settings.AXES_LOCKOUT_PARAMETERS,
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            total = sum(attempts.values_list("failures_since_start", flat=True))
            failures = max(failures, math.floor(total * per_account / limits[parameter]))
        return failures


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username as counted: "OWNER_A" and " owner_a" are one account to an attacker."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return raw.strip().lower() or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The same "too many attempts" page as every other limit, with Retry-After."""
    return too_many_attempts(request, window_seconds=_cool_off_seconds())


def too_many_attempts(request: HttpRequest, *, window_seconds: int) -> HttpResponse:
    response = render(
        request,
        "accounts/rate_limited.html",
        {"minutes": math.ceil(window_seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(window_seconds)
    return response


# --- Guessed tokens ---------------------------------------------------------------------------


def _bad_token_key(request: HttpRequest) -> str:
    # The address as axes sees it (the same proxy settings as the login lockout).
    return f"bad-token:ip:{get_client_ip_address(request)}"


def bad_tokens_exceeded(request: HttpRequest) -> bool:
    """True once this address has sent more wrong link tokens than allowed in the window."""
    used = count(_bad_token_key(request), window_seconds=_cool_off_seconds())
    return used >= settings.BAD_TOKENS_PER_ADDRESS


def bad_token_seen(request: HttpRequest) -> None:
    hit(
        _bad_token_key(request),
        limit=settings.BAD_TOKENS_PER_ADDRESS,
        window_seconds=_cool_off_seconds(),
    )


def bad_tokens_refused(request: HttpRequest) -> HttpResponse:
    return too_many_attempts(request, window_seconds=_cool_off_seconds())
