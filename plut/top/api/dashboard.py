"""The dashboard's key figures over the API: the same place, filters and selectors
(plut.top.dashboards) as the dashboard pages, so both always show the same numbers."""

from __future__ import annotations

import decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.models import Mode
from plut.foundation.rest.permissions import IsDashboardRole
from plut.top.dashboards.filters import (
    CENTRE,
    NATIONAL,
    PROVINCE,
    filters_from,
    home_place,
    place_for,
)
from plut.top.dashboards.periods import PRESETS
from plut.top.dashboards.sections import SECTIONS
from plut.top.dashboards.snapshots import section_figures

LEVELS = [(NATIONAL, _lazy("Nasional")), (PROVINCE, _lazy("Provinsi")), (CENTRE, _lazy("PLUT"))]


@extend_schema_field({"type": "number", "nullable": True})
class FigureField(serializers.Field):
    """A count, hours, Rupiah or a rate: the number as computed, or null when undefined."""

    def to_representation(self, value: Any) -> Any:
        return float(value) if isinstance(value, decimal.Decimal) else value


class CardSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    format = serializers.CharField(help_text=_lazy("int, hours, percent, score atau rupiah"))
    current = FigureField()
    previous = FigureField()
    year_ago = FigureField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class PeriodsSerializer(serializers.Serializer):
    current = PeriodSerializer()
    previous = PeriodSerializer()
    year_ago = PeriodSerializer()


class PlaceSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS)
    key = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    place = PlaceSerializer()
    periods = PeriodsSerializer()
    cards = CardSerializer(many=True)


def _level_and_key(request: Request) -> tuple[str, Any]:
    level, key = request.query_params.get("level"), request.query_params.get("key")
    if not level:
        return home_place(request.user)
    if level not in dict(LEVELS):
        raise ValidationError({"level": [_("Pilih national, province atau centre.")]})
    if level == CENTRE:
        if not (key or "").isdigit() or len(key) > 9:
            raise ValidationError({"key": [_("ID PLUT harus berupa angka.")]})
        return level, int(key)
    return level, key


class DashboardView(APIView):
    """The dashboard's key figures (KPI cards) for the current period, the previous one and a
    year earlier, over the user's scope: the nation, a province or a centre."""

    permission_classes = [IsDashboardRole]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                enum=[code for code, _label in LEVELS],
                description="Tingkat; bawaan: tingkat peran Anda.",
            ),
            OpenApiParameter("key", str, description="Kode provinsi (18) atau ID PLUT."),
            OpenApiParameter("period", enum=list(PRESETS), description="Periode (bawaan 12m)."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Dengan period=custom."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Dengan period=custom."),
            OpenApiParameter("service_area", str, description="Kode bidang layanan."),
            OpenApiParameter("mode", enum=list(Mode.values)),
            OpenApiParameter("centre", int, description="ID PLUT di dalam tempat ini."),
            OpenApiParameter("regency", str, description="Kode kabupaten/kota (18.71)."),
        ],
        responses={200: DashboardSerializer},
        examples=[
            OpenApiExample(
                "Provinsi",
                value={
                    "place": {"level": "province", "key": "18", "name": "Lampung"},
                    "periods": {
                        "current": {"start": "2025-12-01", "end": "2026-11-30"},
                        "previous": {"start": "2024-12-01", "end": "2025-11-30"},
                        "year_ago": {"start": "2024-12-01", "end": "2025-11-30"},
                    },
                    "cards": [
                        {
                            "key": "sessions",
                            "label": "Sesi pendampingan",
                            "format": "int",
                            "current": 140,
                            "previous": 120,
                            "year_ago": 120,
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        level, key = _level_and_key(request)
        place = place_for(request.user, level, key)
        form, filters = filters_from(request.query_params, user=request.user, place=place)
        if filters.invalid:
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        figures = section_figures(request.user, place, SECTIONS["overview"], filters).data["kpis"]
        body = {
            "place": {"level": place.level, "key": place.key, "name": place.name},
            "periods": figures["periods"],
            "cards": [card | {"label": str(card["label"])} for card in figures["cards"]],
        }
        return Response(DashboardSerializer(body).data)
