from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The toolkit every app stands on: base model, dates, names and phone numbers, widgets,
    tables, keyset pagination, data versions, rate limits, headers, error pages, the worker
    heartbeat."""

    name = "plut.foundation.core"
    label = "core"
    verbose_name = _("Inti")
