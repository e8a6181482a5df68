from django.contrib import admin

from plut.foundation.accounts.admin import ScopedAdmin
from plut.top.reports.models import Report


@admin.register(Report)
class ReportAdmin(ScopedAdmin):
    list_display = ["key", "level", "month", "status", "progress", "generated_at"]
    list_filter = ["level", "status"]
    readonly_fields = ["key", "xlsx", "pdf", "generated_at", "error"]
