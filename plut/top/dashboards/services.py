"""The weekly utilisation of every centre and the under-use ("rumah hantu") alert."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from plut.foundation.accounts.models import Role, User
from plut.foundation.messaging.services import message_queue, user_language
from plut.top.dashboards.filters import NATIONAL, Filters, Place, SystemReader
from plut.top.dashboards.models import CentreUtilisation
from plut.top.dashboards.periods import Period
from plut.top.dashboards.selectors import centre_league

TRAILING_WEEKS = 8
FIGURES = ("sessions", "consultants", "per_consultant_day", "fill_rate", "enterprises")


def last_complete_week(today: datetime.date | None = None) -> datetime.date:
    """The Monday of the last whole ISO week before ``today`` (WIB date)."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)


def utilisation_compute(*, week_start: datetime.date) -> list[CentreUtilisation]:
    """Every centre's figures for one ISO week, compared with the floor in settings and with
    the centre's own average of the eight weeks before; stored (an upsert, so running it again
    replaces the week's rows) and returned."""
    if week_start.weekday() != 0:
        raise ValueError("A week starts on a Monday.")
    week = Period(week_start, week_start + datetime.timedelta(days=6))
    league = centre_league(SystemReader(), Place(NATIONAL), Filters(period=week, preset="custom"))
    trailing = dict(
        CentreUtilisation.objects.filter(
            week_start__gte=week_start - datetime.timedelta(weeks=TRAILING_WEEKS),
            week_start__lt=week_start,
            per_consultant_day__isnull=False,
        )
        .values("centre_id")
        .annotate(average=Avg("per_consultant_day"))
        .values_list("centre_id", "average")
    )
    working_days = week.working_days()
    rows = []
    for centre in league:
        rate, fill = centre["per_consultant_day"], centre["fill_rate"]
        average = trailing.get(centre["centre_id"])
        below_floor = (
            rate is None
            or rate < settings.UNDERUSE_MIN_SESSIONS_PER_CONSULTANT_DAY
            or (fill is not None and fill < settings.UNDERUSE_MIN_FILL_RATE)
        )
        dropped = bool(average) and (rate or 0) < average * settings.UNDERUSE_DROP_RATIO
        rows.append(
            CentreUtilisation(
                centre_id=centre["centre_id"],
                week_start=week_start,
                sessions=centre["sessions"],
                consultants=centre["consultants"],
                working_days=working_days,
                per_consultant_day=rate,
                fill_rate=fill,
                enterprises=centre["enterprises"],
                trailing_per_consultant_day=average,
                below_floor=below_floor,
                dropped=dropped,
                flagged=below_floor or dropped,
                computed_at=timezone.now(),
            )
        )
    CentreUtilisation.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["centre", "week_start"],
        update_fields=[
            *FIGURES,
            "working_days",
            "trailing_per_consultant_day",
            "below_floor",
            "dropped",
            "flagged",
            "computed_at",
        ],
    )
    return rows


def utilisation_digest(*, week_start: datetime.date) -> int:
    """Queue the week's flagged centres to the officers of their provinces and to the ministry,
    once per person and week (the outbox key)."""
    flagged = list(
        CentreUtilisation.objects.filter(week_start=week_start, flagged=True)
        .select_related("centre__province")
        .order_by("centre__province_id", "centre__name")
    )
    if not flagged:
        return 0
    people = User.objects.filter(is_active=True, role__in=(Role.PROVINCIAL, Role.NATIONAL))
    provinces = {row.centre.province_id for row in flagged}
    queued = 0
    with transaction.atomic():
        for user in people.exclude(email="").order_by("pk"):
            if user.role == Role.PROVINCIAL and user.province_id not in provinces:
                continue
            rows = [
                row
                for row in flagged
                if user.role == Role.NATIONAL or row.centre.province_id == user.province_id
            ]
            message_queue(
                key=f"underuse:{week_start.isoformat()}:user:{user.pk}",
                kind="underuse_digest",
                to=user.email,
                template="dashboards/email/underuse_digest",
                context=_digest_context(user, week_start, rows),
                language=user_language(user),
            )
            queued += 1
    return queued


def _digest_context(user: User, week_start: datetime.date, rows: list) -> dict[str, Any]:
    return {
        "user": user,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "rows": rows,
        "floor": settings.UNDERUSE_MIN_SESSIONS_PER_CONSULTANT_DAY,
        "fill_floor": settings.UNDERUSE_MIN_FILL_RATE,
        "link": settings.SITE_URL + "/dashboard/",
    }


def utilisation_weekly(*, today: datetime.date | None = None) -> int:
    """The beat job: last week's figures, then the digest (sent once whatever the reruns)."""
    week_start = last_complete_week(today)
    utilisation_compute(week_start=week_start)
    return utilisation_digest(week_start=week_start)
