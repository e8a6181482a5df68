"""The owner's home: their own enterprises, coming bookings, the advice received, what to do
next and how the business has changed, each through the owner scope."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.selectors import attach_centres
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.models import ACTIVE_BOOKING_STATUSES
from mentoring.selectors.bookings import manage_token
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.accounts.decorators import AuthenticatedHttpRequest, role_required
from plut.foundation.accounts.models import Role

# Rows per list on the owner's page: enough for years of an owner's visits, and a bound.
OWNER_PAGE_ROWS = 20


@role_required(Role.OWNER, superuser=False)
def owner_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An owner's own records: enterprises, coming bookings, the advice received, what to do
    next, and how the business has changed. Every list comes through the owner scope."""
    user = request.user
    now = timezone.now()
    # Only the relations the cards show are joined: with the centres and their provinces as
    # well, the owner's scope (a subquery of four tables) and the rows made more than eight
    # tables, which PostgreSQL no longer orders freely; it read all five million sessions
    # (docs/performance.md, session 14: the workspace). The centres are the kept ones.
    # Each coming booking with the token of its manage link, the same signed link the
    # confirmation email carries (no query).
    bookings = {
        booking: manage_token(booking)
        for booking in bookings_visible_to(user)
        .select_related(None)
        .select_related("service_area")
        .filter(status__in=ACTIVE_BOOKING_STATUSES, ends_at__gt=now)
        .order_by("starts_at", "id")[:OWNER_PAGE_ROWS]
    }
    sessions = list(
        sessions_visible_to(user)
        .select_related(None)
        .select_related("service_area", "consultant")
        .filter(starts_at__lt=now)
        .order_by("-starts_at", "-id")[:OWNER_PAGE_ROWS]
    )
    attach_centres([*bookings, *sessions])
    return render(
        request,
        "mentoring/owner_home.html",
        {
            "enterprises": enterprises_visible_to(user),
            "cooperatives": cooperatives_visible_to(user),
            "bookings": bookings,
            "sessions": sessions,
            "follow_ups": follow_ups_visible_to(user)
            .filter(done_at__isnull=True)
            .order_by("due_on", "id")[:OWNER_PAGE_ROWS],
            "outcomes": outcomes_visible_to(user).order_by("-recorded_on", "-id")[:OWNER_PAGE_ROWS],
            "email_unverified": bool(user.email) and user.email_verified_at is None,
        },
    )
