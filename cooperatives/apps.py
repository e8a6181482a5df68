from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativesConfig(AppConfig):
    name = "cooperatives"
    verbose_name = _("Koperasi dan UMKM")

    def ready(self) -> None:
        from cooperatives.receivers import past_records_link
        from plut.foundation.accounts.signals import owner_email_verified

        owner_email_verified.connect(past_records_link, dispatch_uid="cooperatives:past_records")
