"""Finding and registering clients from the session form (htmx) or on their own page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from clinics.selectors import centre_of
from cooperatives.forms import EnterpriseRegisterForm
from cooperatives.selectors import clients_search, enterprise_possible_duplicates
from cooperatives.services import enterprise_register as enterprise_register_service
from plut.accounts.decorators import STAFF_ROLES, role_required
from plut.accounts.models import CENTRE_ROLES


@require_GET
@role_required(*STAFF_ROLES)
def client_search(request: HttpRequest) -> HttpResponse:
    enterprises, cooperatives = clients_search(request.user, request.GET.get("q", ""))
    return render(
        request,
        "cooperatives/_client_results.html",
        {"enterprises": enterprises, "cooperatives": cooperatives, "q": request.GET.get("q", "")},
    )


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def enterprise_register(request: HttpRequest) -> HttpResponse:
    """Register a new enterprise at the user's centre, pointing out likely duplicates first."""
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    form = EnterpriseRegisterForm(request.POST or None, province_id=centre.province_id)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm_new"]:
            duplicates = enterprise_possible_duplicates(
                request.user,
                name=form.cleaned_data["name"],
                regency_id=form.cleaned_data["regency"].pk,
                nik=form.cleaned_data["owner_nik"],
            )
        if not duplicates:
            try:
                enterprise = enterprise_register_service(
                    centre=centre,
                    enterprise=form.enterprise_values(),
                    owner=form.owner_values(),
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                if request.htmx:
                    return render(
                        request, "cooperatives/_registered.html", {"enterprise": enterprise}
                    )
                return redirect(reverse("mentoring:enterprise_profile", args=[enterprise.pk]))
    context = {"form": form, "duplicates": duplicates}
    if request.htmx:
        return render(request, "cooperatives/_register_fields.html", context)
    return render(request, "cooperatives/enterprise_register.html", context)
