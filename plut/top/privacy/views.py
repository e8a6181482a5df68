"""Privacy pages: the owner's data and erasure request; the logs managers and administrators
read; showing a full NIK on demand (and logging it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cooperatives.apis import identity_visible
from cooperatives.models import NikView
from cooperatives.selectors import persons_visible_to
from cooperatives.services.records import nik_views_record
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import Role
from plut.foundation.accounts.scope import get_visible_or_404
from plut.foundation.core.history import action_shown, changed_labels, name_of
from plut.foundation.core.pagination import keyset_page
from plut.foundation.core.tables import moment
from plut.top.privacy import selectors, services
from plut.top.privacy.models import ErasureRequest

# Roles that read the logs of their scope; consultants work with the data, managers oversee it.
OVERSIGHT_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
# Who completes erasure: the serving centre's manager, or a national administrator.
ERASURE_ROLES = (Role.NATIONAL, Role.MANAGER)


# --- The owner ----------------------------------------------------------------------------------


@never_cache
@role_required(Role.OWNER, superuser=False)
def my_data(request: HttpRequest) -> HttpResponse:
    page = services.owner_data_page(user=request.user)
    return render(request, "privacy/my_data.html", {"page": page})


@never_cache
@role_required(Role.OWNER, superuser=False)
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = services.owner_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="data-saya-{stamp}.json"'
    return response


@never_cache
@role_required(Role.OWNER, superuser=False)
@require_http_methods(["GET", "POST"])
def erasure_request(request: HttpRequest) -> HttpResponse:
    """Ask for erasure. The account stays usable until a manager completes the request."""
    open_request = request.user.erasure_requests.filter(
        status=ErasureRequest.Status.REQUESTED
    ).first()
    if request.method == "POST":
        services.erasure_request(user=request.user, reason=request.POST.get("reason", "")[:2000])
        messages.success(
            request,
            _("Permintaan penghapusan data Anda sudah kami terima dan diproses dalam 3 x 24 jam."),
        )
        return redirect("privacy:erasure_request")
    return render(request, "privacy/erasure_request.html", {"open_request": open_request})


# --- Staff --------------------------------------------------------------------------------------


@require_POST
@role_required(*STAFF_ROLES)
def nik_show(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The full NIK, for the staff of the centre serving the person, and logged. Others in
    scope (officers, the ministry) keep the masked one: they do not need it to serve anyone."""
    person = get_visible_or_404(request.user, persons_visible_to(request.user), pk=person_pk)
    if not identity_visible(request.user, person) or not person.nik:
        return render(request, "privacy/_nik.html", {"refused": True}, status=403)
    nik_views_record(viewer=request.user, persons=[person], channel=NikView.Channel.PAGE)
    return render(request, "privacy/_nik.html", {"nik": person.nik})


@role_required(*OVERSIGHT_ROLES)
def nik_views(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        selectors.nik_views_visible_to(request.user),
        order=("-viewed_at", "-id"),
        cursor=request.GET.get("cursor"),
    )
    zone = selectors.zone_of_reader(request.user)
    return render(request, "privacy/nik_views.html", {"page": page, "zone": zone})


@dataclass(frozen=True)
class AuditRow:
    """An audit entry in words (plut.foundation.core.history), for the trail's table."""

    when: str
    actor: str
    action: str
    kind: str
    record: str
    fields: str


@role_required(*OVERSIGHT_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        selectors.audit_entries_visible_to(request.user),
        order=("-timestamp", "-id"),
        cursor=request.GET.get("cursor"),
    )
    zone = selectors.zone_of_reader(request.user)
    rows = [
        AuditRow(
            when=moment(entry.timestamp, zone),
            actor=name_of(entry.actor) if entry.actor else "",
            action=action_shown(entry),
            kind=str(entry.content_type.name),
            record=entry.object_repr,
            fields=", ".join(changed_labels(entry)),
        )
        for entry in page.items
    ]
    return render(request, "privacy/audit_log.html", {"page": page, "rows": rows})


@role_required(*ERASURE_ROLES)
def erasure_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        selectors.erasure_requests_visible_to(request.user),
        order=("-requested_at", "-id"),
        cursor=request.GET.get("cursor"),
    )
    zone = selectors.zone_of_reader(request.user)
    return render(request, "privacy/erasure_list.html", {"page": page, "zone": zone})


@require_POST
@role_required(*ERASURE_ROLES)
def erasure_complete(request: HttpRequest, pk: int) -> HttpResponse:
    erasure = get_visible_or_404(
        request.user, selectors.erasure_requests_visible_to(request.user), pk=pk
    )
    try:
        services.erasure_complete(request=erasure, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Data pribadi pemohon sudah dianonimkan."))
    return redirect("privacy:erasure_list")
