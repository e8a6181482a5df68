"""Booking: routing, confirmation policy, caps, reschedule and cancel rules, manage links,
and no double booking under concurrency (on PostgreSQL, where it matters)."""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections

from clinics.models import Absence, AbsenceKind, ServiceArea, WorkingHours
from mentoring.models import Booking, BookingStatus
from mentoring.selectors.bookings import (
    SlotTaken,
    booking_from_token,
    manage_token,
    owner_may_change,
    slots_for,
)
from mentoring.services.bookings import booking_request, booking_reschedule
from plut.foundation.accounts.models import ConsentText
from plut.foundation.messaging.selectors import messages_about
from plut.foundation.regions.models import Regency
from tests.factories.clinics import StaffFactory

# Monday 30 November 2026, 07:00 WIB.
NOW = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
WIB = ZoneInfo("Asia/Jakarta")


def _at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=WIB)


@pytest.fixture
def consent(db):
    return ConsentText.objects.create(version="2026-11", body="Saya setuju...", published_at=NOW)


@pytest.fixture
def desk(world):
    """Lampung's centre with two consultants covering marketing, Mon-Fri 08-12 WIB."""
    centre = world.a.centre
    centre.requires_confirmation = True
    centre.buffer_minutes = 0
    centre.min_notice_minutes = 120
    centre.save()
    marketing = ServiceArea.objects.get(code="marketing")
    Booking.objects.all().delete()
    # The world's consultant covers every area but keeps no hours: out of the way.
    world.a.consultant.staff_membership.areas.clear()
    people = []
    for _ in range(2):
        membership = StaffFactory(centre=centre, areas=[marketing])
        for weekday in range(5):
            WorkingHours.objects.create(
                membership=membership,
                weekday=weekday,
                starts=datetime.time(8),
                ends=datetime.time(12),
            )
        people.append(membership.user)
    return centre, marketing, people


def _client(n: int = 1, **extra):
    return {
        "name": f"Kopi Robusta {n}",
        "nib": "",
        "regency": Regency.objects.get(code="18.71"),
        "owner_name": f"Pemilik {n}",
        "phone": f"+6281300000{n:03d}",
        "email": "",
        **extra,
    }


def _book(desk, consent, starts_at, n=1, **extra):
    centre, area, _people = desk
    return booking_request(
        centre=centre,
        area=area,
        mode="in_person",
        starts_at=starts_at,
        client=_client(n, **extra),
        description="Ingin memasarkan kopi",
        consent=consent,
        now=NOW,
    )


@pytest.mark.django_db
def test_first_offered_slot_respects_notice_and_hours(desk):
    centre, area, _people = desk
    offer = slots_for(centre=centre, area=area, now=NOW)
    assert offer.routable
    assert offer.slots[0].starts_at == _at(30, 9)  # 07:00 + 2 h notice
    assert len(offer.slots[0].consultant_ids) == 2


@pytest.mark.django_db
def test_public_holidays_are_closed(desk):
    centre, area, _people = desk
    christmas = datetime.date(2026, 12, 25)
    offer = slots_for(centre=centre, area=area, now=NOW)
    assert christmas not in {s.starts_at.astimezone(WIB).date() for s in offer.slots}
    assert datetime.date(2026, 12, 24) in {s.starts_at.astimezone(WIB).date() for s in offer.slots}


@pytest.mark.django_db
def test_routing_gives_the_booking_to_the_least_booked_consultant(desk, consent):
    _centre, _area, people = desk
    first = _book(desk, consent, _at(30, 9), n=1)
    second = _book(desk, consent, _at(30, 10), n=2)
    assert {first.consultant, second.consultant} == set(people)
    assert first.status == second.status == BookingStatus.REQUESTED
    assert first.consent == consent


@pytest.mark.django_db
def test_a_centre_may_confirm_automatically(desk, consent):
    centre, _area, _people = desk
    centre.requires_confirmation = False
    centre.save()
    assert _book(desk, consent, _at(30, 9)).status == BookingStatus.CONFIRMED


@pytest.mark.django_db
def test_an_area_no_consultant_covers_offers_no_slots_and_takes_no_booking(desk, consent):
    # A booking nobody holds would hold no capacity: the same hour could be booked forever.
    centre, area, _people = desk
    it = ServiceArea.objects.get(code="it")
    offer = slots_for(centre=centre, area=it, now=NOW)
    assert not offer.routable and offer.slots == []
    hour_the_consultants_work = slots_for(centre=centre, area=area, now=NOW).slots[0].starts_at
    with pytest.raises(SlotTaken):
        booking_request(
            centre=centre,
            area=it,
            mode="online",
            starts_at=hour_the_consultants_work,
            client=_client(),
            description="",
            consent=consent,
            now=NOW,
        )
    assert not Booking.objects.filter(service_area=it).exists()


