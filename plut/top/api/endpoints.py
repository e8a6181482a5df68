"""Cross-cutting API endpoints: bulk imports and open data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.selectors import centre_of
from cooperatives.services.imports import COLUMNS, template_response
from plut.foundation.rest.permissions import IsDashboardRole, IsManager
from plut.top.api.models import ImportJob, ImportKind, ImportMode
from plut.top.api.opendata import OPEN_DATA_DIMENSIONS, OpenDataCSVRenderer, open_data_rows
from plut.top.api.selectors import import_jobs_visible_to
from plut.top.api.services import import_job_create, import_payload_check

# --- Imports ---------------------------------------------------------------------------------


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Nomor baris di lembar kerja (judul = baris 1)."))
    field = serializers.CharField(help_text=_("Kolom templat."))
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text=_("Persen baris diproses."))
    errors = ImportErrorSerializer(source="row_errors", many=True, read_only=True)
    message = serializers.CharField(source="message_text", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "centre",
            "kind",
            "mode",
            "filename",
            "status",
            "total_rows",
            "processed_rows",
            "progress",
            "created_count",
            "updated_count",
            "unchanged_count",
            "errors",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8) atau XLSX sesuai templat."))
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)

    def validate_file(self, upload: Any) -> Any:
        # Before reading it into memory.
        import_payload_check(size=upload.size)
        return upload


IMPORT_EXAMPLE = OpenApiExample(
    "Hasil impor",
    response_only=True,
    value={
        "id": 4,
        "centre": 1,
        "kind": "enterprises",
        "mode": "all_or_nothing",
        "filename": "umkm-lampung.xlsx",
        "status": "failed",
        "total_rows": 3,
        "processed_rows": 3,
        "progress": 100,
        "created_count": 0,
        "updated_count": 0,
        "errors": [
            {"row": 3, "field": "nib", "message": "NIB harus terdiri dari 13 angka."},
        ],
        "message": "Tidak ada yang diimpor: 1 baris tidak valid.",
        "created_at": "2026-11-27T09:00:00Z",
        "finished_at": "2026-11-27T09:00:01Z",
    },
)


class ImportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bulk imports of enterprises or cooperatives into the manager's centre.

    A file of up to ``IMPORT_BACKGROUND_ROWS`` rows is imported during the request; a larger
    one runs in the background: poll the job (``status``, ``progress``).
    """

    serializer_class = ImportJobSerializer
    # Read by those who oversee a centre (as its dashboard); written by its manager.
    permission_classes = [IsDashboardRole]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["status", "kind"]
    ordering_fields = ["id"]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return import_jobs_visible_to(self.request.user)

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsManager()]
        return super().get_permissions()

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer},
        examples=[IMPORT_EXAMPLE],
        summary="Impor UMKM atau koperasi dari CSV/XLSX",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        centre = centre_of(request.user)
        if centre is None:  # a manager not (or no longer) attached to a centre
            raise PermissionDenied
        job = import_job_create(
            user=request.user,
            centre=centre,
            kind=data["kind"],
            mode=data["mode"],
            filename=data["file"].name or "",
            data=data["file"].read(),
        )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportTemplateView(APIView):
    """The import template (header row and one example row) as CSV or XLSX."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiResponse(OpenApiTypes.BINARY),
        },
        summary="Unduh templat impor",
    )
    def get(self, request: Request, kind: str, fmt: str) -> HttpResponseBase:
        if kind not in COLUMNS or fmt not in ("csv", "xlsx"):
            raise NotFound
        return template_response(kind, fmt)


# --- Open data -------------------------------------------------------------------------------


class OpenDataQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=OPEN_DATA_DIMENSIONS, default="province", help_text=_("Dikelompokkan menurut.")
    )
    months = serializers.IntegerField(
        min_value=1, max_value=60, default=12, help_text=_("Berapa bulan terakhir.")
    )


class OpenDataRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    sessions = serializers.IntegerField(allow_null=True)
    enterprises = serializers.IntegerField(allow_null=True)
    contact_hours = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField(
        help_text=_("True: sel kecil (< 5) disembunyikan untuk melindungi privasi.")
    )


class OpenDataSerializer(serializers.Serializer):
    by = serializers.CharField()
    months = serializers.IntegerField()
    rows = OpenDataRowSerializer(many=True)


class OpenDataView(APIView):
    """Anonymised mentoring aggregates for the ministry's open-data portal: sessions,
    enterprises served and contact hours per province, centre, service area or month. No
    personal data; a cell counting fewer than 5 sessions or enterprises is suppressed (null).
    ``?format=csv`` (or ``Accept: text/csv``) gives the same rows as CSV."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, OpenDataCSVRenderer]

    @extend_schema(
        parameters=[OpenDataQuerySerializer],
        responses={200: OpenDataSerializer},
        examples=[
            OpenApiExample(
                "Per provinsi",
                value={
                    "by": "province",
                    "months": 12,
                    "rows": [
                        {
                            "key": "18",
                            "label": "Lampung",
                            "sessions": 140,
                            "enterprises": 70,
                            "contact_hours": 151.5,
                            "suppressed": False,
                        },
                        {
                            "key": "91",
                            "label": "Papua",
                            "sessions": None,
                            "enterprises": None,
                            "contact_hours": None,
                            "suppressed": True,
                        },
                    ],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = OpenDataQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by, months = query.validated_data["by"], query.validated_data["months"]
        body = {"by": by, "months": months, "rows": open_data_rows(by=by, months=months)}
        return Response(OpenDataSerializer(body).data)


# --- Unknown addresses -----------------------------------------------------------------------


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other address under /api/v1/: the API's 404 body, not the site's HTML page."""

    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound

    post = put = patch = delete = get
