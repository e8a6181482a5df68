from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo: generated data and one account per role, only with DEMO_MODE and DEBUG on."""

    name = "plut.top.demo"
    label = "demo"
    verbose_name = _("Demo")
