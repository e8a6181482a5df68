"""The outbox as managers see it: what their centre sent, and what failed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import Role
from plut.foundation.core.pagination import keyset_page
from plut.foundation.messaging.models import MessageStatus
from plut.foundation.messaging.selectors import messages_visible_to


@require_safe
@role_required(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
def outbox(request: HttpRequest) -> HttpResponse:
    rows = messages_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in MessageStatus.values:
        rows = rows.filter(status=status)
    page = keyset_page(rows, order=("-created_at", "-id"), cursor=request.GET.get("cursor"))
    return render(
        request,
        "messaging/outbox.html",
        {"page": page, "status": status, "statuses": MessageStatus.choices},
    )
