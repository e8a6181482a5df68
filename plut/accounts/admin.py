from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plut.accounts.models import ConsentText, User


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
