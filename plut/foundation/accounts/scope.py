"""The one answer to "what may this user see".

Every scoped model declares, in ``scope_paths``, how a row reaches a province, a centre and an
owner's user account. ``visible_to`` turns a user's role into one filter along those paths.
Every selector, view, export, API endpoint and admin page narrows through here, so a new role
or a changed rule is one edit, and an object outside the scope is simply not in the queryset
(a 404, never a 403 that would confirm the id exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.shortcuts import get_object_or_404

from plut.foundation.accounts.models import CENTRE_ROLES, Role, User
from plut.foundation.core.models import ScopePaths

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    national: bool = False
    province_code: str | None = None
    centre_id: int | None = None
    owner_user_id: int | None = None


NOTHING = Scope()


def scope_of(user: User | AnonymousUser) -> Scope:
    """The user's scope, worked out once per request object and remembered on it."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_plut_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser or user.role == Role.NATIONAL:
        scope = Scope(national=True)
    elif user.role == Role.PROVINCIAL:
        scope = Scope(province_code=user.province_id)
    elif user.role in CENTRE_ROLES:
        # A related-object miss raises an AttributeError subclass, so getattr's default works.
        membership = getattr(user, "staff_membership", None)
        scope = Scope(centre_id=membership.centre_id) if membership else NOTHING
    elif user.role == Role.OWNER:
        scope = Scope(owner_user_id=user.pk)
    else:
        scope = NOTHING
    user._plut_scope = scope
    return scope


def _paths_of(model: type[models.Model]) -> ScopePaths:
    """The ``scope_paths`` ``model`` declares (which Model's type cannot say it has)."""
    paths = getattr(model, "scope_paths", None)
    if not isinstance(paths, ScopePaths):
        raise TypeError(f"{model.__name__} has no scope_paths to narrow it along.")
    return paths


def visible_to(user: User | AnonymousUser, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Narrow ``queryset`` to the rows ``user`` may see."""
    scope = scope_of(user)
    if scope.national:
        return queryset
    paths = _paths_of(queryset.model)
    if scope.province_code and paths.province:
        return queryset.filter(**{paths.province: scope.province_code})
    if scope.centre_id and paths.centre:
        return queryset.filter(**{paths.centre: scope.centre_id})
    if scope.owner_user_id and paths.owner:
        # Owner paths cross many-valued relations (a session's enterprises); a subquery keeps
        # each row once without DISTINCT over the whole queryset.
        owned = queryset.model._default_manager.filter(**{paths.owner: scope.owner_user_id})
        return queryset.filter(pk__in=owned.values("pk"))
    return queryset.none()


def visible_among(user: User | AnonymousUser, rows: Iterable[M], model: type[M]) -> list[M]:
    """The ``rows`` (instances of ``model`` already read, e.g. kept in a process's memory)
    that ``visible_to`` would return, along the same paths followed attribute by attribute."""
    scope = scope_of(user)
    if scope.national:
        return list(rows)
    paths = _paths_of(model)
    wanted: str | int
    if scope.province_code and paths.province:
        path, wanted = paths.province, scope.province_code
    elif scope.centre_id and paths.centre:
        path, wanted = paths.centre, scope.centre_id
    elif scope.owner_user_id and paths.owner:
        # Owner paths cross many-valued relations, which rows in memory do not hold.
        raise ValueError(f"{model.__name__} is seen by owners through the database only.")
    else:
        return []
    return [row for row in rows if _value_at(row, path) == wanted]


def _value_at(row: models.Model, path: str) -> Any:
    """The value ``path`` ("pk", "province", "centre__province") names on ``row``: a foreign
    key's own column (``province_id``), as the database compares it."""
    *through, last = path.split("__")
    for name in through:
        row = getattr(row, name)
        if row is None:
            # An empty nullable relation (a person without a regency) reaches nothing, as the
            # database's join does.
            return None
    if last == "pk":
        return row.pk
    field = row._meta.get_field(last)
    if not isinstance(field, models.Field):
        raise ValueError(f"A scope path ends at a column, not at {path!r}.")
    return getattr(row, field.attname)


def get_visible_or_404(
    user: User | AnonymousUser, queryset: models.QuerySet[M], **lookup: Any
) -> M:
    return get_object_or_404(visible_to(user, queryset), **lookup)
