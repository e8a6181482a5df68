"""OpenAPI description of what drf-spectacular cannot see by itself: the token scheme, and
the one error body every endpoint may answer with."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
