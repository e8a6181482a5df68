"""Hari ini: the page a consultant or manager opens first each day."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.selectors import centre_of
from mentoring.models import ACTIVE_BOOKING_STATUSES
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    on_centres_clock,
    sessions_visible_to,
)
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import Role
from plut.foundation.core.calendar import day_bounds, today_in
from plut.foundation.core.dates import TimeZone


def _today(zone: str) -> Q:
    start, tomorrow = day_bounds(timezone.now(), zone)
    return Q(starts_at__gte=start, starts_at__lt=tomorrow)


def _this_week(zone: str) -> Q:
    start, _tomorrow = day_bounds(timezone.now(), zone)
    return Q(starts_at__gte=start - datetime.timedelta(days=start.weekday()))


@role_required(*STAFF_ROLES)
def staff_home(request: HttpRequest) -> HttpResponse:
    """Today's bookings, follow-ups due or overdue, and this week's sessions.

    "Today" and "this week" are each centre's own (WIB, WITA or WIT): a centre's staff see
    their centre's, and an officer's rows each follow their own centre's calendar.
    """
    user = request.user
    centre = centre_of(user)
    zones = [centre.timezone] if centre else None  # else every zone, each on its own clock
    follow_ups = follow_ups_visible_to(user).filter(
        on_centres_clock(
            lambda zone: Q(due_on__lte=today_in(zone)),
            zones=zones,
            zone_path="session__centre__province__timezone",
        ),
        done_at__isnull=True,
    )
    sessions = sessions_visible_to(user).filter(on_centres_clock(_this_week, zones=zones))
    # A consultant's follow-ups and sessions are their own; a manager sees the whole centre.
    if user.role == Role.CONSULTANT:
        follow_ups = follow_ups.filter(assignee=user)
        sessions = sessions.filter(consultant=user)
    bookings = bookings_visible_to(user).filter(
        on_centres_clock(
            lambda zone: _today(zone) & Q(status__in=ACTIVE_BOOKING_STATUSES), zones=zones
        )
    )
    # The heading's date: the centre's, an officer's province's, else the portal's (WIB).
    zone = centre.timezone if centre else getattr(user.province, "timezone", None)
    zone = zone or settings.TIME_ZONE
    return render(
        request,
        "mentoring/staff_home.html",
        {
            "centre": centre,
            # A date, not a moment: the template's date filter would show a moment in WIB.
            "today": today_in(zone),
            "zone_label": TimeZone(zone).label,
            "bookings": bookings.order_by("starts_at")[:50],
            "follow_ups": follow_ups.select_related("session__centre__province")[:50],
            "sessions": sessions.prefetch_related("enterprises")[:50],
        },
    )
