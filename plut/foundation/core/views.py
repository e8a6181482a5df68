"""The portal's own answers to a failed request: 500/503 and 413, in the user's language."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# How long a client waits before trying again after a database outage (a PostgreSQL restart
# takes seconds; a failover up to a minute).
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The portal's own error page (handler500), in the user's language.

    A database that cannot be reached (a restart, a failover) is an outage to wait out, not a
    bug: 503 with Retry-After, saying plainly that nothing of the request was stored (its
    transaction never committed). Rendered without the request's context, which would read the
    session and the user from the database that is down.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        status = 503
        title = _("Portal sedang tidak tersedia")
        message = _(
            "Basis data portal sedang tidak dapat dihubungi. Permintaan Anda tidak tersimpan; "
            "coba lagi dalam beberapa saat."
        )
    else:
        status = 500
        title = _("Terjadi kesalahan")
        message = _(
            "Maaf, permintaan Anda tidak dapat diselesaikan dan tidak ada yang tersimpan. "
            "Kesalahan ini sudah dicatat; coba lagi nanti."
        )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        page = render_to_string("errors/unavailable.html", {"title": title, "message": message})
        response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def request_too_large(request: HttpRequest, *, limit: int) -> HttpResponse:
    """413 for a body over its view's limit (plut/foundation/core/request_limits.py), in the user's
    language: the portal's page, JSON on the API. Nothing of the body was read."""
    message = _(
        "Data yang dikirim lebih besar dari batas %(size)s, jadi tidak diterima dan tidak ada "
        "yang tersimpan."
    ) % {"size": filesizeformat(limit)}
    if request.path.startswith("/api/"):
        # The API's one error body (plut/foundation/rest/exceptions.py).
        error = {"code": "request_too_large", "message": message, "fields": {}}
        return JsonResponse({"error": error}, status=413)
    context = {"title": _("Data terlalu besar"), "message": message}
    return render(request, "errors/request_too_large.html", context, status=413)
