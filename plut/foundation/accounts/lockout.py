"""Login lockout (django-axes) and the throttle on guessed link tokens.

A limit an attacker can reach from anywhere must not shut the real user out, so nothing here
locks an account for everyone. Failed passwords (axes' attempt rows, within AXES_COOLOFF_TIME)
are read three ways:

- **account and address together**: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS failures lock that
  account from that address only, until the cool-off has passed since the last failure. The
  owner at home is not locked out by someone guessing elsewhere.
- **account, from any address**: past LOGIN_FAILURES_PER_ACCOUNT failures each further attempt
  must wait a growing delay after the account's last failure (2, 4, 8 ... seconds, at most
  LOGIN_SLOWDOWN_MAX_SECONDS). Guessing from many addresses slows to about one try a minute;
  the real user waits seconds, not a quarter of an hour.
- **address, on any accounts**: LOGIN_FAILURES_PER_ADDRESS failures (a higher limit: a centre's
  staff share one address) stop logins from that address until the cool-off passes.

A refused attempt is not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), so
knocking on a locked door neither lengthens the lockout nor the delay.

One-time login links and booking links carry a token instead of a password. A wrong token
counts against the link it names (the account of a login link, the booking or survey a signed
link carries before its signature) from that address, BAD_TOKENS_PER_LINK per cool-off window;
past it that link is refused from that address, even with the right token, while other links
still open. Every wrong token also counts against the address, with the much higher
BAD_TOKENS_PER_ADDRESS, which bounds guessing across many links.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from plut.foundation.core.ratelimit import count, hit

# Beyond this many doublings the delay is at its maximum anyway; keeps 2 ** n small.
_MAX_DOUBLINGS = 16


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


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused now, and for how many seconds more."""

    reason: str  # "account_address", "address" or "slow_down"
    seconds: int


def _failures(attempts: QuerySet) -> tuple[int, datetime.datetime | None]:
    """The failures counted in ``attempts`` and when the last was (None: there is none)."""
    totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return totals["failures"] or 0, totals["last"]


