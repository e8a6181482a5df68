"""Online booking: which slots are free, and taking one without ever double-booking.

Reads (``slots_for``) take a centre's bookable staff and their hours from what each process
keeps (``clinics.centre_cache.bookable_staff``), load absences and bookings in two bounded
queries, and hand them to the pure slot logic in ``mentoring.slots``: the whole horizon for the
booking page, or only the chosen slot's day when booking one (``at``). Writes
(``booking_request``, ``booking_reschedule``) re-check that one slot inside the transaction and
let PostgreSQL's exclusion constraint (migrations 0004, 0015) settle any race: every booking is
placed with a consultant who covers the area and holds them until its end plus the centre's
buffer (``held_until``), the constraint keeps one consultant's held ranges apart, and the
loser tries the next free consultant, and when none is left gets ``SlotTaken``. An area no
consultant covers offers no slots.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, F, Func, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinics.centre_cache import bookable_staff
from clinics.models import Absence, Centre, ServiceArea
from cooperatives.models import Enterprise, Person
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Mode
from mentoring.slots import Slot, WeeklyWindow, free_slots
from plut.accounts.models import ConsentText, Role, User
from plut.core.calendar import closed_days
from plut.messaging.models import Channel

BOOKING_DAYS = 28
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
MANAGE_SALT = "mentoring.booking.manage"
# A manage link works until well after the booking: long enough to reschedule twice.
MANAGE_MAX_AGE = datetime.timedelta(days=60)


class SlotTaken(Exception):
    """The chosen slot was taken by someone else a moment ago."""


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


def _least_booked_first(consultant_ids: tuple[int, ...], now: datetime.datetime) -> list[int]:
    load = dict(
        Booking.objects.filter(
            consultant_id__in=consultant_ids,
            status__in=ACTIVE_BOOKING_STATUSES,
            starts_at__gte=now,
        )
        .values_list("consultant_id")
        .annotate(n=Count("pk"))
        .values_list("consultant_id", "n")
    )
    return sorted(consultant_ids, key=lambda cid: (load.get(cid, 0), cid))


# A booking's related rows were just read or written by the caller, in this transaction: a
# query each to prove they exist would only cost time (the foreign keys still hold).
_READ_IN_THIS_TRANSACTION = ["enterprise", "centre", "service_area", "consultant", "consent"]


def _place(booking: Booking, slot: Slot, now: datetime.datetime) -> None:
    """Save ``booking`` in ``slot`` with the least-booked free consultant, holding them
    through the centre's buffer after it."""
    booking.starts_at, booking.ends_at = slot.starts_at, slot.ends_at
    booking.held_until = slot.ends_at + datetime.timedelta(minutes=booking.centre.buffer_minutes)
    # The times come from the slot walk, and the table's constraints (end after start, no
    # overlap per consultant) are enforced by the insert itself: checking them first would
    # cost a savepoint and a query per booking.
    booking.full_clean(
        exclude=_READ_IN_THIS_TRANSACTION, validate_unique=False, validate_constraints=False
    )
    for consultant_id in _least_booked_first(slot.consultant_ids, now):
        booking.consultant_id = consultant_id
        try:
            # A savepoint: losing the race for one consultant must not end the transaction.
            with transaction.atomic():
                booking.save()
            return
        except IntegrityError:
            continue
        except OperationalError as error:
            if not _deadlocked(error):
                raise
            # Lost too: two overlapping inserts each waited in the exclusion constraint for
            # the other, and PostgreSQL gave up this one; the other goes on to its booking.
            continue
    raise SlotTaken


def _deadlocked(error: OperationalError) -> bool:
    return getattr(error.__cause__, "pgcode", None) == DEADLOCK_DETECTED


def _the_slot(offer: SlotOffer) -> Slot:
    if not offer.slots:
        raise SlotTaken
    return offer.slots[0]


def _open_bookings_of(phone: str, email: str, now: datetime.datetime, up_to: int) -> int:
    """Active bookings ahead made with this phone or email, counted up to ``up_to`` (the cap:
    whether it is reached is all the caller asks).

    Only bookings typed with the contact: counting the bookings of a client whose record holds
    it would tell whoever types a stranger's number that the stranger has bookings."""
    typed = Q()
    if phone:
        typed |= Q(contact_phone=phone)
    if email:
        typed |= Q(contact_email__iexact=email)
    if not typed:
        return 0
    ahead = Booking.objects.filter(status__in=ACTIVE_BOOKING_STATUSES, starts_at__gte=now)
    return len(ahead.filter(typed).order_by().values_list("pk", flat=True)[:up_to])


def booking_owner(user: User | AnonymousUser) -> Person | None:
    """The client record a signed-in owner has proven is theirs, or None: an owner account
    whose email is verified, linked to its Person (``plut.accounts.services``). Nobody else
    proves anything about existing records."""
    if not user.is_authenticated or user.role != Role.OWNER or user.email_verified_at is None:
        return None
    return Person.objects.filter(user=user).first()


def _own_enterprise(owner: Person, client: dict[str, Any]) -> Enterprise | None:
    """The owner's own enterprise with the NIB typed, else with the name typed."""
    match = Q(name__iexact=client["name"])
    if client.get("nib"):
        match |= Q(nib=client["nib"])
    found = list(Enterprise.objects.filter(match, owner=owner).order_by("pk"))
    for enterprise in found:
        if client.get("nib") and enterprise.nib == client["nib"]:
            return enterprise
    return found[0] if found else None


