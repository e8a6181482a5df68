"""Reads for the API's own models, through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from plut.accounts.scope import visible_to
from plut.api.models import ImportJob


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """A centre's imports: its manager, its province's officer, the ministry."""
    return visible_to(user, ImportJob.objects.select_related("centre", "created_by"))
