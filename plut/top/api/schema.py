"""OpenAPI description of what drf-spectacular cannot see by itself: the token scheme, and
the one error body every endpoint may answer with; and the schema's view, which generates it
once per process."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import get_language
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.request import Request
from rest_framework.settings import api_settings


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "plut.top.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "plut_<prefix>_<secret>",
            "description": "Token API pribadi, dibuat di /accounts/api-tokens/.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Data yang dikirim tidak valid."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"nib": ["NIB harus terdiri dari 13 angka."]},
                },
            },
        }
    },
}
ERRORS = {
    "400": "Masukan tidak valid (pesan per kolom di `fields`).",
    "401": "Belum masuk, atau token tidak valid / dicabut / kedaluwarsa.",
    "403": "Peran Anda tidak boleh memakai endpoint atau tindakan ini.",
    "404": "Tidak ada, atau di luar cakupan data Anda.",
    "409": "Slot baru saja diambil orang lain.",
    "429": "Terlalu banyak permintaan; coba lagi nanti.",
}
# Errors an endpoint open to anyone never gives.
SIGNED_IN_ONLY = {"401", "403"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: document the error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            open_to_anyone = {} in operation.get("security", [])
            for status, description in ERRORS.items():
                if status in SIGNED_IN_ONLY and open_to_anyone:
                    continue
                if status == "409" and method != "post":
                    continue
                operation["responses"].setdefault(
                    status, {"description": description, "content": reference}
                )
    return result


class SchemaView(SpectacularAPIView):
    # drf-spectacular's schema view, each schema generated and rendered once per process.
    #
    # The schema changes only with the code, yet generating it took longer than any page the
    # API serves. It is kept for each language, API version and format (YAML or JSON), as the
    # bytes the first request received; the permission and throttle checks still run on
    # every request (before get()). A request the keys do not cover (a language or version
    # the portal does not have, media type parameters from the Accept header) is generated as
    # before, so what is kept stays a handful of schemas.

    # What OPTIONS describes the view with, as before (a docstring would replace it).
    __doc__ = SpectacularAPIView.__doc__

    _kept: ClassVar[dict[tuple[str, str, str], tuple[bytes, str, str]]] = {}

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return super().get(request, *args, **kwargs)
        if key not in self._kept:
            response = super().get(request, *args, **kwargs)
            # Rendered here (as finalize_response() would have it rendered) to keep the bytes.
            response.accepted_renderer = request.accepted_renderer
            response.accepted_media_type = request.accepted_media_type
            response.renderer_context = self.get_renderer_context()
            response.render()
            self._kept[key] = (
                response.content,
                response["Content-Type"],
                response["Content-Disposition"],
            )
        content, content_type, disposition = self._kept[key]
        return HttpResponse(
            content, content_type=content_type, headers={"Content-Disposition": disposition}
        )

    def _key(self, request: Request) -> tuple[str, str, str] | None:
        """(language, version, renderer) of the schema ``request`` receives; None when it is
        not among the portal's languages, versions and formats."""
        language = (settings.USE_I18N and request.GET.get("lang")) or get_language()
        version = self.api_version or request.version or self._get_version_parameter(request)
        renderer = request.accepted_renderer
        if (
            language not in dict(settings.LANGUAGES)
            or (version is not None and version not in (api_settings.ALLOWED_VERSIONS or ()))
            or request.accepted_media_type != renderer.media_type
        ):
            return None
        return language, version or "", type(renderer).__name__
