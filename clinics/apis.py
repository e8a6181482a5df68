"""Public, read-only reference endpoints: service areas and centres."""

from __future__ import annotations

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


class ServiceAreaViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ServiceAreaSerializer
    queryset = ServiceArea.objects.filter(is_active=True)
    lookup_field = "code"
    pagination_class = None
    filter_backends = []


class CentreViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = CentreSerializer
    filterset_class = PublicCentreFilter

    def get_queryset(self):  # type: ignore[override]
        return centres_public().queryset
