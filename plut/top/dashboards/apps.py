from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the dashboards add up: a committed write to any of these tables makes every snapshot
# out of date. Accounts count too (active consultants, their names), except writes that touch
# none of those columns: each login writes last_login, password changes write the hash.
SOURCES = (
    "mentoring.MentoringSession",
    "mentoring.SessionEnterprise",
    "mentoring.Booking",
    "mentoring.Outcome",
    "mentoring.SatisfactionSurvey",
    "cooperatives.Cooperative",
    "cooperatives.Enterprise",
    "clinics.Centre",
    "clinics.StaffMembership",
    "clinics.WorkingHours",
    "dashboards.CentreUtilisation",
    "dashboards.Cell",
    "dashboards.RegencyCell",
    "dashboards.ConsultantCell",
    "accounts.User",
)
# What the facts (plut/top/dashboards/facts/) are computed from: their triggers leave marks,
# and a commit that wrote any of these has Celery work the marks through at once. An
# enterprise counts when it moves to another regency (the regency cells; dashboards 0004).
FACT_SOURCES = (
    "mentoring.MentoringSession",
    "mentoring.SessionEnterprise",
    "mentoring.SatisfactionSurvey",
    "mentoring.Booking",
    "cooperatives.Enterprise",
)
USER_FIGURES = ("is_active", "role", "first_name", "last_name", "username")


class DashboardsConfig(AppConfig):
    name = "plut.top.dashboards"
    label = "dashboards"
    verbose_name = _("Dasbor")

    def ready(self) -> None:
        from django.apps import apps

        from plut.foundation.core import versions
        from plut.top.dashboards.facts.keep import drain_soon
        from plut.top.dashboards.snapshots import VERSIONS

        users = apps.get_model("accounts.User")._meta.db_table
        enterprises = apps.get_model("cooperatives.Enterprise")._meta.db_table

        versions.watch(VERSIONS, SOURCES, matters=versions.updates_touching(users, USER_FIGURES))
        versions.watch(
            "dashboard-facts",
            FACT_SOURCES,
            matters=versions.updates_touching(enterprises, ["regency_id"]),
            then=drain_soon,
        )