@pytest.mark.django_db
def test_a_full_slot_is_taken_and_no_longer_offered(desk, consent):
    centre, area, _people = desk
    _book(desk, consent, _at(30, 9), n=1)
    _book(desk, consent, _at(30, 9), n=2)
    with pytest.raises(SlotTaken):
        _book(desk, consent, _at(30, 9), n=3)
    assert _at(30, 9) not in [
        s.starts_at for s in slots_for(centre=centre, area=area, now=NOW).slots
    ]


@pytest.mark.django_db
def test_a_time_that_is_not_a_slot_is_refused(desk, consent):
    with pytest.raises(SlotTaken):
        _book(desk, consent, _at(30, 9).replace(minute=30))
    with pytest.raises(SlotTaken):
        _book(desk, consent, _at(30, 8))  # inside the notice period


def _dec(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, 0, tzinfo=WIB)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("why", "starts_at"),
    [
        ("before the hours", _dec(1, 7)),
        ("when the hours have ended", _dec(1, 12)),
        ("a Saturday", _dec(5, 9)),
        ("a public holiday", _dec(25, 9)),
        ("in the past", _at(27, 9)),
        ("inside the notice", _at(30, 8)),
        ("beyond the four weeks", _dec(28, 9)),
    ],
)
def test_booking_refuses_a_slot_that_is_not_offered(desk, consent, why, starts_at):
    with pytest.raises(SlotTaken):
        _book(desk, consent, starts_at)
    assert not Booking.objects.exists(), why


@pytest.mark.django_db
def test_booking_refuses_a_day_everyone_is_on_leave(desk, consent):
    _centre, _area, people = desk
    for person in people:
        Absence.objects.create(
            membership=person.staff_membership,
            starts_on=datetime.date(2026, 12, 2),
            ends_on=datetime.date(2026, 12, 3),
            kind=AbsenceKind.LEAVE,
        )
    with pytest.raises(SlotTaken):
        _book(desk, consent, _dec(3, 9))
    assert _book(desk, consent, _dec(4, 9)).starts_at == _dec(4, 9)


@pytest.mark.django_db
def test_booking_skips_the_consultant_who_is_busy_and_keeps_the_buffer(desk, consent):
    centre, area, people = desk
    centre.buffer_minutes = 15
    centre.save()
    first = _book(desk, consent, _dec(1, 9), n=1)
    # 10:00 is inside the first consultant's buffer: only the other one may take it.
    assert slots_for(centre=centre, area=area, now=NOW, at=_dec(1, 10)).slots[0].consultant_ids == (
        tuple(p.pk for p in people if p != first.consultant)
    )
    second = _book(desk, consent, _dec(1, 10), n=2)
    assert second.consultant != first.consultant
    with pytest.raises(SlotTaken):
        _book(desk, consent, _dec(1, 10), n=3)


@pytest.mark.django_db
def test_the_last_day_of_the_four_weeks_is_bookable(desk, consent):
    assert _book(desk, consent, _dec(24, 11)).starts_at == _dec(24, 11)


def _fill(desk, consent, count: int) -> None:
    """``count`` bookings over the first weeks, one consultant each, every slot kept open."""
    moments = [_dec(day, hour) for day in (1, 2, 3, 4, 7, 8, 9, 10) for hour in (8, 9, 10, 11)]
    for n, moment in enumerate(moments[:count]):
        _book(desk, consent, moment, n=100 + n)


@pytest.mark.django_db
@pytest.mark.parametrize("booked", [0, 30])
def test_checking_one_slot_takes_four_queries_whatever_is_booked(
    desk, consent, django_assert_num_queries, booked
):
    centre, area, _people = desk
    _fill(desk, consent, booked)
    # consultants, their hours that weekday, absences that day, bookings around the slot
    with django_assert_num_queries(4):
        offer = slots_for(centre=centre, area=area, now=NOW, at=_dec(8, 9))
    assert len(offer.slots) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("booked", "days"), [(0, 1), (30, 28)])
def test_listing_slots_takes_four_queries_whatever_is_booked_and_however_far(
    desk, consent, django_assert_num_queries, booked, days
):
    centre, area, _people = desk
    _fill(desk, consent, booked)
    with django_assert_num_queries(4):
        offer = slots_for(centre=centre, area=area, now=NOW, days=days)
    assert offer.slots


