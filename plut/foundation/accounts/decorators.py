from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from plut.foundation.accounts.models import CENTRE_ROLES, Role, User

STAFF_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER, Role.CONSULTANT)

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required`` or ``role_required``: a signed-in user.

    Only an annotation (Django builds the request): it tells the type checker what the
    decorator guarantees, that ``request.user`` is a User and never an AnonymousUser.
    """

    user: User


@dataclass(frozen=True)
class RoleRule:
    """Who may open a page behind ``role_required``: kept on the view (``view.role_rule``), so
    the navigation offers a link by the very rule that answers it (accounts.nav)."""

    roles: frozenset[str]
    superuser: bool

    def allows(self, user: User) -> bool:
        if user.role in self.roles:
            return True
        # A page only for centre roles works on the user's own centre, and only managers and
        # consultants are ever placed at one (clinics' staff_member_place): a superuser of
        # another role would pass here only to be refused by the page, with less to say.
        return self.superuser and user.is_superuser and not self.roles <= CENTRE_ROLES


def role_required(*roles: str, superuser: bool = True) -> Callable[[View], View]:
    """Log in first; then only these roles may open the page (others get 403).

    The role check is about which *kind* of page a user may open. Which *rows* they see is
    decided by plut.foundation.accounts.scope, never here. ``superuser=False`` keeps a superuser out
    of pages about the user's own records (an owner's "my data"): through the national scope they
    would list the whole country as "mine".
    """
    rule = RoleRule(frozenset(roles), superuser)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if not rule.allows(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        checked = login_required(wrapper)
        # Decorators applied above this one copy it along (functools.wraps copies __dict__).
        checked.role_rule = rule  # type: ignore[attr-defined]
        return checked

    return decorator
