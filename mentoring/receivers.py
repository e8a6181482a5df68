"""mentoring's answers to what clinics asks before a change to a centre's staff
(clinics.signals): clinics may not import mentoring, so mentoring answers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from clinics.models import StaffMembership
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking


def bookings_held_at_the_old_centre(
    sender: Any, *, membership: StaffMembership, **kwargs: Any
) -> str | None:
    """A consultant holds their active bookings (docs/booking.md, "Capacity"): moved with them
    held, a client would be waiting for someone the centre no longer has."""
    held = Booking.objects.filter(
        consultant_id=membership.user_id,
        centre_id=membership.centre_id,
        status__in=ACTIVE_BOOKING_STATUSES,
    ).count()
    if not held:
        return None
    return ngettext(
        "Masih memegang %(count)d pemesanan aktif (diajukan atau dikonfirmasi) di PLUT ini. "
        "Alihkan ke konsultan lain atau selesaikan dulu di kotak masuk pemesanan.",
        "Masih memegang %(count)d pemesanan aktif (diajukan atau dikonfirmasi) di PLUT ini. "
        "Alihkan ke konsultan lain atau selesaikan dulu di kotak masuk pemesanan.",
        held,
    ) % {"count": held}
