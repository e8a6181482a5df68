"""Bookings through the API: the same slots and services as the pages."""

from __future__ import annotations

import datetime

import pytest

from clinics.models import ServiceArea, WorkingHours
from cooperatives.models import Enterprise, Person
from mentoring.models import Booking, BookingStatus
from tests.conftest import World
from tests.factories.clinics import StaffFactory

# Monday 30 November 2026, 07:00 WIB.
NOW = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def desk(world: World, time_machine):
    """Lampung's centre: one consultant covering marketing, Mon-Fri 08-12 WIB."""
    time_machine.move_to(NOW, tick=False)
    centre = world.a.centre
    centre.requires_confirmation = True
    centre.buffer_minutes = 0
    centre.min_notice_minutes = 120
    centre.save()
    Booking.objects.all().delete()
    world.a.consultant.staff_membership.areas.clear()
    marketing = ServiceArea.objects.get(code="marketing")
    membership = StaffFactory(centre=centre, areas=[marketing])
    for weekday in range(5):
        WorkingHours.objects.create(
            membership=membership,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(12),
        )
    return centre, membership.user


def _slots(client, centre) -> list[str]:
    response = client.get(f"/api/v1/centres/{centre.pk}/slots/?area=marketing&days=7")
    assert response.status_code == 200
    body = response.json()
    assert body["routable"] is True
    assert "consultant_ids" not in body["slots"][0]
    return [slot["starts_at"] for slot in body["slots"]]


def _book(client, world: World, centre, starts_at: str):
    return client.post(
        "/api/v1/bookings/",
        {
            "enterprise": world.a.enterprise.pk,
            "centre": centre.pk,
            "service_area": "marketing",
            "mode": "in_person",
            "starts_at": starts_at,
            "description": "Pemasaran daring",
            "consent": True,
        },
        format="json",
    )


def test_slots_match_the_booking_pages_logic(as_user, desk) -> None:
    centre, _consultant = desk
    slots = _slots(as_user("anonymous"), centre)
    # Monday 30 November: 07:00 now + 2 h notice -> 09:00 WIB (02:00 UTC) is the first.
    assert datetime.datetime.fromisoformat(slots[0]) == NOW + datetime.timedelta(hours=2)
    assert len(slots) == 3 + 4 * 4  # today 09-11, then four full mornings


