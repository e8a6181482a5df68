"""Online booking: which slots are free, and taking one without ever double-booking.

Reads (``slots_for``) load a centre's hours, absences and bookings in three queries and hand
them to the pure slot logic in ``mentoring.slots``. Writes (``booking_request``,
``booking_reschedule``) re-check the slot inside the transaction and let PostgreSQL's
exclusion constraint (migration 0004) settle any race: the loser tries the next free
consultant, and when none is left gets ``SlotTaken``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinics.models import Absence, Centre, ServiceArea, StaffMembership, WorkingHours
from cooperatives.models import Enterprise, Person
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Mode
from mentoring.slots import Slot, WeeklyWindow, free_slots
from plut.accounts.models import ConsentText, Role
from plut.messaging.models import Channel

BOOKING_DAYS = 28
MANAGE_SALT = "mentoring.booking.manage"
# A manage link works until well after the booking: long enough to reschedule twice.
MANAGE_MAX_AGE = datetime.timedelta(days=60)


class SlotTaken(Exception):
    """The chosen slot was taken by someone else a moment ago."""


@dataclass(frozen=True)
class SlotOffer:
    slots: list[Slot]
    # False when no consultant covers the area: slots follow the centre's hours and a
    # manager assigns the booking by hand.
    routable: bool


def _closed_days(first: datetime.date, days: int) -> set[datetime.date]:
    years = {first.year, (first + datetime.timedelta(days=days)).year}
    return set(holidays.country_holidays("ID", years=sorted(years)))


def slots_for(
    *,
    centre: Centre,
    area: ServiceArea,
    now: datetime.datetime | None = None,
    days: int = BOOKING_DAYS,
    ignore_booking: Booking | None = None,
) -> SlotOffer:
    """The free slots of ``centre`` for ``area`` over the next ``days`` days."""
    now = now or timezone.now()
    staff = StaffMembership.objects.filter(
        centre=centre, user__is_active=True, user__role=Role.CONSULTANT
    )
    covering = list(staff.filter(areas=area).values_list("pk", "user_id"))
    routable = bool(covering)
    pool = dict(covering or staff.values_list("pk", "user_id"))  # membership -> user
    horizon = now + datetime.timedelta(days=days + 1)

    hours: dict[int, list[WeeklyWindow]] = defaultdict(list)
    for row in WorkingHours.objects.filter(membership_id__in=pool):
        hours[pool[row.membership_id]].append(WeeklyWindow(row.weekday, row.starts, row.ends))
    leave: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for row in Absence.objects.filter(
        membership_id__in=pool, ends_on__gte=now.date(), starts_on__lte=horizon.date()
    ):
        leave[pool[row.membership_id]].append((row.starts_on, row.ends_on))
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    bookings = Booking.objects.filter(
        consultant_id__in=pool.values(),
        status__in=ACTIVE_BOOKING_STATUSES,
        ends_at__gte=now,
        starts_at__lte=horizon,
    )
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
        closed_days=_closed_days(timezone.localtime(now, ZoneInfo(centre.timezone)).date(), days),
        slot_minutes=area.slot_minutes,
        buffer_minutes=centre.buffer_minutes,
        notice_minutes=centre.min_notice_minutes,
        now=now,
        days=days,
    )
    return SlotOffer(slots=slots, routable=routable)


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


def _place(booking: Booking, slot: Slot, routable: bool, now: datetime.datetime) -> None:
    """Save ``booking`` in ``slot`` with the least-booked free consultant, or unassigned."""
    booking.starts_at, booking.ends_at = slot.starts_at, slot.ends_at
    candidates = _least_booked_first(slot.consultant_ids, now) if routable else [None]
    for consultant_id in candidates:
        booking.consultant_id = consultant_id
        try:
            # A savepoint: losing the race for one consultant must not end the transaction.
            with transaction.atomic():
                booking.full_clean(validate_unique=False)
                booking.save()
            return
        except IntegrityError:
            continue
    raise SlotTaken


def _find_slot(offer: SlotOffer, starts_at: datetime.datetime) -> Slot:
    for slot in offer.slots:
        if slot.starts_at == starts_at:
            return slot
    raise SlotTaken


def _open_bookings_of(phone: str, email: str, now: datetime.datetime) -> int:
    contact = Q()
    if phone:
        contact |= Q(contact_phone=phone) | Q(enterprise__owner__phone=phone)
    if email:
        contact |= Q(contact_email__iexact=email) | Q(enterprise__owner__email__iexact=email)
    if not contact:
        return 0
    return Booking.objects.filter(
        contact, status__in=ACTIVE_BOOKING_STATUSES, starts_at__gte=now
    ).count()


def _client(centre: Centre, client: dict[str, Any]) -> Enterprise:
    """The enterprise behind a public booking: known by NIB or by its owner's contact, or new."""
    if client.get("nib"):
        known = Enterprise.objects.filter(nib=client["nib"]).first()
        if known is not None:
            return known
    contact = Q()
    if client.get("phone"):
        contact |= Q(phone=client["phone"])
    if client.get("email"):
        contact |= Q(email__iexact=client["email"])
    owner = Person.objects.filter(contact, centre=centre).first() if contact else None
    if owner is None:
        owner = Person(
            full_name=client["owner_name"],
            phone=client.get("phone", ""),
            email=client.get("email", ""),
            regency=client["regency"],
            centre=centre,
        )
        owner.full_clean()
        owner.save()
    enterprise = Enterprise.objects.filter(owner=owner, name__iexact=client["name"]).first()
    if enterprise is None:
        enterprise = Enterprise(
            name=client["name"],
            nib=client.get("nib") or None,
            regency=client["regency"],
            owner=owner,
            centre=centre,
        )
        enterprise.full_clean()
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
    now: datetime.datetime | None = None,
) -> Booking:
    """Book a consultation for an owner from the public site.

    ``client`` holds name, nib, regency, owner_name, phone (E.164) and email. Raises
    ``SlotTaken`` when the slot is no longer free and ``ValidationError`` for the cap of open
    bookings per phone/email.
    """
    now = now or timezone.now()
    if mode not in (Mode.IN_PERSON, Mode.ONLINE):
        raise ValidationError({"mode": _("Pilih konsultasi di PLUT atau daring.")})
    with transaction.atomic():
        if _open_bookings_of(client.get("phone", ""), client.get("email", ""), now) >= (
            centre.open_bookings_cap
        ):
            raise ValidationError(
                _(
                    "Anda sudah memiliki %(count)s pemesanan aktif. Ubah atau batalkan salah "
                    "satunya lewat tautan di pesan konfirmasi."
                )
                % {"count": centre.open_bookings_cap}
            )
        offer = slots_for(centre=centre, area=area, now=now)
        slot = _find_slot(offer, starts_at)
        booking = Booking(
            enterprise=_client(centre, client),
            centre=centre,
            service_area=area,
            mode=mode,
            description=description,
            consent=consent,
            contact_phone=client.get("phone", ""),
            contact_email=client.get("email", ""),
            preferred_channel=client.get("preferred_channel", Channel.EMAIL),
            # Messages about the booking are written in the language it was made in.
            language=booking_language(),
            status=BookingStatus.REQUESTED
            if centre.requires_confirmation or not offer.routable
            else BookingStatus.CONFIRMED,
        )
        _place(booking, slot, offer.routable, now)
    return booking


def booking_reschedule(
    *, booking: Booking, starts_at: datetime.datetime, now: datetime.datetime | None = None
) -> Booking:
    """Move an active booking to another free slot of the same centre and area."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("centre__province", "service_area")
            .get(pk=booking.pk)
        )
        if booking.status not in ACTIVE_BOOKING_STATUSES:
            raise ValidationError(_("Pemesanan ini sudah tidak aktif."))
        offer = slots_for(
            centre=booking.centre, area=booking.service_area, now=now, ignore_booking=booking
        )
        _place(booking, _find_slot(offer, starts_at), offer.routable, now)
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
