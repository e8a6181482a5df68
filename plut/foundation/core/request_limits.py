"""Request bodies over their view's limit are refused with a 413 before they are read.

Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, and gunicorn
bounds neither: a public form once took a 300 MB upload. A body may hold at most
``REQUEST_BODY_MAX_BYTES``, or what ``REQUEST_BODY_MAX_BYTES_BY_VIEW`` allows its view (the
import upload). The proxy in front refuses bodies over its own, larger limit before they reach
gunicorn (plut/deploy/Caddyfile); this is the limit per form, with the portal's own page.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream, WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from plut.foundation.core.views import request_too_large

CHUNK_BYTES = 64 * 1024


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may hold."""
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return settings.REQUEST_BODY_MAX_BYTES
    limits = settings.REQUEST_BODY_MAX_BYTES_BY_VIEW
    return limits.get(view_name, settings.REQUEST_BODY_MAX_BYTES)


def _read_at_most(stream: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(CHUNK_BYTES, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class RequestBodyLimitMiddleware:
    """After ChosenLanguageMiddleware, so the 413 page speaks the user's language; nothing
    before it reads the body (the CSRF check reads the form in process_view, later)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: WSGIRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads such a body as empty
        # The URL is resolved only for a body over the default: most requests carry less.
        if declared > settings.REQUEST_BODY_MAX_BYTES:
            limit = body_limit(request)
            if declared > limit:
                return request_too_large(request, limit=limit)
        elif self._chunked(request):
            limit = body_limit(request)
            body = _read_at_most(request.environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                return request_too_large(request, limit=limit)
            # Django reads a body by its Content-Length only, so a chunked one would reach the
            # view empty: hand it over as a body of known length.
            request.META["CONTENT_LENGTH"] = str(len(body))
            # What WSGIRequest itself keeps there; django-stubs types the attribute as BinaryIO.
            request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def _chunked(request: WSGIRequest) -> bool:
        """A body without a Content-Length, read up to its end as it arrives. Only where the
        server un-chunks it and marks its end (gunicorn sets ``wsgi.input_terminated``):
        elsewhere (runserver) reading would wait for bytes that never come."""
        encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        return "chunked" in encoding and bool(request.environ.get("wsgi.input_terminated"))
