"""Data versions: one token per group of tables, replaced by every committed write to them.

What is computed from a group's tables can be kept (in the cache, or in a process's memory)
under the token it was computed at, and served while the token stays the same: the moment
anything writes those tables, the token moves and the kept copy is no longer served. The
dashboards keep their snapshots this way (``plut.top.dashboards``), the lists keep the centres
(``clinics.centre_cache``).

The tokens live in the cache, so every process sees another's writes only when the cache is
shared (Redis); with the per-process memory cache of ``make run`` what is kept must stay off.

Writes are noticed by watching the SQL each database connection runs, not by model signals:
``bulk_create``, ``update()`` and ``delete()`` send no signals, and every service that uses them
would have to remember. COPY runs no such SQL: what writes with it calls ``copied()`` itself.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from asgiref.local import Local
from django.apps import apps
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

# SQLite writes a many-to-many add as "INSERT OR IGNORE INTO" (PostgreSQL: ON CONFLICT).
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)


@dataclass(frozen=True)
class Group:
    name: str
    tables: frozenset[str]
    # Whether a write (table, SQL) changes what the group's data means; None: every write.
    matters: Callable[[str, str], bool] | None = None
    # Called after each commit that wrote the group's tables (work to start in the background).
    then: Callable[[], None] | None = None


_groups: dict[str, Group] = {}


def watch(
    name: str,
    models: Iterable[str],
    *,
    matters: Callable[[str, str], bool] | None = None,
    then: Callable[[], None] | None = None,
) -> None:
    """Register a group (from an AppConfig.ready()): ``models`` as "app_label.Model", their
    many-to-many tables included; ``then`` runs after every commit that wrote them."""
    tables = set()
    for label in models:
        model = apps.get_model(label)
        tables.add(model._meta.db_table)
        tables.update(
            field.remote_field.through._meta.db_table for field in model._meta.local_many_to_many
        )
    _groups[name] = Group(name, frozenset(tables), matters, then)
    connection_created.connect(_watch_connection, weak=False, dispatch_uid="core:versions")


def updates_touching(table: str, columns: Iterable[str]) -> Callable[[str, str], bool]:
    """A ``matters`` for ``watch()``: every write counts, except an UPDATE of ``table`` that
    sets none of ``columns`` (each sign-in writes the user's last_login, for one)."""
    named = re.compile("|".join(f'"{re.escape(column)}"' for column in columns))

    def matters(written: str, sql: str) -> bool:
        return written != table or sql.lstrip()[:6].upper() != "UPDATE" or bool(named.search(sql))

    return matters


def _key(name: str) -> str:
    return f"versions:{name}"


# The tokens a request has read, so that a page asking for several kept things reads each
# group's token once (a cache round trip each); outside a request (Celery), none are kept.
_seen = Local()


def version(name: str) -> str:
    """The group's current token; a new one when the cache has none (flushed, or never set).
    Within a request, the token read first, unless the request itself moved it since."""
    seen = getattr(_seen, "tokens", None)
    if seen is not None and name in seen:
        return seen[name]
    token = cache.get(_key(name))
    if token is None:
        cache.add(_key(name), uuid.uuid4().hex, timeout=None)
        token = cache.get(_key(name))
    if seen is not None:
        seen[name] = token
    return token


def _request_started(**kwargs: Any) -> None:
    _seen.tokens = {}


def _request_finished(**kwargs: Any) -> None:
    _seen.tokens = None


request_started.connect(_request_started, dispatch_uid="core:versions:started")
request_finished.connect(_request_finished, dispatch_uid="core:versions:finished")


def _bump(name: str) -> None:
    seen = getattr(_seen, "tokens", None)
    if seen is not None:
        seen.pop(name, None)
    try:
        cache.set(_key(name), uuid.uuid4().hex, timeout=None)
    except Exception:  # each cache backend raises its own connection errors
        # A write must not fail because Redis restarts; what was kept under the old token is
        # then served until the next write moves it.
        logger.warning("Data version %s not moved: the cache is unreachable.", name)


def changed(name: str, using: str | None = None) -> None:
    """Move the group's token now, and again once the current transaction commits.

    Now, so that this transaction's own reads (and a test's, which never commits) see their
    writes; again after the commit, because another request that computed meanwhile read the
    data before this commit and kept it under the new token. A rolled-back write costs one
    needless recomputation; what the writing transaction itself read is kept only by those
    who ask ``written_in_transaction()`` first."""
    _bump(name)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        _written_now(connection).add(name)
    transaction.on_commit(lambda: _bump(name), using=using)
    then = _groups[name].then if name in _groups else None
    if then is not None:
        transaction.on_commit(then, using=using)


def _written_now(connection: BaseDatabaseWrapper) -> set[str]:
    """The groups the open transaction wrote, tied to its outermost atomic block (the next
    transaction has another)."""
    outermost = connection.atomic_blocks[0] if connection.atomic_blocks else None
    noted = getattr(connection, "versions_written", None)
    if noted is None or noted[0] is not outermost:
        # Kept on the connection the transaction runs on, an attribute its type lacks.
        noted = connection.versions_written = (outermost, set())  # type: ignore[attr-defined]
    return noted[1]


def written_in_transaction(name: str, using: str | None = None) -> bool:
    """Whether the open transaction wrote the group's tables: what it reads of them may yet
    be rolled back, under a token that then stays current, so it must not be kept."""
    connection = transaction.get_connection(using)
    return connection.in_atomic_block and name in _written_now(connection)


def _written(table: str, sql: str, using: str | None) -> None:
    for group in _groups.values():
        if table in group.tables and (group.matters is None or group.matters(table, sql)):
            changed(group.name, using=using)


def copied(table: str, using: str | None = None) -> None:
    """Rows were written to ``table`` by COPY, which the SQL watcher does not see."""
    _written(table, "COPY", using)


def _watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    result = execute(sql, params, many, context)
    written = _WRITE.match(sql)
    if written:
        _written(written.group(1), sql, context["connection"].alias)
    return result


def _watch_connection(sender: type, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)
