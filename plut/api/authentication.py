"""Personal API tokens as a DRF authentication class.

A token is ``plut_<prefix>_<secret>``, sent as ``Authorization: Bearer <token>``. The prefix
finds the row; the secret is compared with its stored SHA-256 in constant time. The request
then runs as the token's owner, with the owner's role and scope: a token never widens them.
"""

from __future__ import annotations

import datetime
import hmac
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from plut.api.models import TOKEN_PREFIX, ApiToken, token_hash

KEYWORD = "Bearer"
# Writing last_used_at on every call would turn each read into a write; once a minute tells
# the user all they need ("used today").
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def split_token(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of ``plut_<prefix>_<secret>``, or None when it has another shape."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        invalid = exceptions.AuthenticationFailed(
            _("Token API tidak valid, sudah dicabut atau kedaluwarsa.")
        )
        if len(header) != 2:
            raise invalid
        parts = split_token(header[1])
        if parts is None:
            raise invalid
        prefix, secret = parts
        token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
        if (
            token is None
            or not hmac.compare_digest(token.secret_hash, token_hash(secret))
            or not token.is_usable
            or not token.owner.is_active
        ):
            raise invalid
        # The middleware chose the language before the token said who is calling; the
        # owner's own choice wins, as it does on the pages.
        if token.owner.language in {code for code, _name in settings.LANGUAGES}:
            translation.activate(token.owner.language)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        # Makes a missing login a 401 (with this challenge), not a 403.
        return f'{KEYWORD} realm="api"'
