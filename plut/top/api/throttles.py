"""Rate limits for the API, counted in the shared cache: per anonymous IP, per token or user.

A token is throttled apart from its owner's browser session, so a runaway integration does not
lock its owner out of the pages' own API calls.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from plut.foundation.core.ratelimit import fail_open
from plut.top.api.models import ApiToken


class FailOpenMixin:
    """Counting happens in Redis; while it is down, requests are served uncounted."""

    def allow_request(self, request: Request, view: object) -> bool:
        allow = super().allow_request  # bound here: a bare super() cannot run in the lambda
        return fail_open(lambda: allow(request, view), fallback=True)


class AnonIpThrottle(FailOpenMixin, AnonRateThrottle):
    scope = "anon"


class TokenOrUserThrottle(FailOpenMixin, UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # the anonymous throttle counts these
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
