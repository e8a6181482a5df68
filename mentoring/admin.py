from django.contrib import admin

from mentoring.models import (
    Booking,
    FollowUp,
    MentoringSession,
    Outcome,
    OutcomeCheckIn,
    SatisfactionSurvey,
    SessionEnterprise,
)
from plut.foundation.accounts.admin import ScopedAdmin


class SessionEnterpriseInline(admin.TabularInline):
    model = SessionEnterprise
    autocomplete_fields = ["enterprise"]
    extra = 0


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    autocomplete_fields = ["assignee"]
    extra = 0


@admin.register(MentoringSession)
class MentoringSessionAdmin(ScopedAdmin):
    list_display = ["topic", "centre", "consultant", "service_area", "mode", "starts_at"]
    list_filter = ["service_area", "mode", "format", "centre"]
    list_select_related = ["centre", "consultant", "service_area"]
    search_fields = ["topic", "enterprises__name", "enterprises__nib"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["centre", "consultant", "co_consultants", "cooperatives", "created_by"]
    inlines = [SessionEnterpriseInline, FollowUpInline]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdmin):
    list_display = ["action", "assignee", "due_on", "done_at"]
    list_filter = ["due_on"]
    list_select_related = ["assignee"]
    search_fields = ["action"]
    autocomplete_fields = ["session", "assignee"]


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    list_display = ["enterprise", "centre", "service_area", "consultant", "starts_at", "status"]
    list_filter = ["status", "mode", "service_area", "centre"]
    list_select_related = ["enterprise", "centre", "service_area", "consultant"]
    search_fields = ["enterprise__name", "enterprise__nib"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["enterprise", "centre", "consultant", "session"]


@admin.register(Outcome)
class OutcomeAdmin(ScopedAdmin):
    list_display = [
        "enterprise",
        "recorded_on",
        "turnover",
        "employees",
        "financing_amount",
        "source",
    ]
    list_filter = ["source", "financing_source", "support_kind"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__nib"]
    date_hierarchy = "recorded_on"
    autocomplete_fields = ["enterprise", "sessions", "reported_by", "verified_by"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ScopedAdmin):
    list_display = ["session", "enterprise", "score", "sent_at", "answered_at"]
    list_select_related = ["session", "enterprise"]
    readonly_fields = ["session", "enterprise", "score", "comment", "sent_at", "answered_at"]


@admin.register(OutcomeCheckIn)
class OutcomeCheckInAdmin(ScopedAdmin):
    list_display = ["enterprise", "months", "sent_at", "answered_at"]
    list_select_related = ["enterprise"]
    readonly_fields = ["enterprise", "months", "sent_at", "answered_at", "outcome"]
