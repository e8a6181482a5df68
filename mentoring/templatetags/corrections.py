"""Whether a row on a page may be corrected by the reader: the services' own rules, for
templates that list rows of several kinds (the enterprise's timeline)."""

from __future__ import annotations

from typing import Any

from django import template

from mentoring.models import Outcome
from mentoring.services.outcomes import outcome_can_change

register = template.Library()


@register.filter
def outcome_correctable_by(outcome: Outcome, user: Any) -> bool:
    """``{% if outcome|outcome_correctable_by:user %}``: no query (``outcome.enterprise``
    selected, the user's membership loaded by the scope)."""
    return bool(getattr(user, "is_authenticated", False)) and outcome_can_change(
        user=user, outcome=outcome
    )
