from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativesConfig(AppConfig):
    name = "cooperatives"
    verbose_name = _("Koperasi dan UMKM")

    def ready(self) -> None:
        # The lists' downloads, by name: a worker writing a large one rebuilds it from its name.
        import cooperatives.exports  # noqa: F401
        from cooperatives.receivers import past_records_link
        from plut.foundation.accounts.signals import owner_email_verified

        owner_email_verified.connect(past_records_link, dispatch_uid="cooperatives:past_records")
