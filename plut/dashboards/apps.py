import re

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
    "accounts.User",
)
USER_FIGURES = re.compile(r'"(?:is_active|role|first_name|last_name|username)"')
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class DashboardsConfig(AppConfig):
    name = "plut.dashboards"
    label = "dashboards"
    verbose_name = _("Dasbor")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.backends.signals import connection_created

        from plut.dashboards.snapshots import data_changed

        users = apps.get_model("accounts.User")._meta.db_table
        tables = set()
        for label in SOURCES:
            model = apps.get_model(label)
            tables.add(model._meta.db_table)
            tables.update(
                field.remote_field.through._meta.db_table
                for field in model._meta.local_many_to_many
            )

        def _changes_figures(table: str, sql: str) -> bool:
            if table != users:
                return table in tables
            return sql.lstrip()[:6].upper() != "UPDATE" or bool(USER_FIGURES.search(sql))

        # Watching the SQL rather than model signals: bulk_create, update() and delete() on a
        # queryset send no signals, and every service that uses them would have to remember.
        def watch_writes(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            written = _WRITE.match(sql)
            if written and _changes_figures(written.group(1), sql):
                data_changed(using=context["connection"].alias)
            return result

        def watch(sender, connection, **kwargs):
            if watch_writes not in connection.execute_wrappers:
                connection.execute_wrappers.append(watch_writes)

        connection_created.connect(watch, weak=False, dispatch_uid="dashboards:watch-writes")
