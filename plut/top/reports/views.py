"""The monthly reports of the places a user sees: list, ask for one, watch it, download it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from clinics.selectors import centres_visible_to
from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.scope import get_visible_or_404, scope_of, visible_to
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.regions.models import Province
from plut.top.dashboards.views import DASHBOARD_ROLES
from plut.top.reports.models import Report, ReportLevel, ReportStatus
from plut.top.reports.services import report_request

LIST_SIZE = 100


def _reports(user: Any):
    return visible_to(user, Report.objects.select_related("centre", "province"))


class ReportRequestForm(forms.Form):
    place = forms.ChoiceField(label=_("Cakupan"))
    month = BoundedDateField(
        label=_("Bulan"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        centres = list(centres_visible_to(user).order_by("province_id", "name"))
        choices: list[tuple[str, str]] = []
        if scope_of(user).national:
            choices.append(("national", "Indonesia"))
        if not scope_of(user).centre_id:
            provinces = {centre.province_id: centre.province for centre in centres}
            choices += [(f"province:{code}", p.name) for code, p in sorted(provinces.items())]
        choices += [(f"centre:{centre.pk}", centre.name) for centre in centres]
        self.fields["place"].choices = choices
        self.centres = {str(centre.pk): centre for centre in centres}

    def clean_month(self) -> datetime.date:
        month = self.cleaned_data["month"].replace(day=1)
        if month > timezone.localdate():
            raise forms.ValidationError(_("Bulan belum dimulai."))
        return month

    def place_kwargs(self) -> dict[str, Any]:
        level, _sep, key = self.cleaned_data["place"].partition(":")
        if level == ReportLevel.CENTRE:
            return {"level": level, "centre": self.centres[key]}
        if level == ReportLevel.PROVINCE:
            return {"level": level, "province": Province.objects.get(code=key)}
        return {"level": ReportLevel.NATIONAL}


@require_safe
@role_required(*DASHBOARD_ROLES)
def report_list(request: HttpRequest) -> HttpResponse:
    reports = _reports(request.user)[:LIST_SIZE]
    form = ReportRequestForm(user=request.user, initial={"month": timezone.localdate()})
    return render(request, "reports/report_list.html", {"reports": reports, "form": form})


@require_POST
@role_required(*DASHBOARD_ROLES)
def report_request_view(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        reports = _reports(request.user)[:LIST_SIZE]
        return render(
            request, "reports/report_list.html", {"reports": reports, "form": form}, status=400
        )
    month = form.cleaned_data["month"]
    # The running month's numbers still change: asking again rebuilds it.
    current = month == timezone.localdate().replace(day=1)
    report = report_request(
        **form.place_kwargs(), month=month, requested_by=request.user, regenerate=current
    )
    return redirect("dashboards:reports:detail", pk=report.pk)


@require_safe
@role_required(*DASHBOARD_ROLES)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(request.user, _reports(request.user), pk=pk)
    template = "reports/_status.html" if request.htmx else "reports/report_detail.html"
    return render(
        request,
        template,
        {
            "report": report,
            "working": report.status in (ReportStatus.PENDING, ReportStatus.RUNNING),
        },
    )


@require_safe
@role_required(*DASHBOARD_ROLES)
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = get_visible_or_404(request.user, _reports(request.user), pk=pk)
    if fmt not in ("xlsx", "pdf") or report.status != ReportStatus.DONE:
        raise Http404
    field = report.xlsx if fmt == "xlsx" else report.pdf
    return FileResponse(
        field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1]
    )
