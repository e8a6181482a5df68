"""Hari ini: the page a consultant or manager opens first each day."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.selectors import centre_of
from mentoring.models import ACTIVE_BOOKING_STATUSES
from mentoring.selectors import bookings_visible_to, follow_ups_visible_to, sessions_visible_to
from plut.accounts.decorators import STAFF_ROLES, role_required
from plut.accounts.models import Role


@role_required(*STAFF_ROLES)
def staff_home(request: HttpRequest) -> HttpResponse:
    """Today's bookings, follow-ups due or overdue, and this week's sessions.

    "Today" is the centre's own day (WIB, WITA or WIT); officers without a centre see their
    whole scope in the server's zone.
    """
    user = request.user
    centre = centre_of(user)
    zone = ZoneInfo(centre.timezone) if centre else timezone.get_current_timezone()
    now = timezone.localtime(timezone.now(), zone)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - datetime.timedelta(days=day_start.weekday())

    follow_ups = follow_ups_visible_to(user).filter(done_at__isnull=True, due_on__lte=now.date())
    sessions = sessions_visible_to(user).filter(starts_at__gte=week_start)
    # A consultant's follow-ups and sessions are their own; a manager sees the whole centre.
    if user.role == Role.CONSULTANT:
        follow_ups = follow_ups.filter(assignee=user)
        sessions = sessions.filter(consultant=user)
    return render(
        request,
        "mentoring/staff_home.html",
        {
            "centre": centre,
            "now": now,
            "bookings": bookings_visible_to(user)
            .filter(
                starts_at__gte=day_start,
                starts_at__lt=day_start + datetime.timedelta(days=1),
                status__in=ACTIVE_BOOKING_STATUSES,
            )
            .order_by("starts_at")[:50],
            "follow_ups": follow_ups.select_related("session__centre")[:50],
            "sessions": sessions.prefetch_related("enterprises")[:50],
            "today": now.date(),
        },
    )
