from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from plut.foundation.accounts.models import Role, User

STAFF_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER, Role.CONSULTANT)

View = Callable[..., HttpResponse]


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required`` or ``role_required``: a signed-in user.

    Only an annotation (Django builds the request): it tells the type checker what the
    decorator guarantees, that ``request.user`` is a User and never an AnonymousUser.
    """

    user: User


def role_required(*roles: str, superuser: bool = True) -> Callable[[View], View]:
    """Log in first; then only these roles may open the page (others get 403).

    The role check is about which *kind* of page a user may open. Which *rows* they see is
    decided by plut.foundation.accounts.scope, never here. ``superuser=False`` keeps a superuser out
    of pages about the user's own records (an owner's "my data"): through the national scope they
    would list the whole country as "mine".
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            passes = superuser and request.user.is_superuser
            if not (passes or request.user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
