"""The workspace lists of enterprises and cooperatives, and their exports.

A list and its export read through the same selector and FilterSet, so a download holds
exactly the rows the screen shows. Lists never show a NIK, and phones only masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from clinics.list_filters import offered_choices
from cooperatives.filters import CooperativeFilter, EnterpriseFilter
from cooperatives.models import Cooperative, Enterprise, Scale
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from cooperatives.tables import (
    cooperative_table,
    cooperatives_for_table,
    enterprise_table,
    enterprises_for_table,
)
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.core.exports import export_filtered
from plut.foundation.core.pagination import keyset_page
from plut.foundation.core.phone import phone_mask


def _scale_label(enterprise: Enterprise) -> str:
    # The generated column has no get_scale_display().
    return str(Scale(enterprise.scale).label) if enterprise.scale else ""


# --- Enterprises ----------------------------------------------------------------------------


def _enterprise_filter(request: HttpRequest) -> EnterpriseFilter:
    return EnterpriseFilter(
        request.GET, queryset=enterprises_visible_to(request.user), user=request.user
    )


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


ENTERPRISE_HEADERS = [
    _("ID"),
    _("Nama usaha"),
    _("NIB"),
    _("KBLI"),
    _("Pemilik"),
    _("Telepon pemilik (disamarkan)"),
    _("Skala usaha"),
    _("Jumlah tenaga kerja"),
    _("Kabupaten/kota"),
    _("PLUT"),
]


def _enterprise_rows(enterprises: Iterable[Enterprise]) -> Iterator[list[Any]]:
    for enterprise in enterprises:
        yield [
            enterprise.pk,
            enterprise.name,
            enterprise.nib or "",
            enterprise.kbli,
            enterprise.owner.full_name,
            phone_mask(enterprise.owner.phone),
            _scale_label(enterprise),
            enterprise.employees,
            enterprise.regency.name,
            enterprise.centre.name if enterprise.centre else "",
        ]


@require_safe
@role_required(*STAFF_ROLES)
def enterprise_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return export_filtered(
        filterset=_enterprise_filter(request),
        rows=_enterprise_rows,
        headers=ENTERPRISE_HEADERS,
        filename="umkm",
        fmt=fmt,
    )


# --- Cooperatives ---------------------------------------------------------------------------


def _cooperative_filter(request: HttpRequest) -> CooperativeFilter:
    # Active or not is worked out by the database for every row at once.
    queryset = cooperatives_visible_to(request.user).with_is_active()
    return CooperativeFilter(request.GET, queryset=queryset, user=request.user)


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


COOPERATIVE_HEADERS = [
    _("ID"),
    _("Nama koperasi"),
    _("Nomor Induk Koperasi"),
    _("Jenis koperasi"),
    _("Kabupaten/kota"),
    _("PLUT"),
    _("Jumlah anggota"),
    _("Tanggal RAT terakhir"),
    _("Aktif"),
]


@require_safe
@role_required(*STAFF_ROLES)
def cooperative_filter_options(request: HttpRequest) -> JsonResponse:
    """As ``enterprise_filter_options``, for the cooperative list."""
    return JsonResponse(offered_choices(_cooperative_filter(request), ("regency",)))


def _cooperative_rows(cooperatives: Iterable[Cooperative]) -> Iterator[list[Any]]:
    yes, no = _t("Ya"), _t("Tidak")
    for cooperative in cooperatives:
        yield [
            cooperative.pk,
            cooperative.name,
            cooperative.number or "",
            cooperative.get_type_display(),
            cooperative.regency.name,
            cooperative.centre.name if cooperative.centre else "",
            cooperative.members,
            cooperative.last_rat_on,
            yes if cooperative.is_active_now else no,
        ]


@require_safe
@role_required(*STAFF_ROLES)
def cooperative_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return export_filtered(
        filterset=_cooperative_filter(request),
        rows=_cooperative_rows,
        headers=COOPERATIVE_HEADERS,
        filename="koperasi",
        fmt=fmt,
    )
