from django.contrib import admin

from cooperatives.models import Cooperative, Enterprise, NikView, Person
from plut.foundation.accounts.admin import ScopedAdmin


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["full_name", "gender", "regency", "centre"]
    list_filter = ["gender", "centre"]
    list_select_related = ["regency", "centre"]
    search_fields = ["full_name", "=nik", "=phone", "email"]
    autocomplete_fields = ["user", "regency", "centre"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The form shows the full NIK: logged like every other showing (docs/security.md).
        person = (
            response.context_data.get("original") if hasattr(response, "context_data") else None
        )
        if request.method == "GET" and response.status_code == 200 and person and person.nik:
            NikView.objects.create(
                viewer=request.user,
                person=person,
                centre_id=person.centre_id,
                channel=NikView.Channel.ADMIN,
            )
        return response


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
