"""Reads for centres and service areas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clinics.centre_cache import centres_by_id
from clinics.models import Centre, ServiceArea
from plut.accounts.scope import visible_to
from plut.regions.models import Province, Regency


def centres_visible_to(user: Any) -> QuerySet[Centre]:
    return visible_to(user, Centre.objects.select_related("province", "regency"))


def attach_centres(records: Iterable[Any]) -> None:
    """Give records (sessions, bookings, enterprises) their centres and provinces, which give
    their time zones, from the centres each process keeps (clinics.centre_cache); a record
    without a centre keeps none. Joined to a list of them instead, the six tables took
    PostgreSQL's planner 1,3-1,8 ms a query: several times what reading the rows takes
    (docs/performance.md, session 6)."""
    records = [record for record in records if record.centre_id is not None]
    centres = centres_by_id(record.centre_id for record in records)
    for record in records:
        record.centre = centres[record.centre_id]


def service_areas_active() -> QuerySet[ServiceArea]:
    return ServiceArea.objects.filter(is_active=True)


class PublicCentreFilter(django_filters.FilterSet):
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.all(), label=_("Provinsi"), empty_label=_("Semua provinsi")
    )
    regency = django_filters.ModelChoiceFilter(
        queryset=Regency.objects.all(),
        label=_("Kabupaten/kota"),
        empty_label=_("Semua kabupaten/kota"),
    )
    area = django_filters.ModelChoiceFilter(
        field_name="service_areas",
        queryset=ServiceArea.objects.filter(is_active=True),
        to_field_name="code",
        label=_("Bidang layanan"),
        empty_label=_("Semua bidang"),
    )

    class Meta:
        model = Centre
        fields = ["province", "regency", "area"]


def centres_public(*, filters: dict[str, Any] | None = None) -> PublicCentreFilter:
    """The public directory: every active centre, open to anyone, narrowed by the filters."""
    queryset = (
        Centre.objects.filter(is_active=True)
        .select_related("province", "regency")
        .prefetch_related("service_areas")
    )
    return PublicCentreFilter(filters or None, queryset=queryset)


def centre_of(user: Any) -> Centre | None:
    """The centre a manager or consultant works at (None for every other role)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Centre.objects.select_related("province").filter(memberships__user=user).first()
