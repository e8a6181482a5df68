from django.contrib import admin

from plut.foundation.accounts.admin import ScopedAdmin
from plut.top.dashboards.models import CentreUtilisation


@admin.register(CentreUtilisation)
class CentreUtilisationAdmin(ScopedAdmin):
    """Read-only: the weekly job writes these rows."""

    list_display = ["centre", "week_start", "sessions", "per_consultant_day", "flagged"]
    list_filter = ["flagged", "week_start"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
