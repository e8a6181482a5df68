"""cooperatives' answers to what accounts says (plut.foundation.accounts.signals): accounts may
not import cooperatives, so cooperatives answers."""

from __future__ import annotations

from typing import Any

from cooperatives.services.records import person_link_by_verified_email
from plut.foundation.accounts.models import User


def past_records_link(sender: Any, *, user: User, email: str, **kwargs: Any) -> int:
    """An owner proved their address: the Person staff registered with it becomes theirs."""
    return person_link_by_verified_email(user=user, email=email)
