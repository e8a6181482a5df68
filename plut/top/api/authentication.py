"""Personal API tokens as a DRF authentication class.

A token is ``plut_<prefix>_<secret>``, sent as ``Authorization: Bearer <token>``. The prefix
finds the row; the secret is compared with its stored SHA-256 in constant time. The request
then runs as the token's owner, with the owner's role and scope: a token never widens them.

A token also holds its owner's security state at creation (``plut.top.api.models.owner_state``:
password, "log out everywhere" generation, active, role, province, centre) and is refused once
that state differs, checked here on every call against the row just read, so no way of
changing a user (a page, the admin, a bulk update, SQL) can leave a token working. A role that
must use two-factor needs a confirmed authenticator app too.
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

from plut.foundation.accounts import two_factor
from plut.top.api.models import TOKEN_PREFIX, ApiToken, TokenRefusal, owner_state, token_hash

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


def _refused(reason: TokenRefusal) -> exceptions.AuthenticationFailed:
    # Told only to a caller holding the right secret: they made the token, they may know why.
    return exceptions.AuthenticationFailed(
        _("Token API tidak berlaku lagi: %(reason)s Buat token baru.") % {"reason": reason.label}
    )


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
        # One query: the token, its owner, the owner's centre (which the scope then reuses)
        # and whether the owner has an authenticator app.
        token = (
            ApiToken.objects.select_related("owner__staff_membership")
            .annotate(owner_has_authenticator=two_factor.authenticator_exists("owner"))
            .filter(prefix=prefix)
            .first()
        )
        if token is None or not hmac.compare_digest(token.secret_hash, token_hash(secret)):
            raise invalid
        owner = token.owner
        # The owner's language, as on the pages; chosen before any message below.
        if owner.language in {code for code, _name in settings.LANGUAGES}:
            translation.activate(owner.language)
        if token.revoked_reason:
            raise _refused(TokenRefusal(token.revoked_reason))
        if not token.is_usable:
            raise invalid
        refusal = token.refusal_for(
            owner_state(owner),
            two_factor_missing=two_factor.two_factor_required(owner)
            and not token.owner_has_authenticator,
        )
        if refusal is not None:
            # Recorded, so the token stays dead even if the state changes back, and its
            # owner sees why in the token list.
            ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_reason=refusal
            )
            raise _refused(refusal)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return owner, token

    def authenticate_header(self, request: Request) -> str:
        # Makes a missing login a 401 (with this challenge), not a 403.
        return f'{KEYWORD} realm="api"'