def test_owner_books_reschedules_and_cancels(as_user, world: World, desk) -> None:
    centre, consultant = desk
    owner = as_user("owner_a")
    slots = _slots(owner, centre)
    # Days ahead: an owner changes a booking only until the centre's cut-off before it.
    created = _book(owner, world, centre, slots[10])
    assert created.status_code == 201, created.content
    booking = created.json()
    assert booking["status"] == BookingStatus.REQUESTED
    assert booking["consultant"] == consultant.pk
    assert booking["enterprise"] == world.a.enterprise.pk
    # The slot is gone for the next caller.
    assert slots[10] not in _slots(owner, centre)

    moved = owner.post(
        f"/api/v1/bookings/{booking['id']}/reschedule/", {"starts_at": slots[5]}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["starts_at"] == slots[5]

    cancelled = owner.post(f"/api/v1/bookings/{booking['id']}/cancel/", {"reason": "Sakit"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == BookingStatus.CANCELLED
    assert cancelled.json()["status_reason"] == "Dibatalkan oleh pelaku usaha: Sakit"


def test_taken_slot_is_a_409(as_user, world: World, desk) -> None:
    centre, _consultant = desk
    owner = as_user("owner_a")
    first = _slots(owner, centre)[0]
    assert _book(owner, world, centre, first).status_code == 201
    again = _book(owner, world, centre, first)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_staff_confirm_and_mark_no_show(as_user, world: World, desk, time_machine) -> None:
    centre, _consultant = desk
    slots = _slots(as_user("anonymous"), centre)
    booking = _book(as_user("owner_a"), world, centre, slots[0]).json()
    staff = as_user("manager_a")
    confirmed = staff.post(f"/api/v1/bookings/{booking['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == BookingStatus.CONFIRMED
    # Confirming twice: the lifecycle refuses, with the service's message.
    again = staff.post(f"/api/v1/bookings/{booking['id']}/confirm/")
    assert again.status_code == 400
    assert "diajukan" in again.json()["error"]["message"]
    too_early = staff.post(f"/api/v1/bookings/{booking['id']}/no-show/")
    assert too_early.status_code == 400
    time_machine.move_to(NOW + datetime.timedelta(hours=3), tick=False)
    no_show = staff.post(f"/api/v1/bookings/{booking['id']}/no-show/")
    assert no_show.status_code == 200
    assert no_show.json()["status"] == BookingStatus.NO_SHOW


def test_staff_cancel_needs_a_reason(as_user, world: World, desk) -> None:
    centre, _consultant = desk
    booking = _book(as_user("owner_a"), world, centre, _slots(as_user("owner_a"), centre)[0])
    pk = booking.json()["id"]
    refused = as_user("manager_a").post(f"/api/v1/bookings/{pk}/cancel/", {"reason": ""})
    assert refused.status_code == 400
    assert "status_reason" in refused.json()["error"]["fields"]


def test_staff_book_only_at_their_own_centre(as_user, world: World, desk) -> None:
    centre, _consultant = desk
    response = as_user("manager_b").post(
        "/api/v1/bookings/",
        {
            "enterprise": world.b.enterprise.pk,
            "centre": centre.pk,
            "service_area": "marketing",
            "mode": "in_person",
            "starts_at": "2026-11-30T02:00:00Z",
            "consent": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "centre" in response.json()["error"]["fields"]


def test_consent_is_required(as_user, world: World, desk) -> None:
    centre, _consultant = desk
    response = as_user("owner_a").post(
        "/api/v1/bookings/",
        {
            "enterprise": world.a.enterprise.pk,
            "centre": centre.pk,
            "service_area": "marketing",
            "mode": "in_person",
            "starts_at": "2026-11-30T02:00:00Z",
            "consent": False,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "consent" in response.json()["error"]["fields"]


def test_owner_cannot_book_someone_elses_enterprise(as_user, world: World, desk) -> None:
    centre, _consultant = desk
    response = as_user("owner_b").post(
        "/api/v1/bookings/",
        {
            "enterprise": world.a.enterprise.pk,
            "centre": centre.pk,
            "service_area": "marketing",
            "mode": "in_person",
            "starts_at": "2026-11-30T02:00:00Z",
            "consent": True,
        },
        format="json",
    )
    assert response.status_code == 404


def test_an_enterprise_without_nib_or_owner_contact_is_booked_under_itself(
    as_user, world: World, desk
) -> None:
    """The enterprise chosen is in the user's scope: it is booked as it is, never looked up
    again by its NIB or its owner's contact (which once refused this one)."""
    centre, _consultant = desk
    enterprise = world.a.enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(nib=None)
    Person.objects.filter(pk=enterprise.owner_id).update(phone="", email="")
    before = (Enterprise.objects.count(), Person.objects.count())
    slot = _slots(as_user("owner_a"), centre)[10]
    response = _book(as_user("owner_a"), world, centre, slot)
    assert response.status_code == 201, response.content
    assert Booking.objects.get().enterprise == enterprise
    assert (Enterprise.objects.count(), Person.objects.count()) == before


class _OutboxDown(Exception):
    pass


def test_a_booking_and_its_changes_commit_only_with_their_notices(
    as_user, world: World, desk, monkeypatch
) -> None:
    centre, _consultant = desk
    owner = as_user("owner_a")
    slots = _slots(owner, centre)
    booking = _book(owner, world, centre, slots[10]).json()

    def fail(*args, **kwargs):
        raise _OutboxDown  # the outbox's table unreachable, say

    monkeypatch.setattr(
        "mentoring.services.notifications._notice", fail
    )  # every notice goes through it
    with pytest.raises(_OutboxDown):
        _book(owner, world, centre, slots[11])
    with pytest.raises(_OutboxDown):
        owner.post(
            f"/api/v1/bookings/{booking['id']}/reschedule/", {"starts_at": slots[5]}, format="json"
        )
    with pytest.raises(_OutboxDown):
        owner.post(f"/api/v1/bookings/{booking['id']}/cancel/", {"reason": "Sakit"})
    kept = Booking.objects.get()  # the second booking was not saved
    assert kept.starts_at == datetime.datetime.fromisoformat(slots[10])
    assert kept.status == BookingStatus.REQUESTED
