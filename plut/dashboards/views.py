from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinics.models import Centre
from clinics.selectors import centres_visible_to
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.selectors import sessions_visible_to
from plut.accounts.decorators import role_required
from plut.accounts.models import Role
from plut.accounts.scope import get_visible_or_404, scope_of
from plut.dashboards.selectors import sessions_by, summary
from plut.regions.models import Province

DASHBOARD_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)


@role_required(*DASHBOARD_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own scope: the nation, its province, or its centre."""
    scope = scope_of(request.user)
    if scope.national:
        return redirect("dashboards:national")
    if scope.province_code:
        return redirect("dashboards:province", code=scope.province_code)
    if scope.centre_id:
        return redirect("dashboards:centre", pk=scope.centre_id)
    raise Http404


def _render(
    request: HttpRequest, title: str, narrow: dict[str, Any], breakdown: list, level: str
) -> HttpResponse:
    user = request.user
    figures = summary(
        centres=centres_visible_to(user).filter(**narrow.get("centre", {})),
        sessions=sessions_visible_to(user).filter(**narrow.get("session", {})),
        enterprises=enterprises_visible_to(user).filter(**narrow.get("enterprise", {})),
        cooperatives=cooperatives_visible_to(user).filter(**narrow.get("cooperative", {})),
    )
    return render(
        request,
        "dashboards/dashboard.html",
        {"title": title, "figures": figures, "breakdown": breakdown, "level": level},
    )


@role_required(*DASHBOARD_ROLES)
def national(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).national:
        raise Http404
    breakdown = sessions_by(
        sessions_visible_to(request.user), "centre__province_id", "centre__province__name"
    )
    return _render(request, "Indonesia", {}, breakdown, "national")


@role_required(*DASHBOARD_ROLES)
def province(request: HttpRequest, code: str) -> HttpResponse:
    place = get_visible_or_404(request.user, Province.objects.all(), code=code)
    narrow = {
        "centre": {"province": place},
        "session": {"centre__province": place},
        "enterprise": {"regency__province": place},
        "cooperative": {"regency__province": place},
    }
    breakdown = sessions_by(
        sessions_visible_to(request.user).filter(centre__province=place),
        "centre_id",
        "centre__name",
    )
    return _render(request, place.name, narrow, breakdown, "province")


@role_required(*DASHBOARD_ROLES)
def centre(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_visible_or_404(request.user, Centre.objects.select_related("province"), pk=pk)
    narrow = {
        "centre": {"pk": place.pk},
        "session": {"centre": place},
        "enterprise": {"centre": place},
        "cooperative": {"centre": place},
    }
    breakdown = sessions_by(
        sessions_visible_to(request.user).filter(centre=place),
        "consultant_id",
        "consultant__first_name",
        "consultant__last_name",
    )
    return _render(request, place.name, narrow, breakdown, "centre")
