"""Centres in the workspace: the centres a user looks after, each one's public details, and
(for the province and the ministry) each one's staff.

Who: a manager their own centre, a provincial officer the centres of their province, a
national user every centre; consultants and owners never (403). Which centres is the scope's
answer (``centres_visible_to``): any other centre is not found (404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clinics.forms.centres import CentreDetailsForm
from clinics.models import Centre, StaffMembership
from clinics.selectors import centre_of, centres_visible_to
from clinics.services.centres import centre_details_set
from clinics.views.team import add_errors
from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import Role
from plut.foundation.accounts.scope import visible_to
from plut.foundation.core.history import history_for

HISTORY_SHOWN = 20


def _centre_or_404(request: HttpRequest, pk: int) -> Centre:
    return get_object_or_404(centres_visible_to(request.user), pk=pk)


@require_safe
@role_required(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
def centre_list(request: HttpRequest) -> HttpResponse:
    """The centres the user looks after; a manager has one and goes straight to it."""
    if request.user.role == Role.MANAGER:
        centre = centre_of(request.user)
        if centre is not None:
            return redirect("clinics:centre_edit", pk=centre.pk)
    centres = centres_visible_to(request.user).order_by("province__name", "name")
    return render(request, "clinics/centre_list.html", {"centres": centres})


@require_http_methods(["GET", "POST"])
@role_required(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
def centre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The centre's public details: address, phone, WhatsApp, email, hours, map, areas."""
    centre = _centre_or_404(request, pk)
    form = CentreDetailsForm(request.POST if request.method == "POST" else None, instance=centre)
    if request.method == "POST" and form.is_valid():
        try:
            centre_details_set(
                centre=centre,
                values=form.details(),
                areas=list(form.cleaned_data["service_areas"]),
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Profil PLUT tersimpan dan tampil di halaman publik."))
            return redirect("clinics:centre_edit", pk=centre.pk)
    return render(
        request,
        "clinics/centre_edit.html",
        {"centre": centre, "form": form, "history": history_for(centre, limit=HISTORY_SHOWN)},
    )


@require_safe
@role_required(Role.NATIONAL, Role.PROVINCIAL)
def centre_staff(request: HttpRequest, pk: int) -> HttpResponse:
    """A centre's managers and consultants, each of whom the province may move elsewhere.
    (A manager has the team pages instead.)"""
    centre = _centre_or_404(request, pk)
    members = (
        visible_to(request.user, StaffMembership.objects.select_related("user"))
        .filter(centre=centre)
        .prefetch_related("areas")
        .order_by("-user__is_active", "user__first_name", "user__last_name", "user__pk")
    )
    return render(request, "clinics/centre_staff.html", {"centre": centre, "members": members})
