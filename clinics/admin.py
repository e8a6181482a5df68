from django.contrib import admin

from clinics.models import Absence, Centre, ServiceArea, StaffMembership, WorkingHours
from plut.foundation.accounts.admin import ScopedAdmin


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "slot_minutes", "order", "is_active"]
    list_editable = ["slot_minutes", "order", "is_active"]
    search_fields = ["code", "name_id", "name_en"]


@admin.register(Centre)
class CentreAdmin(ScopedAdmin):
    list_display = ["name", "level", "province", "regency", "uptd_status", "is_active"]
    list_filter = ["level", "uptd_status", "is_active", "province"]
    list_select_related = ["province", "regency"]
    search_fields = ["name", "city"]
    autocomplete_fields = ["regency"]
    filter_horizontal = ["service_areas"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(StaffMembership)
class StaffMembershipAdmin(ScopedAdmin):
    list_display = ["user", "centre", "joined_on"]
    list_filter = ["centre__province", "areas"]
    list_select_related = ["user", "centre"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "centre__name"]
    autocomplete_fields = ["user", "centre"]
    filter_horizontal = ["areas"]
    inlines = [WorkingHoursInline, AbsenceInline]
