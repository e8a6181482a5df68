"""Reads for the API's own models, through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from plut.foundation.accounts import two_factor
from plut.foundation.accounts.scope import visible_to
from plut.top.api.models import ApiToken, ImportJob, TokenRefusal, owner_state


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """A centre's imports: its manager, its province's officer, the ministry."""
    return visible_to(user, ImportJob.objects.select_related("centre", "created_by"))


def tokens_of(user: Any, *, has_authenticator: bool) -> list[ApiToken]:
    """The user's own tokens, each with ``refusal``: why it no longer works (recorded when a
    call was refused, or found now against the user's current state), else None."""
    state = owner_state(user)
    two_factor_missing = two_factor.two_factor_required(user) and not has_authenticator
    tokens = list(ApiToken.objects.filter(owner=user))
    for token in tokens:
        if token.revoked_reason:
            token.refusal = TokenRefusal(token.revoked_reason)
        elif token.is_usable:
            token.refusal = token.refusal_for(state, two_factor_missing=two_factor_missing)
        else:
            token.refusal = None
    return tokens
