from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from plut.foundation.accounts.scope import visible_to
from plut.foundation.messaging.models import Message, about_key


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """A manager's centre, an officer's province, everything for national staff."""
    return visible_to(user, Message.objects.all())


def messages_about(record: Model) -> QuerySet[Message]:
    """The messages about ``record`` (``message_queue(about=...)``)."""
    return Message.objects.filter(about=about_key(record))
