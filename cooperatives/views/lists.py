"""The workspace lists of enterprises and cooperatives, and their exports.

A list and its export read through the same selector and FilterSet, so a download holds
exactly the rows the screen shows. Lists never show a NIK, and phones only masked.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from clinics.list_filters import offered_choices
from cooperatives.exports import (
    COOPERATIVES,
    ENTERPRISES,
    cooperatives_filtered,
    enterprises_filtered,
)
from cooperatives.filters import CooperativeFilter, EnterpriseFilter
from cooperatives.models import Enterprise, Scale
from cooperatives.tables import (
    cooperative_table,
    cooperatives_for_table,
    enterprise_table,
    enterprises_for_table,
)
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.core.pagination import keyset_page
from plut.foundation.exports.views import list_download


def _scale_label(enterprise: Enterprise) -> str:
    # The generated column has no get_scale_display().
    return str(Scale(enterprise.scale).label) if enterprise.scale else ""


# --- Enterprises ----------------------------------------------------------------------------


def _enterprise_filter(request: HttpRequest) -> EnterpriseFilter:
    return enterprises_filtered(request.user, request.GET)


@require_safe
@role_required(*STAFF_ROLES)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _enterprise_filter(request)
    page = keyset_page(
        enterprises_for_table(filterset.rows),
        order=filterset.ordering,
        cursor=request.GET.get("cursor"),
    )
    table = enterprise_table(
        page.items,
        several_centres=filterset.several_centres,
        empty=filterset.nothing_found(_("Tidak ada UMKM yang cocok.")),
    )
    return render(
        request,
        "cooperatives/enterprise_list.html",
        {"filterset": filterset, "page": page, "table": table},
    )


@require_safe
@role_required(*STAFF_ROLES)
def enterprise_filter_options(request: HttpRequest) -> JsonResponse:
    """The regencies the list's filter offers for ``?centre=`` (js/list_filters.js), from the
    same scoped FilterSet as the page: a centre outside the scope lists nothing."""
    return JsonResponse(offered_choices(_enterprise_filter(request), ("regency",)))


@require_safe
@role_required(*STAFF_ROLES)
def enterprise_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return list_download(request, ENTERPRISES, fmt)


# --- Cooperatives ---------------------------------------------------------------------------


def _cooperative_filter(request: HttpRequest) -> CooperativeFilter:
    return cooperatives_filtered(request.user, request.GET)


@require_safe
@role_required(*STAFF_ROLES)
def cooperative_list(request: HttpRequest) -> HttpResponse:
    filterset = _cooperative_filter(request)
    page = keyset_page(
        cooperatives_for_table(filterset.rows),
        order=filterset.ordering,
        cursor=request.GET.get("cursor"),
    )
    table = cooperative_table(
        page.items, empty=filterset.nothing_found(_("Tidak ada koperasi yang cocok."))
    )
    return render(
        request,
        "cooperatives/cooperative_list.html",
        {"filterset": filterset, "page": page, "table": table},
    )


@require_safe
@role_required(*STAFF_ROLES)
def cooperative_filter_options(request: HttpRequest) -> JsonResponse:
    """As ``enterprise_filter_options``, for the cooperative list."""
    return JsonResponse(offered_choices(_cooperative_filter(request), ("regency",)))


@require_safe
@role_required(*STAFF_ROLES)
def cooperative_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return list_download(request, COOPERATIVES, fmt)
