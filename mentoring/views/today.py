"""Hari ini: the page a consultant or manager opens first each day."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.centre_cache import centres_by_id
from mentoring.selectors.records import zones_of
from mentoring.selectors.today import today_lists
from mentoring.tables import today_tables
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import CENTRE_ROLES
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.calendar import today_in
from plut.foundation.core.dates import TimeZone


@role_required(*STAFF_ROLES)
def staff_home(request: HttpRequest) -> HttpResponse:
    """Today's bookings, follow-ups due or overdue, and this week's sessions.

    "Today" and "this week" are each centre's own (WIB, WITA or WIT): a centre's staff see
    their centre's, and an officer's rows each follow their own centre's calendar.
    """
    user = request.user
    centre_id = scope_of(user).centre_id
    centre = centres_by_id([centre_id]).get(centre_id) if centre_id else None
    zones = [centre.timezone] if centre else zones_of(user)
    # The heading's date: the centre's, an officer's province's, else the portal's (WIB).
    zone = zones[0] if zones else settings.TIME_ZONE
    lists = today_lists(user, zones=zones, now=timezone.now())
    tables = today_tables(
        bookings=lists.bookings,
        follow_ups=lists.follow_ups,
        sessions=lists.sessions,
        logs_sessions=user.role in CENTRE_ROLES,
    )
    return render(
        request,
        "mentoring/staff_home.html",
        {
            "centre": centre,
            # A date, not a moment: the template's date filter would show a moment in WIB.
            "today": today_in(zone),
            "zone_label": TimeZone(zone).label,
            "bookings": lists.bookings,
            "follow_ups": lists.follow_ups,
            "sessions": lists.sessions,
            "tables": tables,
        },
    )
