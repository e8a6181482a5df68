"""Capacity the database holds: a consultant's active bookings never overlap nor sit closer
than the centre's buffer, whichever path writes them (public form, owner's reschedule, API,
staff assignment) and however many requests race. An area no consultant covers takes none.

The races need real concurrent transactions on PostgreSQL, whose exclusion constraint settles
them (migration 0015): CI runs this file in its PostgreSQL pass. Every test here failed before
that migration: unassigned bookings were ignored by the constraint, and buffers were only
checked by the application under READ COMMITTED.
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clinics.models import ServiceArea, WorkingHours
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking
from mentoring.selectors.bookings import SlotTaken, manage_token, slots_for
from mentoring.services import bookings
from mentoring.services.booking_actions import booking_assign
from mentoring.services.bookings import booking_request
from mentoring.services.overlaps import Overlaps, overlap_checked
from plut.foundation.accounts.consent import consent_current
from plut.foundation.regions.models import Regency
from plut.top.bench.harness import double_bookings
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import BookingFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 10
BUFFER = datetime.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's exclusion constraint settles these races; CI runs them there")
    cache.clear()  # rate-limit counters of earlier tests
    yield
    cache.clear()


@pytest.fixture
def desk(world):
    """Lampung's centre: one consultant covering marketing Mon-Fri 08-16 WIB, a 15-minute
    buffer, bookings confirmed at once, owners free to move them until the start."""
    centre = world.a.centre
    centre.requires_confirmation = False
    centre.buffer_minutes = 15
    centre.min_notice_minutes = 0
    centre.open_bookings_cap = 5
    centre.owner_change_cutoff_hours = 0
    centre.save()
    Booking.objects.all().delete()
    world.a.consultant.staff_membership.areas.clear()
    marketing = ServiceArea.objects.get(code="marketing")
    membership = StaffFactory(centre=centre, areas=[marketing])
    for weekday in range(5):
        WorkingHours.objects.create(
            membership=membership, weekday=weekday, starts=datetime.time(8), ends=datetime.time(16)
        )
    return centre, marketing, membership.user


@pytest.fixture
def consent(db):
    # Made before the race: racers creating it at once would queue on its unique version.
    return consent_current()


@pytest.fixture
def checked_together(monkeypatch) -> Callable[[int], None]:
    """``checked_together(n)``: the worst interleaving, made certain. Each of the ``n`` racers
    checks its slot, then waits until all have checked before writing: every one saw the slot
    free, and only the database can still refuse."""

    def arm(racers: int) -> None:
        barrier = threading.Barrier(racers, timeout=30)
        real = bookings.slots_for

        def slots_for(**kwargs):
            offer = real(**kwargs)
            if kwargs.get("at") is not None:
                barrier.wait()
            return offer

        monkeypatch.setattr(bookings, "slots_for", slots_for)

    return arm


def _adjacent_slots(desk) -> tuple[datetime.datetime, datetime.datetime]:
    """Two offered slots an hour apart: back to back, the later one inside the earlier one's
    buffer."""
    centre, area, _ = desk
    starts = [slot.starts_at for slot in slots_for(centre=centre, area=area).slots]
    for first in starts:
        if first + datetime.timedelta(hours=1) in starts:
            return first, first + datetime.timedelta(hours=1)
    raise AssertionError("no two slots an hour apart are offered")


def _race(attempts: list[Callable[[], str]]) -> Counter:
    """Run every attempt at once, each in its own thread and database connection; count
    what each returned (or the name of what it raised)."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def run(attempt: Callable[[], str]) -> None:
        try:
            barrier.wait()
            outcomes.append(attempt())
        except (SlotTaken, ValidationError) as refused:
            outcomes.append(type(refused).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def _active() -> list[Booking]:
    return list(Booking.objects.filter(status__in=ACTIVE_BOOKING_STATUSES).order_by("starts_at"))


def _held_apart(bookings: list[Booking]) -> bool:
    """No two of one consultant's bookings closer than the buffer."""
    by_consultant: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_consultant.setdefault(booking.consultant_id, []).append(booking)
    return all(
        later.starts_at >= earlier.ends_at + BUFFER
        for held in by_consultant.values()
        for earlier, later in itertools.pairwise(held)
    )


def _typed(n: int) -> dict:
    return {
        "name": f"Kopi Robusta {n}",
        "nib": "",
        "regency": Regency.objects.get(code="18.71"),
        "owner_name": f"Pemilik {n}",
        "phone": f"+6281300001{n:03d}",
        "email": "",
    }


def _book(desk, consent, starts_at, n) -> Callable[[], str]:
    centre, area, _ = desk

    def attempt() -> str:
        booking_request(
            centre=centre,
            area=area,
            mode="in_person",
            starts_at=starts_at,
            client=_typed(n),
            description="",
            consent=consent,
        )
        return "booked"

    return attempt


# --- The public form -----------------------------------------------------------------------


def _slot(starts_at: datetime.datetime) -> str:
    """A slot as the booking pages post it."""
    return starts_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _form_post(desk, starts_at, n) -> Callable[[], str]:
    centre, area, _ = desk
    url = reverse("booking:details", args=[centre.pk])
    query = urlencode({"area": area.code, "mode": "in_person", "slot": _slot(starts_at)})
    form = {
        "name": f"Kopi Robusta {n}",
        "nib": "",
        "regency": "18.71",
        "owner_name": f"Pemilik {n}",
        "phone": f"0813-0000-1{n:03d}",
        "email": f"pemilik{n}@contoh.id",
        "description": "Pemasaran",
        "consent": "on",
        "website": "",
    }

    def attempt() -> str:
        # Each owner from an address of their own: the per-address limit is not under test.
        response = Client(REMOTE_ADDR=f"10.0.0.{n}").post(f"{url}?{query}", form)
        return {302: "booked", 409: "taken"}.get(response.status_code, str(response.status_code))

    return attempt


def test_owners_racing_for_adjacent_slots_on_the_public_form_keep_the_buffer(
    desk, consent, checked_together
):
    early, late = _adjacent_slots(desk)
    checked_together(2 * RACERS)
    outcomes = _race(
        [_form_post(desk, early, n) for n in range(RACERS)]
        + [_form_post(desk, late, RACERS + n) for n in range(RACERS)]
    )
    assert outcomes == {"booked": 1, "taken": 2 * RACERS - 1}
    (booking,) = _active()
    assert booking.held_until == booking.ends_at + BUFFER


def test_bookings_racing_for_adjacent_slots_are_held_apart_by_the_buffer(
    desk, consent, checked_together
):
    # Two consultants: each slot can be had once per consultant, never back to back.
    centre, area, _ = desk
    second = StaffFactory(centre=centre, areas=[area])
    for weekday in range(5):
        WorkingHours.objects.create(
            membership=second, weekday=weekday, starts=datetime.time(8), ends=datetime.time(16)
        )
    since = timezone.now()
    early, late = _adjacent_slots(desk)
    checked_together(2 * RACERS)
    outcomes = _race(
        [_book(desk, consent, early, n) for n in range(RACERS)]
        + [_book(desk, consent, late, RACERS + n) for n in range(RACERS)]
    )
    assert outcomes["booked"] == 2 and outcomes["SlotTaken"] == 2 * RACERS - 2
    assert _held_apart(_active())
    assert double_bookings(since) == 0


def test_an_area_no_consultant_covers_takes_no_booking_however_many_try(desk, consent):
    centre, _, _ = desk
    it = ServiceArea.objects.get(code="it")
    early, _late = _adjacent_slots(desk)  # an hour the centre's consultant works

    def attempt(n: int) -> Callable[[], str]:
        def book() -> str:
            booking_request(
                centre=centre,
                area=it,
                mode="online",
                starts_at=early,
                client=_typed(n),
                description="",
                consent=consent,
            )
            return "booked"

        return book

    assert _race([attempt(n) for n in range(RACERS)]) == {"SlotTaken": RACERS}
    assert _active() == []


# --- The owner's reschedule ----------------------------------------------------------------


def _elsewhere(desk, count: int, day_of: datetime.datetime) -> list[datetime.datetime]:
    """``count`` offered slots three hours apart (so all can be booked), none on the day of
    ``day_of``."""
    centre, area, _ = desk
    taken_day = timezone.localtime(day_of).date()
    found = [
        slot.starts_at
        for slot in slots_for(centre=centre, area=area).slots
        if timezone.localtime(slot.starts_at).date() != taken_day
        and timezone.localtime(slot.starts_at).hour in (8, 11, 14)
    ]
    assert len(found) >= count
    return found[:count]


def test_owners_rescheduling_into_adjacent_slots_keep_the_buffer(desk, consent, checked_together):
    early, late = _adjacent_slots(desk)
    # Owners each hold a booking elsewhere, then move at once: half to each slot.
    bookings = [
        booking_request(
            centre=desk[0],
            area=desk[1],
            mode="in_person",
            starts_at=starts_at,
            client=_typed(n),
            description="",
            consent=consent,
        )
        for n, starts_at in enumerate(_elsewhere(desk, 2 * RACERS, early))
    ]

    def move(booking: Booking, starts_at: datetime.datetime) -> Callable[[], str]:
        url = reverse("booking:manage", args=[manage_token(booking)])

        def attempt() -> str:
            response = Client().post(url, {"action": "reschedule", "slot": _slot(starts_at)})
            return {302: "moved", 409: "taken"}.get(response.status_code, str(response.status_code))

        return attempt

    checked_together(2 * RACERS)
    outcomes = _race(
        [move(booking, early) for booking in bookings[:RACERS]]
        + [move(booking, late) for booking in bookings[RACERS:]]
    )
    assert outcomes == {"moved": 1, "taken": 2 * RACERS - 1}
    assert _held_apart(_active())


# --- The API -------------------------------------------------------------------------------


def test_api_bookings_racing_for_adjacent_slots_keep_the_buffer(
    desk, world, consent, checked_together
):
    early, late = _adjacent_slots(desk)
    centre, _, _ = desk
    enterprises = [
        EnterpriseFactory(centre=centre, owner=world.a.person) for _ in range(2 * RACERS)
    ]

    def post(enterprise, starts_at) -> Callable[[], str]:
        def attempt() -> str:
            client = APIClient()
            client.force_authenticate(world.a.owner)
            response = client.post(
                "/api/v1/bookings/",
                {
                    "enterprise": enterprise.pk,
                    "centre": centre.pk,
                    "service_area": "marketing",
                    "mode": "in_person",
                    "starts_at": starts_at.isoformat(),
                    "description": "Pemasaran daring",
                    "consent": True,
                },
                format="json",
            )
            return {201: "booked", 409: "taken"}.get(
                response.status_code, str(response.status_code)
            )

        return attempt

    checked_together(2 * RACERS)
    outcomes = _race(
        [post(enterprise, early) for enterprise in enterprises[:RACERS]]
        + [post(enterprise, late) for enterprise in enterprises[RACERS:]]
    )
    assert outcomes == {"booked": 1, "taken": 2 * RACERS - 1}
    assert _held_apart(_active())


# --- Staff assignment ----------------------------------------------------------------------


def test_a_manager_assigning_adjacent_bookings_to_one_consultant_keeps_the_buffer(world, desk):
    centre, area, _ = desk
    early, late = _adjacent_slots(desk)
    target = StaffFactory(centre=centre, areas=[area]).user
    first, second = (
        BookingFactory(
            enterprise=world.a.enterprise,
            service_area=area,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
        for start in (early, late)
    )

    def assign(booking: Booking) -> Callable[[], str]:
        def attempt() -> str:
            booking_assign(booking=booking, consultant=target, by=world.a.manager)
            return "assigned"

        return attempt

    assert _race([assign(first), assign(second)]) == {"assigned": 1, "ValidationError": 1}
    assert Booking.objects.filter(consultant=target).count() == 1
    assert _held_apart(_active())


# --- Losing a race reads as "taken", however PostgreSQL says it ---------------------------


class _PostgresError(Exception):
    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def _refused_with(pgcode: str) -> None:
    """Raise what Django raises when PostgreSQL ends a statement with ``pgcode``."""
    raise OperationalError(pgcode) from _PostgresError(pgcode)


def test_a_deadlock_between_two_overlapping_writes_is_a_lost_race():
    # Two overlapping writes in flight each wait in the exclusion constraint for the other;
    # PostgreSQL ends one with "deadlock detected" (seen in CI with two assignments).
    with pytest.raises(Overlaps), overlap_checked():
        _refused_with("40P01")


def test_any_other_database_failure_is_not_mistaken_for_a_lost_race():
    with pytest.raises(OperationalError), overlap_checked():
        _refused_with("57P01")  # the server was shut down: a fault, not "taken"
