from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from plut.accounts.scope import visible_to
from plut.core.models import WorkerHeartbeat


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages list and open only what the user's scope allows (national sees all).

    Defence in depth: the site itself admits national administrators only
    (``plut.core.admin_site``), whose scope is everything. Foreign-key choices, inlines and
    saves are not narrowed here, so this alone would not keep another role in its scope.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible_to(request.user, super().get_queryset(request))


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]
