"""The admin site: for active national administrators only (issue #21).

Managers and provincial officers once used the admin with a narrowed change list, but its
foreign-key choices, inlines and saves were never scoped, so they could move a colleague to
another province's centre or edit national service areas. What managers and officers did
there is in the workspace, each page scoped like the rest: the team, hours, absences and
booking policy; the centre's own details and moving staff between centres (clinics); correcting
a person's, enterprise's or cooperative's record (cooperatives); editing or deleting an outcome
and deleting a session, booking or follow-up (mentoring; docs/workspace.md). The admin is
refused to everyone but the ministry's administrators, whatever ``is_staff`` or model
permissions they were given; ``ScopedAdmin``'s narrowing stays behind it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from plut.foundation.accounts.models import Role, User


def is_admin_user(user: User | AnonymousUser) -> bool:
    """Active, staff, and national: a superuser of another role is refused too."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.role == Role.NATIONAL
    )


class NationalAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form refuses other roles with the usual message, so the answer never
    tells a manager that their password was right."""

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not is_admin_user(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PortalAdminSite(admin.AdminSite):
    """Every admin URL (index, lists, forms, history, autocomplete, actions) goes through
    ``admin_view``, which asks ``has_permission`` first."""

    login_form = NationalAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(request.user)
