"""Staff confirm an outcome an owner reported through a check-in (a button on the profile)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring.selectors.records import outcomes_visible_to
from mentoring.services.checkins import outcome_can_verify, outcome_verify
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required


@require_POST
@role_required(*STAFF_ROLES)
def outcome_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_object_or_404(
        outcomes_visible_to(request.user).select_related("enterprise"), pk=pk
    )
    if not outcome_can_verify(user=request.user, outcome=outcome):
        raise PermissionDenied
    outcome_verify(outcome=outcome, by=request.user)
    messages.success(request, _("Hasil yang dilaporkan pelaku usaha sudah diverifikasi."))
    return redirect("mentoring:enterprise_profile", pk=outcome.enterprise_id)
