"""Reads that may lag go to the streaming replica; everything else stays on the primary.

A physical replica (PostgreSQL streaming replication) answers reads a fraction of a second
behind the primary. That is right for dashboards, reports and exports, which summarise weeks
and months, and wrong for anything a user just wrote ("saved" followed by a page that does not
show it) or for logins and sessions. So nothing goes to the replica by default: a read is sent
there only inside ``use_replica()``, and only when

- a ``replica`` database alias is configured (``DATABASE_REPLICA_URL``); without one every
  query goes to the primary, as before;
- the model holds no per-user state (sessions, accounts, login attempts): a session written a
  moment ago on the primary must be found;
- the primary is not inside a transaction: reads inside ``transaction.atomic`` belong with the
  writes around them.

Writes always go to the primary. ``ReplicaReadMiddleware`` applies ``use_replica()`` to the GET
requests of the views named in ``REPLICA_READ_VIEWS`` (dashboards, reports, exports), so the
views themselves need not know about databases.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

REPLICA = "replica"
# Apps whose rows are per-user state, read right after they are written (or security checks).
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "accounts", "auth", "axes", "otp_totp", "otp_static", "otp_email", "auditlog"}
)

_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "plut_use_replica", default=False
)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def use_replica() -> Iterator[None]:
    """Send the reads inside this block to the replica, when there is one."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def reading_from_replica() -> bool:
    """Whether reads here go to the replica (and so may miss the latest commits)."""
    return _reading_from_replica.get() and replica_configured()


def _on_replica(chunks: Iterable[Any]) -> Iterator[Any]:
    with use_replica():
        yield from chunks


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            _reading_from_replica.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same database; a row read from one relates to rows of the other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica is a copy of the primary, never migrated on its own.
        return db == DEFAULT_DB_ALIAS


class ReplicaReadMiddleware:
    """Reads of the GET requests to ``settings.REPLICA_READ_VIEWS`` go to the replica.

    Entries are URL names (``"mentoring:session_export"``) or whole namespaces
    (``"dashboards:"``). The user and session are loaded first, on the primary.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _reading_from_replica.reset(token)
        if token is not None and isinstance(response, StreamingHttpResponse):
            # A streamed export runs its queries while it is sent, after the view returned.
            # Its content is a plain iterator under WSGI; an async one is left as it is.
            content = response.streaming_content
            if isinstance(content, Iterator):
                response.streaming_content = _on_replica(content)
        return response

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> None:
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return
        match = request.resolver_match
        name = match.view_name if match else ""
        if not any(
            name.startswith(entry) if entry.endswith(":") else name == entry
            for entry in settings.REPLICA_READ_VIEWS
        ):
            return
        user = getattr(request, "user", None)
        if user is not None:
            # Load the lazy user now, on the primary: a login a moment ago must be found.
            user.is_authenticated  # noqa: B018
        # Per-request state rides on the request, Django's way; its type has no such attribute.
        request._replica_token = _reading_from_replica.set(True)  # type: ignore[attr-defined]
