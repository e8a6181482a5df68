from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.selectors import centres_visible_to
from mentoring.models import ACTIVE_BOOKING_STATUSES
from mentoring.selectors import bookings_visible_to, follow_ups_visible_to, sessions_visible_to
from plut.accounts.decorators import STAFF_ROLES, role_required


@role_required(*STAFF_ROLES)
def staff_home(request: HttpRequest) -> HttpResponse:
    """The clinic workspace's front page: recent work, open follow-ups, upcoming bookings."""
    user = request.user
    now = timezone.now()
    return render(
        request,
        "mentoring/staff_home.html",
        {
            "centres": centres_visible_to(user)[:10],
            "sessions": sessions_visible_to(user)[:20],
            "follow_ups": follow_ups_visible_to(user)
            .filter(done_at__isnull=True)
            .select_related("session__centre__province")[:20],
            "bookings": bookings_visible_to(user).filter(
                starts_at__gte=now, status__in=ACTIVE_BOOKING_STATUSES
            )[:20],
            "today": timezone.localdate(),
        },
    )
