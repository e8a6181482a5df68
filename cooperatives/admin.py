from django.contrib import admin

from cooperatives.models import Cooperative, Enterprise, Person
from plut.core.admin import ScopedAdmin


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["full_name", "gender", "regency", "centre"]
    list_filter = ["gender", "centre"]
    list_select_related = ["regency", "centre"]
    search_fields = ["full_name", "=nik", "=phone", "email"]
    autocomplete_fields = ["user", "regency", "centre"]


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    list_display = ["name", "nib", "scale", "regency", "centre", "employees"]
    list_filter = ["scale", "centre", "regency__province"]
    list_select_related = ["regency", "centre"]
    search_fields = ["name", "=nib", "owner__full_name"]
    autocomplete_fields = ["owner", "regency", "cooperative", "centre"]
    readonly_fields = ["scale"]


@admin.register(Cooperative)
class CooperativeAdmin(ScopedAdmin):
    list_display = ["name", "number", "type", "regency", "members", "last_rat_on"]
    list_filter = ["type", "centre", "regency__province"]
    list_select_related = ["regency"]
    search_fields = ["name", "=number", "legal_entity_number"]
    autocomplete_fields = ["regency", "centre", "board_members"]
