"""Client profiles in the staff workspace: an enterprise, a cooperative, and their two actions
(record an outcome, merge a duplicate)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.centre_cache import regencies_by_code
from cooperatives.masking import nik_mask
from cooperatives.models import Enterprise, Person, Scale
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.forms.profiles import EnterpriseMergeForm, OutcomeForm
from mentoring.selectors.profiles import (
    cooperative_board,
    cooperative_members,
    cooperative_timeline,
    enterprise_figures,
    enterprise_ladder,
    enterprise_merge_counts,
    enterprise_merge_search,
    enterprise_opt_outs,
    enterprise_timeline,
    with_latest_figures,
)
from mentoring.services import merge as services_merge
from mentoring.services.outcomes import outcome_can_record, outcome_record
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import User
from plut.foundation.accounts.scope import scope_of, visible_among
from plut.foundation.core.history import history_for
from plut.foundation.core.phone import phone_mask


def _enterprise(request: HttpRequest, pk: int, *, figures: bool = False) -> Enterprise:
    """The enterprise, if the user may see it, with its owner and cooperative; its regency and
    that regency's province from those each process keeps (joined, each table added to
    PostgreSQL's planning; docs/performance.md#measurements-behind-the-codes-shape). Not its
    centre: ``enterprise.centre`` reads it from the kept centres (clinics.models.CentreKey).
    With ``figures``, its latest turnover and jobs too (``with_latest_figures``)."""
    enterprises = (
        enterprises_visible_to(request.user)
        .select_related(None)
        .select_related("owner", "cooperative")
    )
    if figures:
        enterprises = with_latest_figures(enterprises)
    enterprise = get_object_or_404(enterprises, pk=pk)
    owner = enterprise.owner
    # The owner's regency too, in the same read: it places the owner in a province's scope.
    regencies = regencies_by_code({enterprise.regency_id, owner.regency_id} - {None})
    if enterprise.regency_id is not None:
        enterprise.regency = regencies[enterprise.regency_id]
    if owner.regency_id is not None:
        owner.regency = regencies[owner.regency_id]
    return enterprise


def _can_log_session(user: User, centre_id: int | None) -> bool:
    """Whether "Catat sesi" may start from this client: sessions are logged by a centre's
    manager and consultants (session_create), for that centre's clients (the form's scope)."""
    return centre_id is not None and scope_of(user).centre_id == centre_id


@role_required(*STAFF_ROLES)
def enterprise_profile(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk, figures=True)
    owner = enterprise.owner
    # The cooperative may belong to another centre: link it only if the user may open it.
    cooperative_visible = bool(
        enterprise.cooperative_id
        and cooperatives_visible_to(request.user).filter(pk=enterprise.cooperative_id).exists()
    )
    timeline = enterprise_timeline(request.user, enterprise)  # attaches its centre
    return render(
        request,
        "mentoring/enterprise_profile.html",
        {
            "enterprise": enterprise,
            "owner": owner,
            # The generated column has no get_scale_display(): its choices sit on output_field.
            "scale_label": Scale(enterprise.scale).label if enterprise.scale else "",
            "cooperative_visible": cooperative_visible,
            # Whoever sees a record may correct it (cooperatives.views.clients): the enterprise
            # is in scope here; its owner may be another centre's client.
            "owner_editable": bool(visible_among(request.user, [owner], Person)),
            "owner_nik": nik_mask(owner.nik),
            "owner_phone": phone_mask(owner.phone),
            "opt_outs": enterprise_opt_outs(enterprise),
            "timeline": timeline,
            "figures": enterprise_figures(enterprise),
            "ladder": enterprise_ladder(enterprise, timeline),
            "can_record": outcome_can_record(user=request.user, enterprise=enterprise),
            "can_log_session": _can_log_session(request.user, enterprise.centre_id),
            "can_merge": services_merge.enterprise_can_merge(
                user=request.user, enterprise=enterprise
            ),
            "history": history_for(enterprise),
        },
    )


@role_required(*STAFF_ROLES)
def cooperative_profile(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = get_object_or_404(cooperatives_visible_to(request.user), pk=pk)
    members, more_members = cooperative_members(request.user, cooperative)
    return render(
        request,
        "mentoring/cooperative_profile.html",
        {
            "cooperative": cooperative,
            "rat_years": settings.COOPERATIVE_ACTIVE_RAT_YEARS,
            "board": [
                (person, phone_mask(person.phone)) for person in cooperative_board(cooperative)
            ],
            "members": members,
            "more_members": more_members,
            "can_log_session": _can_log_session(request.user, cooperative.centre_id),
            "timeline": cooperative_timeline(request.user, cooperative),
            "history": history_for(cooperative),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def outcome_create(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    if not outcome_can_record(user=request.user, enterprise=enterprise):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = OutcomeForm(data, user=request.user, enterprise=enterprise)
    if data is not None and form.is_valid():
        try:
            outcome_record(
                enterprise=enterprise,
                reported_by=request.user,
                data=form.outcome_values(),
                sessions=form.cleaned_data["sessions"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Hasil pendampingan tersimpan."))
            return redirect("mentoring:enterprise_profile", pk=enterprise.pk)
    return render(request, "mentoring/outcome_form.html", {"form": form, "enterprise": enterprise})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def enterprise_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a duplicate (GET, with ``q`` to search), confirm (GET with ``remove``), merge (POST).

    The record at ``pk`` is the one kept.
    """
    keep = _enterprise(request, pk)
    if not services_merge.enterprise_can_merge(user=request.user, enterprise=keep):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if "remove" in request.GET else None
    form = EnterpriseMergeForm(data, user=request.user, keep=keep)
    context = {"keep": keep, "form": form, "query": query}
    if data is not None and form.is_valid():
        remove = form.cleaned_data["remove"]
        if request.method == "POST":
            try:
                kept = services_merge.enterprise_merge(keep=keep, remove=remove, user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(removed)s digabungkan ke %(kept)s.")
                    % {"removed": remove.name, "kept": kept.name},
                )
                return redirect("mentoring:enterprise_profile", pk=kept.pk)
        fills = services_merge.enterprise_merge_fills(keep=keep, remove=remove)
        context.update(
            remove=remove,
            counts=enterprise_merge_counts(keep=keep, remove=remove),
            fills=[(f.name, f.verbose_name, getattr(remove, f.name)) for f in fills],
        )
    else:
        form.offer(enterprise_merge_search(request.user, keep, query))
    return render(request, "mentoring/enterprise_merge.html", context)
