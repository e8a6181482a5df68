"""The front door: the public home page, and the health probes that load balancers and
monitoring read."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from clinics.centre_cache import kept_with_centres
from clinics.models import Centre
from clinics.selectors import centres_taking_bookings
from plut.foundation.accounts.decorators import STAFF_ROLES
from plut.top.portal.forms import DirectoryForm, offered_regencies
from plut.top.portal.services import health_report

REFERENCE_MAX_AGE = 24 * 60 * 60  # seconds: provinces and regencies rarely change
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front door: find a centre near you and book."""
    form = DirectoryForm(request.GET or None)
    cards = centre_cards(form.centres(), chosen_area=form.chosen_area)
    return render(request, "portal/home.html", {"form": form, "cards": cards})


# The same answer for everyone (only the URL's ?province= matters), from reference data that
# changes a few times a year: browsers and proxies may keep it a day. A logged-in reader's copy
# is private, no-store all the same (PrivateResponseMiddleware).
@require_safe
@cache_control(public=True, max_age=REFERENCE_MAX_AGE)
def regency_options(request: HttpRequest) -> JsonResponse:
    """The regencies the directory's dropdown offers for ``?province=`` (js/list_filters.js
    asks as soon as the province changes): all without one, none for an unknown code."""
    return JsonResponse(offered_regencies(request.GET.get("province")))


def centre_cards(centres: list[Centre], *, chosen_area: str) -> list[SafeString]:
    """The directory's card of each of ``centres``, in the reader's language, its booking
    link starting with ``chosen_area``. Each card is drawn once per process for each language
    and area, and again once the centres or their staff change: a template per card was most
    of the page's time once its rows were kept."""
    drawn: dict[int, SafeString] = kept_with_centres(
        f"portal:cards:{get_language()}:{get_script_prefix()}:{chosen_area}", dict
    )
    missing = [centre for centre in centres if centre.pk not in drawn]
    if missing:
        taking = centres_taking_bookings(centre.pk for centre in missing)
        for centre in missing:
            drawn[centre.pk] = render_to_string(
                "portal/_centre_card.html",
                {
                    "centre": centre,
                    "takes_bookings": centre.pk in taking,
                    "chosen_area": chosen_area,
                },
            )
    return [drawn[centre.pk] for centre in centres]


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
