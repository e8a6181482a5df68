from django.contrib import admin

from plut.core.admin import ScopedAdmin
from plut.reports.models import Report


@admin.register(Report)
class ReportAdmin(ScopedAdmin):
    list_display = ["key", "level", "month", "status", "progress", "generated_at"]
    list_filter = ["level", "status"]
    readonly_fields = ["key", "xlsx", "pdf", "generated_at", "error"]
