from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinics.selectors import centres_public
from plut.core.services import health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public front door: find a centre near you (and, with the booking issue, book)."""
    directory = centres_public(filters=request.GET)
    return render(request, "core/home.html", {"filter": directory, "centres": directory.qs})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
