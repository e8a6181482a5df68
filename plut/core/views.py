from __future__ import annotations

import ipaddress
import sys
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinics.selectors import centres_public
from plut.accounts.decorators import STAFF_ROLES
from plut.core.services import health_report

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front door: find a centre near you (and, with the booking issue, book)."""
    directory = centres_public(filters=request.GET)
    return render(request, "core/home.html", {"filter": directory, "centres": directory.qs})


def _internal_caller(request: HttpRequest) -> bool:
    """A probe from this machine or a listed network, reaching the app directly.

    Only ``REMOTE_ADDR`` counts: a request relayed by the reverse proxy (it adds
    ``X-Forwarded-For``) comes from the public side, whatever the proxy's own address.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    listed = (ipaddress.ip_network(net, strict=False) for net in settings.HEALTHZ_INTERNAL_NETWORKS)
    networks = [*LOOPBACK, *listed]
    return any(address in network for network in networks)


def _staff_user(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and (user.is_superuser or user.role in STAFF_ROLES)


def _probe_answer(request: HttpRequest, report: dict[str, Any], *, healthy: bool) -> JsonResponse:
    """The status for anyone; which component is down only for internal callers and staff."""
    body: dict[str, Any] = {"status": "ok" if healthy else "error"}
    # A staff session is looked up in the database: only while it answers.
    if _internal_caller(request) or (report["database"] == "ok" and _staff_user(request)):
        body.update({name: value for name, value in report.items() if name != "status"})
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness of this web node, for the load balancer and the orchestrator:
    200 while its database answers. The broker is reported, not required: without it pages
    work and bookings are saved (messages wait in the outbox), so taking every web node out
    of the load balancer for it would turn a degraded portal into a dead one."""
    report = health_report()
    return _probe_answer(request, report, healthy=report["database"] == "ok")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Every component, for monitoring and alerts: 503 when the database or the broker is
    down; the worker's heartbeat is reported."""
    report = health_report()
    return _probe_answer(request, report, healthy=report["status"] == "ok")


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
    """413 for a body over its view's limit (plut/core/request_limits.py), in the user's
    language: the portal's page, JSON on the API. Nothing of the body was read."""
    message = _(
        "Data yang dikirim lebih besar dari batas %(size)s, jadi tidak diterima dan tidak ada "
        "yang tersimpan."
    ) % {"size": filesizeformat(limit)}
    if request.path.startswith("/api/"):
        # The API's one error body (plut/api/exceptions.py).
        error = {"code": "request_too_large", "message": message, "fields": {}}
        return JsonResponse({"error": error}, status=413)
    context = {"title": _("Data terlalu besar"), "message": message}
    return render(request, "errors/request_too_large.html", context, status=413)
