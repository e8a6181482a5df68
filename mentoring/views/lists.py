"""The workspace lists of sessions and follow-ups, their exports, and closing a follow-up.

A list and its export read through the same selector and FilterSet, so a download holds
exactly the rows the screen shows, in the same order, and never a row outside the scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from clinics.selectors import attach_centres
from mentoring.exports import FOLLOW_UPS, SESSIONS, follow_ups_filtered
from mentoring.filters import FollowUpFilter, SessionFilter
from mentoring.models import FollowUp, MentoringSession
from mentoring.selectors.records import client_names, follow_ups_visible_to, sessions_visible_to
from mentoring.services.follow_ups import (
    follow_up_can_complete,
    follow_up_can_delete,
    follow_up_complete,
)
from mentoring.tables import (
    FollowUpRow,
    RowForms,
    client_links,
    session_rows,
    session_table,
)
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.pagination import keyset_page
from plut.foundation.exports.views import list_download

# --- Sessions -------------------------------------------------------------------------------


def _session_filter(request: HttpRequest, queryset: QuerySet | None = None) -> SessionFilter:
    if queryset is None:
        queryset = sessions_visible_to(request.user)
    return SessionFilter(request.GET, queryset=queryset, user=request.user)


@require_safe
@role_required(*STAFF_ROLES)
def session_list(request: HttpRequest) -> HttpResponse:
    filterset = _session_filter(request)
    page = keyset_page(
        session_rows(filterset.rows), order=filterset.ordering, cursor=request.GET.get("cursor")
    )
    table = session_table(
        page.items,
        clients=client_names(page.items),
        several_centres=filterset.several_centres,
        empty=filterset.nothing_found(_("Tidak ada sesi yang cocok.")),
    )
    return render(
        request,
        "mentoring/session_list.html",
        {"filterset": filterset, "page": page, "table": table},
    )


@require_safe
@role_required(*STAFF_ROLES)
def session_filter_options(request: HttpRequest) -> JsonResponse:
    """The consultants and client regencies the session filters list for ``?centre=``: the
    list's script refreshes those dropdowns when the centre changes. The same scoped
    FilterSet as the page answers, so a centre outside the scope lists nothing."""
    filterset = SessionFilter(
        request.GET, queryset=MentoringSession.objects.none(), user=request.user
    )
    return JsonResponse(filterset.offered_choices())


@require_safe
@role_required(*STAFF_ROLES)
def session_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return list_download(request, SESSIONS, fmt)


# --- Follow-ups -----------------------------------------------------------------------------


class FollowUpDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan penyelesaian"),
        max_length=500,
        error_messages={"required": _("Tulis catatan singkat tentang hasilnya.")},
    )


def _follow_up_filter(request: HttpRequest) -> FollowUpFilter:
    return follow_ups_filtered(request.user, request.GET)


def _row(
    item: FollowUp, clients: dict[int, str], user: Any, forms: RowForms, **extra: Any
) -> FollowUpRow:
    """One row of the follow-up list (the list and the htmx swap share it)."""
    return FollowUpRow(
        item=item,
        clients=clients.get(item.session_id, ""),
        can_complete=item.done_at is None and follow_up_can_complete(user=user, follow_up=item),
        can_delete=follow_up_can_delete(user=user, follow_up=item),
        several_centres=scope_of(user).centre_id is None,
        forms=forms,
        **extra,
    )


@require_safe
@role_required(*STAFF_ROLES)
def follow_up_list(request: HttpRequest) -> HttpResponse:
    filterset = _follow_up_filter(request)
    page = keyset_page(filterset.rows, order=filterset.ordering, cursor=request.GET.get("cursor"))
    attach_centres(page.items)
    clients = client_links(item.session_id for item in page.items)
    forms = RowForms.of(request, request.get_full_path())
    rows = [_row(item, clients, request.user, forms) for item in page.items]
    return render(
        request,
        "mentoring/follow_up_list.html",
        {
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "tabs": filterset.tabs,
            "next_url": request.get_full_path(),
        },
    )


@require_safe
@role_required(*STAFF_ROLES)
def follow_up_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return list_download(request, FOLLOW_UPS, fmt)


def _back_to_list(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "mentoring:follow_up_list"


@require_POST
@role_required(*STAFF_ROLES)
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a follow-up done with a short note: the row again for htmx, else back to the list."""
    # Outside the scope: 404 from the selector. In scope but not theirs to close: 403 (the
    # service enforces the same rule for any other caller).
    follow_up = get_object_or_404(follow_ups_visible_to(request.user), pk=pk)
    if not follow_up_can_complete(user=request.user, follow_up=follow_up):
        raise PermissionDenied
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        try:
            follow_up_complete(
                follow_up=follow_up, user=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            follow_up.refresh_from_db(fields=["done_at", "done_note"])
    errors = [message for field_errors in form.errors.values() for message in field_errors]
    if request.htmx:
        forms = RowForms.of(request, request.POST.get("next", ""))
        clients = client_links([follow_up.session_id])
        row = _row(follow_up, clients, request.user, forms, errors=errors)
        return render(request, "mentoring/_follow_up_row.html", {"row": row})
    if errors:
        for message in errors:
            messages.error(request, message)
    else:
        messages.success(request, _t("Tindak lanjut ditandai selesai."))
    return redirect(_back_to_list(request))
