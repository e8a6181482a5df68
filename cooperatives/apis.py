"""API for persons, enterprises and cooperatives: read-only, through the UI's selectors.

NIK and phone are personal data (UU 27/2022). They are shown in full only to the person
themselves (their own account) and to the staff of the centre that serves them; everyone
else in scope (provincial officers, the ministry, staff of another centre reading a
cooperative's board) gets them masked, as on the pages.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets

from cooperatives.masking import nik_mask
from cooperatives.models import (
    Cooperative,
    CooperativeType,
    Enterprise,
    NikView,
    Person,
    Scale,
    rat_cutoff,
)
from cooperatives.selectors import (
    cooperatives_visible_to,
    enterprises_visible_to,
    persons_visible_to,
)
from cooperatives.services.records import nik_views_record
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.dates import BoundedDateFilter
from plut.foundation.core.phone import phone_mask
from plut.foundation.rest.filters import ApiFilterSet, MomentFilter


def identity_visible(user: Any, person: Person) -> bool:
    """May ``user`` read ``person``'s full NIK and phone? Themselves, or their centre's staff."""
    if person.user_id is not None and person.user_id == user.pk:
        return True
    centre_id = scope_of(user).centre_id
    return centre_id is not None and centre_id == person.centre_id


class PersonSerializer(serializers.ModelSerializer):
    nik = serializers.SerializerMethodField(
        help_text=_(
            "Lengkap hanya untuk orangnya sendiri dan staf PLUT-nya; selain itu disamarkan."
        )
    )
    phone = serializers.SerializerMethodField(help_text=_("Format E.164; disamarkan seperti NIK."))
    regency = serializers.CharField(source="regency_id", allow_null=True, read_only=True)
    centre = serializers.IntegerField(source="centre_id", allow_null=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "full_name", "nik", "gender", "phone", "regency", "centre", "updated_at"]

    def _full(self, person: Person) -> bool:
        return identity_visible(self.context["request"].user, person)

    @extend_schema_field(OpenApiTypes.STR)
    def get_nik(self, person: Person) -> str:
        if not self._full(person):
            return nik_mask(person.nik)
        # Every full NIK shown is logged (UU 27/2022), once per response: see NikViewLogMixin.
        self.context.get("nik_shown", []).append(person)
        return person.nik or ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, person: Person) -> str:
        return person.phone if self._full(person) else phone_mask(person.phone)


class EnterpriseSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)
    regency = serializers.CharField(source="regency_id", read_only=True)
    centre = serializers.IntegerField(source="centre_id", allow_null=True, read_only=True)
    cooperative = serializers.IntegerField(source="cooperative_id", allow_null=True, read_only=True)
    scale = serializers.ChoiceField(choices=Scale.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "nib",
            "kbli",
            "scale",
            "business_capital",
            "annual_turnover",
            "employees",
            "regency",
            "address",
            "owner",
            "cooperative",
            "centre",
            "created_at",
            "updated_at",
        ]


class CooperativeSerializer(serializers.ModelSerializer):
    regency = serializers.CharField(source="regency_id", read_only=True)
    centre = serializers.IntegerField(source="centre_id", allow_null=True, read_only=True)
    is_active = serializers.BooleanField(
        source="is_active_now", read_only=True, help_text=_("RAT dalam jangka aktif.")
    )

    class Meta:
        model = Cooperative
        fields = [
            "id",
            "name",
            "number",
            "legal_entity_number",
            "legal_entity_date",
            "type",
            "regency",
            "address",
            "members",
            "workforce",
            "last_rat_on",
            "is_active",
            "centre",
            "created_at",
            "updated_at",
        ]


# --- Filters ---------------------------------------------------------------------------------


class PersonFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="regency__province", label=_("Kode provinsi"))
    regency = django_filters.CharFilter(field_name="regency_id", label=_("Kode kabupaten/kota"))

    class Meta:
        model = Person
        fields: list[str] = []


class EnterpriseFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="regency__province", label=_("Kode provinsi"))
    regency = django_filters.CharFilter(field_name="regency_id", label=_("Kode kabupaten/kota"))
    scale = django_filters.ChoiceFilter(choices=Scale.choices, label=_("Skala usaha"))
    nib = django_filters.CharFilter(label=_("NIB"))
    area = django_filters.CharFilter(
        method="served_in", label=_("Pernah didampingi di bidang (kode bidang layanan)")
    )
    created_after = MomentFilter(
        field_name="created_at", lookup_expr="gte", label=_("Didaftarkan sejak")
    )
    created_before = MomentFilter(
        field_name="created_at", lookup_expr="lt", label=_("Didaftarkan sebelum")
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def served_in(self, queryset: Any, name: str, value: str) -> Any:
        served = Enterprise.objects.filter(sessions__service_area__code=value).values("pk")
        return queryset.filter(pk__in=served)


class CooperativeFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="regency__province", label=_("Kode provinsi"))
    regency = django_filters.CharFilter(field_name="regency_id", label=_("Kode kabupaten/kota"))
    type = django_filters.ChoiceFilter(choices=CooperativeType.choices, label=_("Jenis koperasi"))
    number = django_filters.CharFilter(label=_("Nomor Induk Koperasi"))
    status = django_filters.ChoiceFilter(
        choices=[("active", _("Aktif")), ("inactive", _("Tidak aktif"))],
        method="by_status",
        label=_("Status RAT"),
    )
    rat_after = BoundedDateFilter(
        field_name="last_rat_on", lookup_expr="gte", label=_("RAT terakhir sejak")
    )
    rat_before = BoundedDateFilter(
        field_name="last_rat_on", lookup_expr="lte", label=_("RAT terakhir sampai")
    )

    class Meta:
        model = Cooperative
        fields: list[str] = []

    def by_status(self, queryset: Any, name: str, value: str) -> Any:
        # The same rule as Cooperative.objects.active().
        if value == "active":
            return queryset.filter(last_rat_on__gte=rat_cutoff())
        return queryset.exclude(last_rat_on__gte=rat_cutoff())


# --- Viewsets --------------------------------------------------------------------------------


class NikViewLogMixin:
    """Record the full NIKs a response showed, in one insert (plut.top.privacy's NIK view log)."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        self.nik_shown: list[Person] = []
        context["nik_shown"] = self.nik_shown
        return context

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        shown = getattr(self, "nik_shown", None)
        if shown and response.status_code == 200:
            unique = list({person.pk: person for person in shown}.values())
            nik_views_record(viewer=request.user, persons=unique, channel=NikView.Channel.API)
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


SYNC_ORDERING = ["id", "updated_at"]


PERSON_EXAMPLE = OpenApiExample(
    "Orang (disamarkan untuk petugas provinsi)",
    response_only=True,
    value={
        "id": 7,
        "full_name": "Siti Aminah",
        "nik": "187101********01",
        "gender": "P",
        "phone": "+62812****7890",
        "regency": "18.71",
        "centre": 1,
        "updated_at": "2026-11-20T10:00:00+07:00",
    },
)
COOPERATIVE_EXAMPLE = OpenApiExample(
    "Koperasi",
    response_only=True,
    value={
        "id": 3,
        "name": "Koperasi Tani Makmur",
        "number": "1871010000000001",
        "legal_entity_number": "AHU-0001234.AH.01.26.2020",
        "legal_entity_date": "2020-03-15",
        "type": "produsen",
        "regency": "18.71",
        "address": "Jl. Pemuda 5",
        "members": 120,
        "workforce": 6,
        "last_rat_on": "2026-03-20",
        "is_active": True,
        "centre": 1,
        "created_at": "2026-01-05T09:00:00+07:00",
        "updated_at": "2026-11-20T10:00:00+07:00",
    },
)


@extend_schema_view(
    list=extend_schema(examples=[PERSON_EXAMPLE]),
    retrieve=extend_schema(examples=[PERSON_EXAMPLE]),
)
class PersonViewSet(NikViewLogMixin, viewsets.ReadOnlyModelViewSet):
    """Owners and board members in the user's scope."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = SYNC_ORDERING

    def get_queryset(self) -> Any:
        return persons_visible_to(self.request.user)


ENTERPRISE_EXAMPLE = OpenApiExample(
    "UMKM",
    response_only=True,
    value={
        "id": 12,
        "name": "Keripik Pisang Barokah",
        "nib": "9120001234567",
        "kbli": "10794",
        "scale": "micro",
        "business_capital": 50000000,
        "annual_turnover": 600000000,
        "employees": 4,
        "regency": "18.71",
        "address": "Jl. Teuku Umar 10, Bandar Lampung",
        "owner": {
            "id": 7,
            "full_name": "Siti Aminah",
            "nik": "187101********01",
            "gender": "P",
            "phone": "+62812****7890",
            "regency": "18.71",
            "centre": 1,
            "updated_at": "2026-11-20T03:00:00Z",
        },
        "cooperative": None,
        "centre": 1,
        "created_at": "2026-01-05T02:00:00Z",
        "updated_at": "2026-11-20T03:00:00Z",
    },
)


@extend_schema_view(
    list=extend_schema(examples=[ENTERPRISE_EXAMPLE]),
    retrieve=extend_schema(examples=[ENTERPRISE_EXAMPLE]),
)
class EnterpriseViewSet(NikViewLogMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprises (UMKM) in the user's scope, with their owner."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    ordering_fields = SYNC_ORDERING

    def get_queryset(self) -> Any:
        return enterprises_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(examples=[COOPERATIVE_EXAMPLE]),
    retrieve=extend_schema(examples=[COOPERATIVE_EXAMPLE]),
)
class CooperativeViewSet(viewsets.ReadOnlyModelViewSet):
    """Cooperatives in the user's scope; ``is_active`` follows the RAT rule."""

    serializer_class = CooperativeSerializer
    filterset_class = CooperativeFilter
    ordering_fields = SYNC_ORDERING

    def get_queryset(self) -> Any:
        return cooperatives_visible_to(self.request.user).with_is_active()
