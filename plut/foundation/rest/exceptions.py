"""One error body for every API failure, in the user's language (Indonesian by default):

    {"error": {"code": "invalid", "message": "...", "fields": {"nib": ["..."]}}}

Django's own ValidationError (raised by services and model validation) and PermissionDenied
become the same 400 and 403 as DRF's, so a service's message reaches the client unchanged; a
body over DATA_UPLOAD_MAX_MEMORY_SIZE is the same 400 as a body DRF cannot parse.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from plut.foundation.core import errors

NON_FIELD_KEYS = ("non_field_errors", "__all__", "detail")


class Conflict(exceptions.APIException):
    """409, for a service's ``plut.foundation.core.errors.Conflict``."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _code(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, exceptions.ErrorDetail) and detail.code:
        return str(detail.code)
    return exc.default_code


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    if isinstance(exc.detail, dict):
        for key, value in exc.detail.items():
            if key in NON_FIELD_KEYS:
                general.extend(_flatten(value))
            else:
                fields[str(key)] = _flatten(value)
    else:
        general = _flatten(exc.detail)
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = general[0] if general else _("Data yang dikirim tidak valid.")
    else:
        code = _code(exc)
        message = general[0] if general else str(exc.default_detail)
    return {"error": {"code": code, "message": message, "fields": fields}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, errors.Conflict):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Data tidak ditemukan."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("Anda tidak berhak melakukan tindakan ini."))
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError(
            _("Isi permintaan terlalu besar (maksimum %(kb)s KB).")
            % {"kb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024}
        )
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = error_body(exc)
    return response
