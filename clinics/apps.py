from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Pusat layanan (PLUT)")

    def ready(self) -> None:
        from clinics.centre_cache import VERSIONS
        from plut.core import versions

        versions.watch(
            VERSIONS,
            ["clinics.Centre", "regions.Province", "clinics.ServiceArea", "regions.Regency"],
        )
