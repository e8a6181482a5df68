"""Online booking, read side: which slots are free, who proved they own a record, and the
signed manage links.

``slots_for`` takes a centre's bookable staff and their hours from what each process keeps
(``clinics.centre_cache.bookable_staff``), loads absences and bookings in two bounded queries,
and hands them to the pure slot logic in ``mentoring.slots``: the whole horizon for the
booking page, or only the chosen slot's day when booking one (``at``). An area no consultant
covers offers no slots. The writes that take a slot are ``mentoring.services.bookings``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.core import signing
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from clinics.centre_cache import bookable_staff
from clinics.models import Absence, Centre, ServiceArea
from cooperatives.models import Person
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking
from mentoring.slots import Slot, WeeklyWindow, free_slots
from plut.foundation.accounts.models import Role, User
from plut.foundation.core.calendar import closed_days
from plut.foundation.core.errors import Conflict

BOOKING_DAYS = 28
MANAGE_SALT = "mentoring.booking.manage"
# A manage link works until well after the booking: long enough to reschedule twice.
MANAGE_MAX_AGE = datetime.timedelta(days=60)


class SlotTaken(Conflict):
    """The chosen slot was taken by someone else a moment ago."""

    message = gettext_lazy("Jadwal ini baru saja diambil orang lain. Pilih jadwal lain.")


@dataclass(frozen=True)
class SlotOffer:
    slots: list[Slot]
    # False when no active consultant of the centre covers the area: no slots, the centre
    # is reached by its contact details instead.
    routable: bool


class _Span(Func):
    # The expression of the exclusion constraint's GiST index (migration 0015), so an overlap
    # test on it reads only the active bookings of those consultants around that time.
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _active_bookings(
    consultant_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Booking]:
    """The active bookings of these consultants that overlap [start, end)."""
    bookings = Booking.objects.filter(
        consultant_id__in=consultant_ids,
        status__in=ACTIVE_BOOKING_STATUSES,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if connection.vendor == "postgresql":
        bookings = bookings.alias(
            span=_Span(F("starts_at"), F("held_until"), RangeBoundary())
        ).filter(span__overlap=DateTimeTZRange(start, end, "[)"))
    return bookings


def slots_for(
    *,
    centre: Centre,
    area: ServiceArea,
    now: datetime.datetime | None = None,
    days: int = BOOKING_DAYS,
    at: datetime.datetime | None = None,
    ignore_booking: Booking | None = None,
) -> SlotOffer:
    """The free slots of ``centre`` for ``area`` over the next ``days`` days; with ``at``,
    only the slot starting then, if it is free (what booking it checks).

    Two queries whatever the number of bookings, each bounded by the days it covers: the
    whole horizon, or with ``at`` only the slot (and the centre's buffer around it); two more
    when the staff are not kept (``CENTRE_CACHE`` off, or their version moved).
    """
    now = now or timezone.now()
    tz = ZoneInfo(centre.timezone)
    buffer = datetime.timedelta(minutes=centre.buffer_minutes)
    if at is None:
        first = timezone.localtime(now, tz).date()
        last = first + datetime.timedelta(days=days - 1)
        start = datetime.datetime.combine(first, datetime.time(), tzinfo=tz) - buffer
        end = datetime.datetime.combine(last, datetime.time(), tzinfo=tz) + (
            datetime.timedelta(days=1) + buffer
        )
    else:
        first = last = at.astimezone(tz).date()
        start, end = at - buffer, at + datetime.timedelta(minutes=area.slot_minutes) + buffer
    staff = bookable_staff(centre.pk, area.pk)
    pool = staff.pool
    hours = {
        user_id: [WeeklyWindow(*window) for window in windows]
        for user_id, windows in staff.hours.items()
    }
    leave: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for membership_id, starts_on, ends_on in Absence.objects.filter(
        membership_id__in=pool, ends_on__gte=first, starts_on__lte=last
    ).values_list("membership_id", "starts_on", "ends_on"):
        leave[pool[membership_id]].append((starts_on, ends_on))
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    bookings = _active_bookings(list(pool.values()), start, end)
    if ignore_booking is not None:
        bookings = bookings.exclude(pk=ignore_booking.pk)
    for consultant_id, starts_at, ends_at in bookings.values_list(
        "consultant_id", "starts_at", "ends_at"
    ):
        busy[consultant_id].append((starts_at, ends_at))

    slots = free_slots(
        zone=centre.timezone,
        hours=hours,
        leave=leave,
        busy=busy,
        closed_days=closed_days(first, last),
        slot_minutes=area.slot_minutes,
        buffer_minutes=centre.buffer_minutes,
        notice_minutes=centre.min_notice_minutes,
        now=now,
        days=days,
        at=at,
    )
    return SlotOffer(slots=slots, routable=bool(pool))


def booking_owner(user: User | AnonymousUser) -> Person | None:
    """The client record a signed-in owner has proven is theirs, or None: an owner account
    whose email is verified, linked to its Person (``plut.foundation.accounts.services``). Nobody
    else proves anything about existing records."""
    if not user.is_authenticated or user.role != Role.OWNER or user.email_verified_at is None:
        return None
    return Person.objects.filter(user=user).first()


def owner_may_change(booking: Booking, now: datetime.datetime | None = None) -> bool:
    """Owners reschedule or cancel themselves until the centre's cut-off before the start."""
    now = now or timezone.now()
    cutoff = datetime.timedelta(hours=booking.centre.owner_change_cutoff_hours)
    return booking.status in ACTIVE_BOOKING_STATUSES and booking.starts_at - now > cutoff


def manage_token(booking: Booking) -> str:
    return signing.dumps(booking.pk, salt=MANAGE_SALT, compress=True)


def booking_from_token(token: str) -> Booking:
    """The booking a manage link points at; ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) when the link was forged, damaged or is too old."""
    pk = signing.loads(token, salt=MANAGE_SALT, max_age=MANAGE_MAX_AGE)
    return Booking.objects.select_related(
        "centre__province", "service_area", "enterprise", "consultant"
    ).get(pk=pk)