@pytest.mark.django_db
def test_open_bookings_are_capped_per_phone(desk, consent):
    centre, _area, _people = desk
    centre.open_bookings_cap = 2
    centre.save()
    _book(desk, consent, _at(30, 9), n=1)
    _book(desk, consent, _at(30, 10), n=1)
    with pytest.raises(ValidationError) as error:
        _book(desk, consent, _at(30, 11), n=1)
    assert "sudah memiliki 2 pemesanan aktif" in error.value.messages[0]
    assert Booking.objects.count() == 2


@pytest.mark.django_db
def test_a_booking_from_the_public_site_gets_records_of_its_own(desk, consent):
    # Nothing is matched by the phone typed: the same phone twice is two sets of records,
    # which staff link (tests/security/test_public_lookups.py).
    first = _book(desk, consent, _at(30, 9), n=1)
    second = _book(desk, consent, _at(30, 10), n=1)
    assert first.enterprise != second.enterprise
    assert first.enterprise.owner != second.enterprise.owner
    assert (second.contact_name, second.contact_business) == ("Pemilik 1", "Kopi Robusta 1")
    # Marked as typed by an anonymous visitor: verifying its email links an account to it never.
    assert first.enterprise.owner.from_public_booking


@pytest.mark.django_db
def test_reschedule_moves_the_booking_and_frees_the_old_slot(desk, consent):
    centre, area, _people = desk
    booking = _book(desk, consent, _at(30, 9))
    moved = booking_reschedule(booking=booking, starts_at=_at(30, 11), by_owner=False, now=NOW)
    assert moved.starts_at == _at(30, 11)
    free = {
        s.starts_at: s.consultant_ids for s in slots_for(centre=centre, area=area, now=NOW).slots
    }
    assert len(free[_at(30, 9)]) == 2


@pytest.mark.django_db
def test_owners_may_change_only_before_the_cutoff(desk, consent):
    booking = _book(desk, consent, _at(30, 11))
    with time_machine.travel(NOW, tick=False):
        assert not owner_may_change(booking)  # 4 hours ahead, cut-off 24 h
    booking.centre.owner_change_cutoff_hours = 2
    with time_machine.travel(NOW, tick=False):
        assert owner_may_change(booking)


@pytest.mark.django_db
def test_manage_links_are_signed_and_expire(desk, consent):
    booking = _book(desk, consent, _at(30, 9))
    token = manage_token(booking)
    assert booking_from_token(token) == booking
    with pytest.raises(signing.BadSignature):
        booking_from_token(token[:-2] + "xx")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=61)
    with time_machine.travel(later), pytest.raises(signing.SignatureExpired):
        booking_from_token(token)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_for_one_slot_make_one_booking(desk, consent):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the race is settled by PostgreSQL's exclusion constraint; CI runs this on PostgreSQL"
        )
    _centre, _area, people = desk
    # One consultant only: the slot can be won exactly once.
    people[1].staff_membership.areas.clear()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            _book(desk, consent, _at(30, 9), n=n)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19
    assert (
        Booking.objects.filter(starts_at=_at(30, 9), status__in=["requested", "confirmed"]).count()
        == 1
    )


@pytest.mark.django_db
def test_a_deadlock_between_two_bookings_counts_as_a_lost_consultant(desk, consent, monkeypatch):
    """Two overlapping inserts can wait for each other in the exclusion constraint; PostgreSQL
    then fails one. That one moves on to the next free consultant instead of an error page."""

    class Deadlock(Exception):
        pgcode = "40P01"

    tried = []
    real_save = Booking.save

    def save(booking, *args, **kwargs):
        tried.append(booking.consultant_id)
        if len(tried) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real_save(booking, *args, **kwargs)

    monkeypatch.setattr(Booking, "save", save)
    booking = _book(desk, consent, _at(30, 9))
    assert booking.consultant_id == tried[1] != tried[0]
    assert Booking.objects.get() == booking


@pytest.mark.django_db
def test_a_booking_with_a_known_nib_keeps_it_and_notifies_whoever_booked(desk, consent):
    from mentoring.services.notifications import booking_notice_send

    known = _book(desk, consent, _at(30, 9), n=1, nib="9120300000999", email="pemilik@contoh.id")
    other = _book(
        desk, consent, _at(30, 10), n=2, nib="9120300000999", email="orang.lain@contoh.id"
    )
    assert known.enterprise.nib == "9120300000999"
    # Its own record, without the NIB another holds; the booking keeps the NIB typed.
    assert other.enterprise != known.enterprise and other.enterprise.nib is None
    assert other.contact_nib == "9120300000999"
    booking_notice_send(booking_id=other.pk, notice="received")
    assert messages_about(other).get().recipient == "orang.lain@contoh.id"
