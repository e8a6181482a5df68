"""What every API list filters by; each app's FilterSet adds its own fields.

The apps use plain column filters (ids and codes, not model choices): a value outside the
user's scope simply matches nothing in the already-scoped queryset, and no filter costs a
query of its own.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from plut.foundation.core.dates import utc_in_range


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC.

    Python accepts offsets up to ±23:59 and years up to 9999 in any zone; PostgreSQL refuses
    offsets beyond ±15:59, and 9999-12-31 at -10:00 is past the last representable moment. Both
    are the client's mistake: a 400, not a database error, as is a moment outside the years
    the portal processes (plut.foundation.core.dates).
    """

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        return None if moment is None else utc_in_range(moment)


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class ApiFilterSet(django_filters.FilterSet):
    updated_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Diubah sejak (ISO 8601), untuk sinkronisasi"),
    )
