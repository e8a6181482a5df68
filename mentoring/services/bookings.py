"""Booking, write side: taking a slot, moving to another, an owner cancelling; each in its own
transaction with the notice it owes the owner, so the public pages and the API call the same
service and cannot drift apart.

Each write re-checks its one slot inside the transaction (``slots_for(at=...)``) and lets
PostgreSQL's exclusion constraint (mentoring migrations 0004, 0015) settle any race: every
booking is placed with a consultant who covers the area and holds them until its end plus the
centre's buffer (``held_until``); the constraint keeps one consultant's held ranges apart; the
loser tries the next free consultant, and when none is left gets ``SlotTaken``
(docs/booking.md, "Capacity").
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Centre, ServiceArea
from cooperatives.models import Enterprise, Person
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Mode
from mentoring.selectors.bookings import SlotOffer, SlotTaken, owner_may_change, slots_for
from mentoring.services.notifications import BookingNotice, booking_notify_later, booking_notify_new
from mentoring.services.overlaps import Overlaps, overlap_checked
from mentoring.slots import Slot
from plut.foundation.accounts.models import ConsentText
from plut.foundation.messaging.models import Channel

# What an owner hears past the centre's cut-off, on the manage page and from the API alike.
OWNER_TOO_LATE = gettext_lazy(
    "Pemesanan ini tidak dapat diubah lagi; hubungi PLUT secara langsung."
)


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
            with overlap_checked():
                booking.save()
            return
        except Overlaps:
            continue  # another request took this consultant: try the next one
    raise SlotTaken


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
    """Book a consultation for an owner from the public site or the API; the owner is told
    (received, or confirmed) once it commits.

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
        # The booking and its notice commit together, or neither does.
        booking_notify_new(booking)
    return booking


def booking_reschedule(
    *,
    booking: Booking,
    starts_at: datetime.datetime,
    by_owner: bool,
    now: datetime.datetime | None = None,
) -> Booking:
    """Move an active booking to another free slot of the same centre and area; the owner is
    told. The owner (``by_owner``) until the centre's cut-off; staff who may cancel it, any
    time (the caller checked who they are)."""
    now = now or timezone.now()
    if by_owner:
        _owner_in_time(booking, now)
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
        booking.calendar_sequence += 1  # under the row lock taken above
        _place(booking, _the_slot(offer), now)
        booking_notify_later(booking, BookingNotice.RESCHEDULED)
    return booking


def _owner_in_time(booking: Booking, now: datetime.datetime) -> None:
    if not owner_may_change(booking, now):
        raise ValidationError(OWNER_TOO_LATE, code="too_late")


def booking_cancel_by_owner(
    *, booking: Booking, reason: str, now: datetime.datetime | None = None
) -> Booking:
    """The owner cancels, until the centre's cut-off; the owner is told. (Staff cancel with
    ``booking_actions.booking_cancel_by_staff``.)"""
    _owner_in_time(booking, now or timezone.now())
    reason = reason.strip()
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE_BOOKING_STATUSES).update(
            status=BookingStatus.CANCELLED,
            calendar_sequence=F("calendar_sequence") + 1,
            updated_at=timezone.now(),
            # Stored for the centre's staff, who read Indonesian whatever the owner's language.
            status_reason=f"Dibatalkan oleh pelaku usaha: {reason}"
            if reason
            else "Dibatalkan oleh pelaku usaha.",
        )
        if not changed:
            raise ValidationError(_("Pemesanan ini sudah tidak aktif."))
        booking.refresh_from_db()
        booking_notify_later(booking, BookingNotice.CANCELLED)
    return booking
