"""Public, read-only region reference: provinces and their regencies/cities."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from plut.regions.models import Province, Regency


class ProvinceSerializer(serializers.ModelSerializer):
    timezone_label = serializers.CharField()

    class Meta:
        model = Province
        fields = ["code", "name", "timezone", "timezone_label"]


class RegencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Regency
        fields = ["code", "name", "province"]


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ProvinceSerializer
    queryset = Province.objects.all()
    pagination_class = None
    filter_backends = []


class RegencyViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = RegencySerializer
    queryset = Regency.objects.all()
    filterset_fields = ["province"]
    pagination_class = None
