from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "plut.accounts"
    label = "accounts"
    verbose_name = _("Akun dan peran")

    def ready(self) -> None:
        # Login signal receivers: the staff idle clock and the second factor owed.
        from plut.accounts import middleware, two_factor  # noqa: F401
