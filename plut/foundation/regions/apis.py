"""Public, read-only region reference: provinces and their regencies/cities."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from plut.foundation.regions.models import Province, Regency


class ProvinceSerializer(serializers.ModelSerializer):
    timezone_label = serializers.CharField()

    class Meta:
        model = Province
        fields = ["code", "name", "timezone", "timezone_label"]


class RegencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Regency
        fields = ["code", "name", "province"]


PROVINCE_EXAMPLE = OpenApiExample(
    "Provinsi",
    response_only=True,
    value={"code": "18", "name": "Lampung", "timezone": "Asia/Jakarta", "timezone_label": "WIB"},
)
REGENCY_EXAMPLE = OpenApiExample(
    "Kabupaten/kota",
    response_only=True,
    value={"code": "18.71", "name": "Kota Bandar Lampung", "province": "18"},
)


@extend_schema_view(
    list=extend_schema(examples=[PROVINCE_EXAMPLE]),
    retrieve=extend_schema(examples=[PROVINCE_EXAMPLE]),
)
class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ProvinceSerializer
    queryset = Province.objects.all()
    pagination_class = None
    filter_backends = []


@extend_schema_view(
    list=extend_schema(examples=[REGENCY_EXAMPLE]),
    retrieve=extend_schema(examples=[REGENCY_EXAMPLE]),
)
class RegencyViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    # A Kemendagri code holds a dot ("18.71"), which the router's default pattern refuses.
    lookup_value_regex = r"[0-9]{2}\.[0-9]{2}"
    serializer_class = RegencySerializer
    queryset = Regency.objects.all()
    filterset_fields = ["province"]
    pagination_class = None
