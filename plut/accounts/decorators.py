from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from plut.accounts.models import Role

STAFF_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER, Role.CONSULTANT)


def role_required(*roles: str) -> Callable:
    """Log in first; then only these roles may open the page (others get 403).

    The role check is about which *kind* of page a user may open. Which *rows* they see is
    decided by plut.accounts.scope, never here.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not (request.user.is_superuser or request.user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
