"""Public, read-only reference endpoints: service areas and centres."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from clinics.models import Centre, ServiceArea
from clinics.selectors import PublicCentreFilter, centres_public


class ServiceAreaSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceArea
        fields = ["code", "name", "name_id", "name_en"]


class CentreSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id")
    regency = serializers.CharField(source="regency_id", allow_null=True)
    timezone = serializers.CharField()
    timezone_label = serializers.CharField()
    service_areas = serializers.SlugRelatedField(many=True, slug_field="code", read_only=True)

    class Meta:
        model = Centre
        fields = [
            "id",
            "name",
            "level",
            "province",
            "regency",
            "city",
            "address",
            "phone",
            "email",
            "timezone",
            "timezone_label",
            "service_areas",
        ]


AREA_EXAMPLE = OpenApiExample(
    "Bidang layanan",
    response_only=True,
    value={
        "code": "marketing",
        "name": "Pemasaran",
        "name_id": "Pemasaran",
        "name_en": "Marketing",
    },
)
CENTRE_EXAMPLE = OpenApiExample(
    "PLUT",
    response_only=True,
    value={
        "id": 1,
        "name": "PLUT KUMKM Provinsi Lampung",
        "level": "province",
        "province": "18",
        "regency": "18.71",
        "city": "Bandar Lampung",
        "address": "Jl. Cut Mutia No. 2",
        "phone": "0721-123456",
        "email": "plut@lampungprov.go.id",
        "timezone": "Asia/Jakarta",
        "timezone_label": "WIB",
        "service_areas": ["marketing", "financing"],
    },
)


@extend_schema_view(
    list=extend_schema(examples=[AREA_EXAMPLE]), retrieve=extend_schema(examples=[AREA_EXAMPLE])
)
class ServiceAreaViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ServiceAreaSerializer
    queryset = ServiceArea.objects.filter(is_active=True)
    lookup_field = "code"
    pagination_class = None
    filter_backends = []


@extend_schema_view(
    list=extend_schema(examples=[CENTRE_EXAMPLE]),
    retrieve=extend_schema(examples=[CENTRE_EXAMPLE]),
)
class CentreViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = CentreSerializer
    filterset_class = PublicCentreFilter
    # Names are unique: a stable order for the cursor.
    ordering = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):  # type: ignore[override]
        return centres_public().queryset