def _seconds_until(moment: datetime.datetime, now: datetime.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def slow_down_seconds(failures: int) -> int:
    """The wait after an account's last failure, once it has ``failures`` (0 below the limit)."""
    over = failures - settings.LOGIN_FAILURES_PER_ACCOUNT
    if over <= 0:
        return 0
    return min(2 ** min(over, _MAX_DOUBLINGS), settings.LOGIN_SLOWDOWN_MAX_SECONDS)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler deciding with the three limits above (``refusal``)."""

    def refusal(self, request: HttpRequest, credentials: dict | None = None) -> Refusal | None:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry, in its order, within the cool-off.
        pair_qs, account_qs, address_qs = self.get_user_attempts(request, credentials)
        now = timezone.now()
        cool_off = settings.AXES_COOLOFF_TIME
        has_username = username_of(request, credentials) is not None
        found = None
        if has_username:
            failures, last = _failures(pair_qs)
            if failures >= settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS and last is not None:
                found = Refusal("account_address", _seconds_until(last + cool_off, now))
        if found is None:
            failures, last = _failures(address_qs)
            if failures >= settings.LOGIN_FAILURES_PER_ADDRESS and last is not None:
                found = Refusal("address", _seconds_until(last + cool_off, now))
        if found is None and has_username:
            failures, last = _failures(account_qs)
            wait = slow_down_seconds(failures)
            if wait and last is not None and now < last + datetime.timedelta(seconds=wait):
                found = Refusal(
                    "slow_down", _seconds_until(last + datetime.timedelta(seconds=wait), now)
                )
        # The lockout page says why and for how long (lockout_response). Axes hands both only
        # the request, so the refusal rides on it; HttpRequest's type has no such attribute.
        request.login_refusal = found  # type: ignore[attr-defined]
        return found

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # Axes refuses once this reaches AXES_FAILURE_LIMIT; the decision is refusal()'s.
        return settings.AXES_FAILURE_LIMIT if self.refusal(request, credentials) else 0


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username as counted: "OWNER_A" and " owner_a" are one account to an attacker."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return raw.strip().lower() or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The "too many attempts" page, saying which limit and for how long, with Retry-After."""
    refusal = getattr(request, "login_refusal", None) or Refusal(
        "account_address", _cool_off_seconds()
    )
    if refusal.reason == "slow_down":
        message = _(
            "Akun ini baru saja menerima beberapa kata sandi yang salah, jadi setiap percobaan "
            "masuk perlu jeda. Tunggu %(seconds)s detik, lalu coba lagi."
        ) % {"seconds": refusal.seconds}
    elif refusal.reason == "address":
        message = _(
            "Dari jaringan ini sudah terlalu banyak percobaan masuk yang gagal, ke berbagai akun. "
            "Demi keamanan, coba lagi dalam %(minutes)s menit."
        ) % {"minutes": math.ceil(refusal.seconds / 60)}
    else:
        message = _(
            "Sudah terlalu banyak kata sandi salah untuk akun ini dari perangkat atau jaringan "
            "ini. Demi keamanan, coba lagi dalam %(minutes)s menit, atau pakai “Lupa kata sandi”."
        ) % {"minutes": math.ceil(refusal.seconds / 60)}
    return too_many_attempts(request, window_seconds=refusal.seconds, message=message)


def too_many_attempts(
    request: HttpRequest, *, window_seconds: int, message: str | None = None
) -> HttpResponse:
    """429 with Retry-After; ``message`` says which limit, else a general sentence."""
    response = render(
        request,
        "accounts/rate_limited.html",
        {"minutes": math.ceil(window_seconds / 60), "message": message},
        status=429,
    )
    response["Retry-After"] = str(window_seconds)
    return response


# --- Guessed tokens ---------------------------------------------------------------------------


def _address(request: HttpRequest) -> str:
    # The address as axes sees it (the same proxy settings as the login lockout).
    return get_client_ip_address(request) or ""


def _link_of(request: HttpRequest) -> str:
    """The link a token belongs to: the account of a sign-in link (its uid), or the value a
    signed link carries (readable before its ``:``-separated signature), per URL name."""
    match = request.resolver_match
    if match is None:
        return request.path
    target = match.kwargs.get("uidb64") or str(match.kwargs.get("token", "")).split(":", 1)[0]
    return f"{match.view_name}:{target}"


def _bad_token_counters(request: HttpRequest) -> list[tuple[str, int]]:
    address = _address(request)
    return [
        (f"bad-token:link:{_link_of(request)}:ip:{address}", settings.BAD_TOKENS_PER_LINK),
        (f"bad-token:ip:{address}", settings.BAD_TOKENS_PER_ADDRESS),
    ]


def bad_tokens_exceeded(request: HttpRequest) -> bool:
    """True once this address has sent too many wrong tokens for this link, or for any."""
    window = _cool_off_seconds()
    return any(
        count(key, window_seconds=window) >= limit for key, limit in _bad_token_counters(request)
    )


def bad_token_seen(request: HttpRequest) -> None:
    window = _cool_off_seconds()
    for key, limit in _bad_token_counters(request):
        hit(key, limit=limit, window_seconds=window)


def bad_tokens_refused(request: HttpRequest) -> HttpResponse:
    window = _cool_off_seconds()
    (link_key, link_limit), _address_counter = _bad_token_counters(request)
    if count(link_key, window_seconds=window) >= link_limit:
        message = _(
            "Tautan ini sudah terlalu sering dibuka dengan kode yang salah dari jaringan ini. "
            "Demi keamanan, coba lagi dalam %(minutes)s menit. Tautan lain yang Anda terima "
            "tetap bisa dipakai."
        )
    else:
        message = _(
            "Dari jaringan ini sudah terlalu banyak tautan yang salah dibuka. Demi keamanan, "
            "coba lagi dalam %(minutes)s menit."
        )
    minutes = math.ceil(window / 60)
    return too_many_attempts(request, window_seconds=window, message=message % {"minutes": minutes})
