from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide pieces: health check, home page, reference-data loading, worker heartbeat."""

    name = "plut.core"
    label = "core"
    verbose_name = _("Inti")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (national administrators only), installed in
    place of ``django.contrib.admin``. Not this package's default config: that is CoreConfig."""

    default = False
    default_site = "plut.core.admin_site.PortalAdminSite"
