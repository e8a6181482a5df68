"""Dashboards of the nation, a province and a centre: one view per section, and its export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import Role
from plut.foundation.core.exports import EXPORT_FORMATS, export_response, filters_refused
from plut.top.dashboards.definitions import GENERAL, KPI_EXPLAINED
from plut.top.dashboards.filters import (
    CENTRE,
    NATIONAL,
    PROVINCE,
    Place,
    filters_from,
    home_place,
    place_for,
)
from plut.top.dashboards.sections import DEFAULT_SORT, SECTIONS, Section, sections_for
from plut.top.dashboards.selectors import KPI_DEFINITIONS
from plut.top.dashboards.snapshots import Figures, section_figures

DASHBOARD_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)


def _url(level: str, key: Any, section: str = "overview") -> str:
    kwargs: dict[str, Any] = {} if level == NATIONAL else {"key": key}
    if section != "overview":
        kwargs["section"] = section
    return reverse(f"dashboards:{level}", kwargs=kwargs)


def _export_url(place: Place, section: str, fmt: str) -> str:
    kwargs: dict[str, Any] = {"section": section, "fmt": fmt}
    if place.level != NATIONAL:
        kwargs["key"] = place.key
    return reverse(f"dashboards:{place.level}_export", kwargs=kwargs)


@require_safe
@role_required(*DASHBOARD_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own scope: the nation, its province, or its centre."""
    level, key = home_place(request.user)
    return redirect(_url(level, key))


@require_safe
@role_required(*DASHBOARD_ROLES)
def definitions(request: HttpRequest) -> HttpResponse:
    """What each indicator counts (linked from every KPI card), in the reader's language."""
    return render(
        request,
        "dashboards/definitions.html",
        {
            "indicators": [
                {"key": key, "label": label, "text": KPI_EXPLAINED[key]}
                for key, label, _fmt in KPI_DEFINITIONS
            ],
            "general": GENERAL,
            "target": settings.MINISTRY_TURNOVER_TARGET_PERCENT,
        },
    )


def _section(place: Place, name: str) -> Section:
    section = SECTIONS.get(name)
    if section is None or place.level not in section.levels:
        raise Http404
    return section


def _compute(
    request: HttpRequest, level: str, key: Any, name: str
) -> tuple[Place, Section, Any, Any, Figures]:
    place = place_for(request.user, level, key)
    section = _section(place, name)
    form, filters = filters_from(request.GET, user=request.user, place=place)
    figures = section_figures(request.user, place, section, filters, request.GET.get("sort", ""))
    return place, section, form, filters, figures


def _drill_links(place: Place, filters: Any) -> dict[str, str]:
    """Where a row of the breakdown leads, with the same filters (a narrower place)."""
    query = filters.as_query()
    query.pop("centre", None)
    suffix = "?" + urlencode(query)
    session_query = filters.session_list_query()
    if place.centre:
        session_query["centre"] = place.centre.pk
    return {
        "suffix": suffix,
        "sessions": reverse("mentoring:session_list") + "?" + urlencode(session_query),
    }


@require_safe
@role_required(*DASHBOARD_ROLES)
def dashboard(
    request: HttpRequest, level: str, key: Any = None, section: str = "overview"
) -> HttpResponse:
    place, current, form, filters, figures = _compute(request, level, key, section)
    tabs = [
        {"key": s.key, "title": s.title, "url": _url(level, place.key, s.key)}
        for s in sections_for(place.level)
    ]
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "place": place,
            "section": current,
            "tabs": tabs,
            "form": form,
            "filters": filters,
            "data": figures.data,
            "figures": figures,
            "links": _drill_links(place, filters),
            "exports": {fmt: _export_url(place, current.key, fmt) for fmt in EXPORT_FORMATS},
            "query": request.GET.urlencode(),
            "columns": current.columns,
            # The order the tables are in: the busiest first unless a heading was clicked.
            "sort": request.GET.get("sort") or DEFAULT_SORT,
            # The value the monthly report form expects for this place.
            "report_place": place.level
            if place.level == NATIONAL
            else f"{place.level}:{place.key}",
        },
    )


@require_safe
@role_required(*DASHBOARD_ROLES)
def dashboard_export(
    request: HttpRequest, level: str, fmt: str, key: Any = None, section: str = "overview"
) -> HttpResponseBase:
    place, current, form, filters, figures = _compute(request, level, key, section)
    if filters.invalid:
        return filters_refused(form)
    options = {name: request.GET.get(name, "") for name in current.options}
    headers, rows = current.table(figures.data, **options)
    slug = {NATIONAL: "indonesia", PROVINCE: f"provinsi-{place.key}", CENTRE: f"plut-{place.key}"}
    return export_response(
        rows=rows,
        headers=headers,
        filename=f"dasbor-{slug[place.level]}-{current.key}",
        fmt=fmt,
    )
