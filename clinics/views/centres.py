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
from plut.foundation.messaging.forms import WhatsAppSenderForm, WhatsAppTestForm
from plut.foundation.messaging.senders import (
    whatsapp_sender_of,
    whatsapp_sender_secrets_found,
    whatsapp_sender_set,
    whatsapp_sender_test,
)

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


@require_http_methods(["GET", "POST"])
@role_required(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
def centre_whatsapp(request: HttpRequest, pk: int) -> HttpResponse:
    """The centre's own WhatsApp number (where its secrets are, never the secrets) and a test
    send that shows WhatsApp's answer (docs/background-jobs.md, "A centre's WhatsApp set-up")."""
    centre = _centre_or_404(request, pk)
    sender = whatsapp_sender_of(centre.pk)
    form = WhatsAppSenderForm(instance=sender, centre_id=centre.pk)
    test_form = WhatsAppTestForm()
    result: dict[str, object] | None = None
    if request.method == "POST" and request.POST.get("action") == "test":
        test_form = WhatsAppTestForm(request.POST)
        if sender is not None and test_form.is_valid():
            taken, answer = whatsapp_sender_test(sender=sender, to=test_form.cleaned_data["phone"])
            result = {"taken": taken, "answer": answer}
            sender = whatsapp_sender_of(centre.pk)
    elif request.method == "POST":
        # A copy: a form that fails leaves what was posted on its instance, not on the page's
        # saved sender (whose secrets alone the page reports).
        form = WhatsAppSenderForm(
            request.POST, instance=whatsapp_sender_of(centre.pk), centre_id=centre.pk
        )
        if form.is_valid():
            try:
                whatsapp_sender_set(centre_id=centre.pk, **form.values())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Pengaturan WhatsApp PLUT tersimpan."))
                return redirect("clinics:centre_whatsapp", pk=centre.pk)
    return render(
        request,
        "clinics/centre_whatsapp.html",
        {
            "centre": centre,
            "sender": sender,
            "form": form,
            # Only the saved references of this centre: never what was just posted.
            "found": whatsapp_sender_secrets_found(centre.pk),
            "test_form": test_form,
            "result": result,
        },
    )
