from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Pusat layanan (PLUT)")

    def ready(self) -> None:
        from django.apps import apps

        from clinics.centre_cache import STAFF_USER_COLUMNS, STAFF_VERSIONS, VERSIONS
        from plut.foundation.core import versions

        versions.watch(
            VERSIONS,
            ["clinics.Centre", "regions.Province", "clinics.ServiceArea", "regions.Regency"],
        )
        users = apps.get_model("accounts.User")._meta.db_table
        versions.watch(
            STAFF_VERSIONS,
            ["clinics.StaffMembership", "clinics.WorkingHours", "accounts.User"],
            matters=versions.updates_touching(users, STAFF_USER_COLUMNS),
        )