def _client(centre: Centre, client: dict[str, Any], owner: Person | None) -> Enterprise:
    """The enterprise a public booking is filed under.

    Only what the booker proved is matched: a signed-in owner's own enterprises (``owner``).
    Anyone else gets records of their own, exactly as typed, whatever records share the NIB,
    phone or email typed: a stranger must neither learn about someone's records nor add to
    them. Staff see the likely duplicates on the booking's page and link it by merging.
    """
    if owner is not None:
        known = _own_enterprise(owner, client)
        if known is not None:
            return known
    else:
        owner = Person(
            full_name=client["owner_name"],
            phone=client.get("phone", ""),
            email=client.get("email", ""),
            regency=client["regency"],
            centre=centre,
            from_public_booking=True,
        )
        owner.full_clean(exclude=["regency", "centre"])  # given by the caller, read already
        owner.save()
    enterprise = Enterprise(
        name=client["name"], regency=client["regency"], owner=owner, centre=centre
    )
    # NIB is unique: checked by the insert below, not by a look-up first.
    enterprise.full_clean(exclude=["regency", "owner", "centre"], validate_unique=False)
    if client.get("nib"):
        enterprise.nib = client["nib"]
        try:
            with transaction.atomic():  # a savepoint: a refused insert must not end the booking
                enterprise.save()
            return enterprise
        except IntegrityError:
            # Another record holds it. The booking keeps it as typed (contact_nib) for staff;
            # the visitor sees no difference.
            enterprise.nib = None
    enterprise.save()
    return enterprise


def booking_language() -> str:
    active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return active if active in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def booking_request(
    *,
    centre: Centre,
    area: ServiceArea,
    mode: str,
    starts_at: datetime.datetime,
    client: dict[str, Any],
    description: str,
    consent: ConsentText,
    owner: Person | None = None,
    enterprise: Enterprise | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Book a consultation for an owner from the public site or the API.

    ``client`` holds what was typed: name, nib, regency, owner_name, phone (E.164) and email;
    the booking keeps it. It is filed under ``enterprise`` when the caller proved it (the API:
    one in the user's scope), else under one of ``owner``'s (``booking_owner``: a signed-in,
    verified owner), else under new records (``_client``). Raises ``SlotTaken`` when the slot
    is no longer free and ``ValidationError`` for the cap of open bookings per phone/email.
    """
    now = now or timezone.now()
    if mode not in (Mode.IN_PERSON, Mode.ONLINE):
        raise ValidationError({"mode": _("Pilih konsultasi di PLUT atau daring.")})
    with transaction.atomic():
        # The slot first: when many owners go for the same hour, most lose it, and they need
        # not wait for their bookings to be counted first.
        offer = slots_for(centre=centre, area=area, now=now, at=starts_at)
        slot = _the_slot(offer)
        cap = centre.open_bookings_cap
        if _open_bookings_of(client.get("phone", ""), client.get("email", ""), now, cap) >= cap:
            raise ValidationError(
                _(
                    "Anda sudah memiliki %(count)s pemesanan aktif. Ubah atau batalkan salah "
                    "satunya lewat tautan di pesan konfirmasi."
                )
                % {"count": centre.open_bookings_cap}
            )
        booking = Booking(
            enterprise=enterprise or _client(centre, client, owner),
            centre=centre,
            service_area=area,
            mode=mode,
            description=description,
            consent=consent,
            contact_phone=client.get("phone", ""),
            contact_email=client.get("email", ""),
            contact_name=client["owner_name"],
            contact_business=client["name"],
            contact_nib=client.get("nib") or "",
            preferred_channel=client.get("preferred_channel", Channel.EMAIL),
            # Messages about the booking are written in the language it was made in.
            language=booking_language(),
            status=BookingStatus.REQUESTED
            if centre.requires_confirmation
            else BookingStatus.CONFIRMED,
        )
        _place(booking, slot, now)
    return booking


def booking_reschedule(
    *, booking: Booking, starts_at: datetime.datetime, now: datetime.datetime | None = None
) -> Booking:
    """Move an active booking to another free slot of the same centre and area."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            # Only the booking's row: locking the joined centre too would queue every
            # reschedule at the centre behind one another (and behind edits of the centre).
            Booking.objects.select_for_update(of=("self",))
            .select_related("centre__province", "service_area")
            .get(pk=booking.pk)
        )
        if booking.status not in ACTIVE_BOOKING_STATUSES:
            raise ValidationError(_("Pemesanan ini sudah tidak aktif."))
        offer = slots_for(
            centre=booking.centre,
            area=booking.service_area,
            now=now,
            at=starts_at,
            ignore_booking=booking,
        )
        _place(booking, _the_slot(offer), now)
    return booking


def booking_cancel(*, booking: Booking, reason: str) -> Booking:
    changed = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE_BOOKING_STATUSES).update(
        status=BookingStatus.CANCELLED, status_reason=reason
    )
    if not changed:
        raise ValidationError(_("Pemesanan ini sudah tidak aktif."))
    booking.refresh_from_db()
    return booking


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
