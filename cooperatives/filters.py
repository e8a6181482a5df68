"""Filters for the staff lists of enterprises and cooperatives.

Every dropdown offers only what the user's scope holds (their centres, their provinces'
regencies), so a filter can narrow a list and never reach outside it; the regency dropdown
lists only the chosen centre's province (``clinics.list_filters``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinics.list_filters import (
    ListFilterSet,
    OfferedChoiceFilter,
    chosen_centre,
    narrow_to_centre,
    regencies_fitting,
    scoped_choices,
)
from clinics.models import Centre, ServiceArea
from clinics.selectors import areas_by_code
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Scale, rat_cutoff
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.core.widgets import QuickSelect, SearchInput
from plut.foundation.regions.models import Regency

YES_NO = [("yes", _("Ya")), ("no", _("Tidak"))]


def _scoped_and_narrowed(filterset: ListFilterSet, options_url: str) -> None:
    scoped_choices(filterset)
    narrow_to_centre(
        filterset,
        {"regency": regencies_fitting(filterset, chosen_centre(filterset))},
        options_url=reverse(options_url),
    )


def _phone_or_none(text: str) -> str | None:
    if not any(ch.isdigit() for ch in text):
        return None
    try:
        return phone_to_e164(text)
    except ValidationError:
        return None


class EnterpriseFilter(ListFilterSet):
    orderings = {
        "name": (_("Nama (A–Z)"), ("name", "id")),
        "newest": (_("Terbaru didaftarkan"), ("-created_at", "-id")),
    }

    q = django_filters.CharFilter(
        label=_("Cari nama, NIB, pemilik atau telepon"), method="search", widget=SearchInput
    )
    scale = django_filters.ChoiceFilter(
        label=_("Skala usaha"),
        choices=Scale.choices,
        empty_label=_("Semua skala"),
        widget=QuickSelect,
    )
    regency = OfferedChoiceFilter(
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.none(),
        empty_label=_("Semua kabupaten/kota"),
    )
    centre = OfferedChoiceFilter(
        label=_("PLUT"),
        queryset=Centre.objects.none(),
        empty_label=_("Semua PLUT"),
    )
    area = OfferedChoiceFilter(
        label=_("Pernah didampingi di bidang"),
        queryset=ServiceArea.objects.filter(is_active=True),
        to_field_name="code",
        method="served_in",
        empty_label=_("Semua bidang"),
        rows=partial(areas_by_code, active=True),
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_and_narrowed(self, "cooperatives:enterprise_filter_options")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        match = Q(name__icontains=value) | Q(owner__full_name__icontains=value)
        if value.isdigit():
            match |= Q(nib=value)
        phone = _phone_or_none(value)
        if phone:
            match |= Q(owner__phone=phone)
        return queryset.filter(match)

    def served_in(self, queryset: QuerySet, name: str, value: ServiceArea) -> QuerySet:
        # Sessions belong to mentoring, which this app never imports; the reverse relation by
        # name is enough, and the subquery keeps each enterprise once without DISTINCT.
        served = Enterprise.objects.filter(sessions__service_area=value).values("pk")
        return queryset.filter(pk__in=served)


class CooperativeFilter(ListFilterSet):
    orderings = {
        "name": (_("Nama (A–Z)"), ("name", "id")),
        "members": (_("Anggota terbanyak"), ("-members", "-id")),
        "rat": (_("RAT terbaru"), ("-last_rat_on", "-id")),
    }

    q = django_filters.CharFilter(
        label=_("Cari nama atau Nomor Induk Koperasi"), method="search", widget=SearchInput
    )
    type = django_filters.ChoiceFilter(
        label=_("Jenis koperasi"),
        choices=CooperativeType.choices,
        empty_label=_("Semua jenis"),
        widget=QuickSelect,
    )
    regency = OfferedChoiceFilter(
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.none(),
        empty_label=_("Semua kabupaten/kota"),
    )
    centre = OfferedChoiceFilter(
        label=_("PLUT"),
        queryset=Centre.objects.none(),
        empty_label=_("Semua PLUT"),
    )
    active = django_filters.ChoiceFilter(
        label=_("Aktif (RAT)"),
        choices=YES_NO,
        method="by_activity",
        empty_label=_("Semua"),
        widget=QuickSelect,
    )

    class Meta:
        model = Cooperative
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_and_narrowed(self, "cooperatives:cooperative_filter_options")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        match = Q(name__icontains=value)
        if value.isdigit():
            match |= Q(number=value)
        return queryset.filter(match)

    def by_activity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The same rule as Cooperative.objects.active(), which the list's column shows.
        if value == "yes":
            return queryset.filter(last_rat_on__gte=rat_cutoff())
        return queryset.exclude(last_rat_on__gte=rat_cutoff())
