"""Reads for centres and service areas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clinics.centre_cache import (
    all_centres,
    centres_by_id,
    public_centres,
    service_areas,
    taking_bookings,
)
from clinics.models import Centre, ServiceArea
from plut.foundation.accounts.scope import visible_among, visible_to
from plut.foundation.regions.models import Province, Regency


def centres_visible_to(user: Any) -> QuerySet[Centre]:
    return visible_to(user, Centre.objects.select_related("province", "regency"))


def attach_centres(records: Iterable[Any]) -> None:
    """Give records (sessions, bookings, enterprises) their centres and provinces, which give
    their time zones, from the centres each process keeps (clinics.centre_cache); a record
    without a centre keeps none. Joined to a list of them instead, the six tables took
    PostgreSQL longer to plan than reading the rows takes
    (docs/performance.md#measurements-behind-the-codes-shape)."""
    records = [record for record in records if record.centre_id is not None]
    centres = centres_by_id(record.centre_id for record in records)
    for record in records:
        record.centre = centres[record.centre_id]


def centres_kept_for(user: Any) -> dict[str, Centre] | None:
    """The centres ``user`` sees (centres_visible_to()'s rows), by id as a form receives it,
    in their order, from the centres each process keeps; None when they are not kept."""
    if not settings.CENTRE_CACHE:
        return None
    return {str(centre.pk): centre for centre in visible_among(user, all_centres(), Centre)}


def provinces_seen_by(user: Any) -> list[str] | QuerySet:
    """The provinces of the centres ``user`` sees, for a ``province__in`` lookup: their codes
    from the kept centres, else a subquery (no query of its own either way)."""
    if not settings.CENTRE_CACHE:
        return centres_visible_to(user).values("province")
    return sorted({centre.province_id for centre in visible_among(user, all_centres(), Centre)})


def centres_in_zone(zone: str) -> list[int] | QuerySet:
    """The ids of the centres whose clock is ``zone``, for a ``centre__in`` lookup: from the
    kept centres, else a subquery (no query of its own either way)."""
    if not settings.CENTRE_CACHE:
        return Centre.objects.filter(province__timezone=zone).values("pk")
    return [centre.pk for centre in all_centres() if centre.timezone == zone]


def centre_province(centre_id: int) -> str | QuerySet | None:
    """The province code of centre ``centre_id``, for a ``province=`` lookup: from the kept
    centres, else a subquery; None (no province) for a centre that does not exist."""
    if not settings.CENTRE_CACHE:
        return Centre.objects.filter(pk=centre_id).values("province")[:1]
    centre = centres_by_id([centre_id]).get(centre_id)
    return centre.province_id if centre else None


def areas_by_code(*, active: bool) -> dict[str, ServiceArea]:
    """The service areas (only the ``active`` ones, or all) by code, in their order, from what
    each process keeps."""
    return {area.code: area for area in service_areas() if area.is_active or not active}


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With a province chosen, only its regencies: all 514 made a list no phone can scroll.
        province = (self.data or {}).get("province")
        if province:
            self.filters["regency"].queryset = Regency.objects.filter(province_id=province)


def centres_public(*, filters: dict[str, Any] | None = None) -> PublicCentreFilter:
    """The public directory: every active centre, open to anyone, narrowed by the filters."""
    queryset = (
        Centre.objects.filter(is_active=True)
        .select_related("province", "regency")
        .prefetch_related("service_areas")
    )
    return PublicCentreFilter(filters or None, queryset=queryset)


def centres_directory(
    *, province: str | None = None, regency: str | None = None, area: str | None = None
) -> list[Centre]:
    """centres_public()'s rows narrowed by the codes of a province, a regency and a service
    area, from the centres each process keeps (clinics.centre_cache): no query once kept."""
    return [
        centre
        for centre in public_centres()
        if (not province or centre.province_id == province)
        and (not regency or centre.regency_id == regency)
        and (not area or any(offered.code == area for offered in centre.service_areas.all()))
    ]


def centres_taking_bookings(centre_ids: Iterable[int]) -> set[int]:
    """Which of ``centre_ids`` take online bookings (clinics.centre_cache.taking_bookings). At
    any other centre the booking would end at "no free slot", so the pages offer its contact
    instead. No query when the centres are kept, one for a whole directory when not."""
    return set(centre_ids) & taking_bookings()


def centre_of(user: Any) -> Centre | None:
    """The centre a manager or consultant works at (None for every other role)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Centre.objects.select_related("province").filter(memberships__user=user).first()
