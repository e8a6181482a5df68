"""Session rules for staff: the idle timeout, and the second factor still owed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from plut.foundation.accounts import two_factor
from plut.foundation.accounts.models import User

LAST_SEEN_KEY = "last_seen"
# The last-seen time is written at most once a minute: a session save per request would cost
# a query on every page for a precision nobody needs.
LAST_SEEN_GRANULARITY = 60


def _htmx_aware_redirect(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx request would swap the login page into a fragment; tell htmx to go there.
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@receiver(user_logged_in)
def _seen_at_login(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class StaffIdleTimeoutMiddleware:
    """Staff idle for STAFF_IDLE_TIMEOUT_MINUTES are signed out: a centre's computer is shared
    and a workspace left open shows clients' personal data. Owners are not timed out (their
    session already ends with the browser unless they asked to be remembered)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and two_factor.is_staff_user(user):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, _("Anda keluar otomatis karena terlalu lama tidak aktif."))
                return _htmx_aware_redirect(
                    request, f"{reverse('login')}?next={request.get_full_path()}"
                )
            if now - last_seen >= LAST_SEEN_GRANULARITY or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


# Pages a session that still owes a second factor may open: the factor pages themselves,
# logging out, switching language, and static files.
_OPEN_URL_NAMES = (
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "logout",
    "set_language",
)


class TwoFactorRequiredMiddleware:
    """Until the second factor is given, a staff session reaches only the pages above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            state = two_factor.owed(request)
            if state is not None and not self._open(request):
                target = (
                    "accounts:two_factor_verify"
                    if state == two_factor.VERIFY
                    else "accounts:two_factor_setup"
                )
                return _htmx_aware_redirect(request, reverse(target))
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return True
        return any(path == reverse(name) for name in _OPEN_URL_NAMES)
