from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plut.foundation.accounts.models import ConsentText, User
from plut.foundation.accounts.scope import visible_to


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages list and open only what the user's scope allows (national sees all).

    Defence in depth: the site itself admits national administrators only
    (``plut.foundation.accounts.admin_site``), whose scope is everything. Foreign-key choices,
    inlines and saves are not narrowed here, so this alone would not keep another role in its scope.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible_to(request.user, super().get_queryset(request))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "province", "is_active"]
    list_filter = ["role", "province", "is_active", "is_staff"]
    list_select_related = ["province"]
    # Django's UserAdmin sets them; ModelAdmin's type allows None.
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Peran di portal"), {"fields": ("role", "province")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Peran di portal"), {"fields": ("role", "province")}),
    )


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at"]

    def has_change_permission(self, request: HttpRequest, obj: ConsentText | None = None) -> bool:
        # An accepted text is evidence of what someone agreed to: publish a new version instead.
        return obj is None or not obj.bookings.exists()
