"""Which *kind* of endpoint a role may call; which *rows* it sees is the scope's job
(plut.foundation.accounts.scope), exactly as for the pages
(plut.foundation.accounts.decorators.role_required)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from plut.foundation.accounts.models import CENTRE_ROLES, Role


def has_role(user: Any, roles: tuple[str, ...] | frozenset[str]) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", None) in roles)
    )


def roles_permission(*roles: str) -> type[BasePermission]:
    """A permission class admitting authenticated users of ``roles``."""

    class RolePermission(BasePermission):
        allowed = tuple(roles)

        def has_permission(self, request: Any, view: Any) -> bool:
            return has_role(request.user, self.allowed)

    RolePermission.__name__ = "Role_" + "_".join(roles)
    return RolePermission


IsDashboardRole = roles_permission(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
IsManager = roles_permission(Role.MANAGER)
IsCentreStaffOrOwner = roles_permission(*CENTRE_ROLES, Role.OWNER)
