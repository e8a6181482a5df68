from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide pieces: health check, home page, reference-data loading, worker heartbeat."""

    name = "plut.core"
    label = "core"
    verbose_name = _("Inti")
