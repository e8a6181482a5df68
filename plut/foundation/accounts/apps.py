from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "plut.foundation.accounts"
    label = "accounts"
    verbose_name = _("Akun dan peran")

    def ready(self) -> None:
        # Login signal receivers: the staff idle clock and the second factor owed.
        from plut.foundation.accounts import middleware, two_factor  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (national administrators only), installed in
    place of ``django.contrib.admin``. Not this package's default config: that is AccountsConfig."""

    default = False
    default_site = "plut.foundation.accounts.admin_site.PortalAdminSite"
