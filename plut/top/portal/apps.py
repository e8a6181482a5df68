from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The front door: the public home page, the health probes, and loading the reference
    data (provinces, regencies, the PLUT directory) every installation starts from."""

    name = "plut.top.portal"
    label = "portal"
    verbose_name = _("Portal")
