from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable

from plut.foundation.accounts.scope import visible_to
from plut.foundation.messaging.labels import kind_label
from plut.foundation.messaging.models import Message, about_key


class _Labelled(ModelIterable):
    """Each message read carries ``kind_label``, its kind in words, and ``zone``, its
    province's time zone (the portal's for a message of no province): the outbox's table
    shows them wherever it is included (the outbox, a booking's page), with no filter of its
    own and no query per row."""

    def __iter__(self) -> Iterator[Message]:
        for message in super().__iter__():
            message.kind_label = kind_label(message.kind)
            province = message.province
            zone = province.timezone if province is not None else settings.TIME_ZONE
            message.zone = zone
            yield message


def _labelled(messages: QuerySet[Message]) -> QuerySet[Message]:
    messages = messages.select_related("province")
    messages._iterable_class = _Labelled
    return messages


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """A manager's centre, an officer's province, everything for national staff."""
    return _labelled(visible_to(user, Message.objects.all()))


def messages_about(record: Model) -> QuerySet[Message]:
    """The messages about ``record`` (``message_queue(about=...)``)."""
    return _labelled(Message.objects.filter(about=about_key(record)))
