"""Dashboard figures, aggregated by the database over querysets already narrowed to a scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from clinics.models import Centre
from cooperatives.models import Cooperative, Enterprise, rat_cutoff
from mentoring.models import MentoringSession


@dataclass(frozen=True)
class Summary:
    centres: int
    sessions: int
    contact_hours: float
    enterprises: int
    cooperatives: int
    cooperatives_active: int
    members: int
    workforce: int
    since: datetime.date


def summary(
    *,
    centres: QuerySet[Centre],
    sessions: QuerySet[MentoringSession],
    enterprises: QuerySet[Enterprise],
    cooperatives: QuerySet[Cooperative],
    days: int = 365,
) -> Summary:
    """Headline counts: four aggregate queries whatever the number of rows."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    work = sessions.filter(starts_at__date__gte=since).aggregate(
        count=Count("pk"), minutes=Sum("contact_minutes")
    )
    coops = cooperatives.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(last_rat_on__gte=rat_cutoff())),
        members=Sum("members"),
        workforce=Sum("workforce"),
    )
    return Summary(
        centres=centres.count(),
        sessions=work["count"],
        contact_hours=round((work["minutes"] or 0) / 60, 1),
        enterprises=enterprises.count(),
        cooperatives=coops["total"],
        cooperatives_active=coops["active"],
        members=coops["members"] or 0,
        workforce=coops["workforce"] or 0,
        since=since,
    )


def sessions_by(
    sessions: QuerySet[MentoringSession], *fields: str, days: int = 365
) -> list[dict[str, Any]]:
    """Session counts grouped by ``fields`` (one GROUP BY query), largest first."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(
        sessions.filter(starts_at__date__gte=since)
        .order_by()
        .values(*fields)
        .annotate(count=Count("pk"))
        .order_by("-count", *fields)
    )
