from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from plut.accounts.scope import visible_to
from plut.messaging.models import Message


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """A manager's centre, an officer's province, everything for national staff."""
    return visible_to(user, Message.objects.all())
