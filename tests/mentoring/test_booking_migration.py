"""Migration 0015 on data the portal made before it: active bookings without a consultant get
one who is free then (those covering the area first); what cannot be placed stays for the
manager, and PostgreSQL then checks the rule on new and changed rows only."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from clinics.models import ServiceArea, StaffMembership
from mentoring.models import Booking, BookingStatus
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import BookingFactory

BEFORE = [("mentoring", "0014_booking_typed_details")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _has_consultant_check_validated() -> bool | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'booking_active_has_consultant'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.django_db(transaction=True)
def test_unassigned_bookings_get_a_free_consultant_and_the_rest_wait_for_the_manager(world):
    centre = world.a.centre
    marketing = ServiceArea.objects.get(code="marketing")
    Booking.objects.all().delete()
    StaffMembership.objects.filter(centre=centre).delete()
    covering = StaffFactory(centre=centre, areas=[marketing]).user
    other, spare = (StaffFactory(centre=centre, areas=[]).user for _ in range(2))
    start = timezone.now() + datetime.timedelta(days=3)
    # Three requests for one hour (the overbooking this migration ends), one for the next day,
    # and a cancelled one that needs nobody.
    day = datetime.timedelta(days=1)
    made = [
        (start, covering, BookingStatus.REQUESTED),
        (start, other, BookingStatus.CONFIRMED),
        (start, spare, BookingStatus.REQUESTED),
        (start + day, covering, BookingStatus.REQUESTED),
        (start, covering, BookingStatus.CANCELLED),
    ]
    rows = [
        BookingFactory(
            enterprise=world.a.enterprise,
            service_area=marketing,
            consultant=holder,
            status=status,
            starts_at=at,
            ends_at=at + datetime.timedelta(hours=1),
            held_until=at + datetime.timedelta(hours=1),
        )
        for at, holder, status in made
    ]
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE mentoring_booking SET consultant_id = NULL")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    first, second, third, next_day, cancelled = (Booking.objects.get(pk=row.pk) for row in rows)
    # Oldest first: the one covering the area, then whoever else is free.
    assert first.consultant == covering
    assert {second.consultant, third.consultant} == {other, spare}
    assert next_day.consultant == covering
    assert cancelled.consultant is None
    assert first.held_until == first.ends_at  # the bare hour, as the old constraint kept it
    if connection.vendor == "postgresql":
        assert _has_consultant_check_validated() is True


@pytest.mark.django_db(transaction=True)
def test_a_booking_nobody_is_free_for_stays_unassigned_and_the_check_covers_new_rows(world):
    centre = world.a.centre
    marketing = ServiceArea.objects.get(code="marketing")
    Booking.objects.all().delete()
    solo = world.a.consultant
    StaffMembership.objects.filter(centre=centre).exclude(user=solo).delete()
    start = timezone.now() + datetime.timedelta(days=3)
    rows = [
        BookingFactory(
            enterprise=world.a.enterprise,
            service_area=marketing,
            consultant=holder,
            starts_at=start + datetime.timedelta(minutes=minutes),
            ends_at=start + datetime.timedelta(minutes=minutes + 60),
            held_until=start + datetime.timedelta(minutes=minutes + 60),
        )
        # Any other holder: the migration sees the booking without one.
        for minutes, holder in ((0, solo), (0, world.b.consultant))
    ]
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE mentoring_booking SET consultant_id = NULL")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    placed, left = (Booking.objects.get(pk=row.pk) for row in rows)
    assert placed.consultant == solo
    assert left.consultant is None  # the manager sees it unassigned in the inbox
    if connection.vendor == "postgresql":
        assert _has_consultant_check_validated() is False
        # New and changed rows are checked all the same.
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.filter(pk=placed.pk).update(consultant=None)
