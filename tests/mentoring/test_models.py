from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mentoring.models import BOOKING_TRANSITIONS, BookingStatus, Mode, Outcome
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        (BookingStatus.REQUESTED, {BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
        (
            BookingStatus.CONFIRMED,
            {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW},
        ),
        (BookingStatus.COMPLETED, set()),
        (BookingStatus.CANCELLED, set()),
        (BookingStatus.NO_SHOW, set()),
    ],
)
def test_booking_lifecycle(world, start, allowed):
    booking = world.a.booking
    booking.status = start
    assert {s for s in BookingStatus if booking.can_become(s)} == allowed
    assert BOOKING_TRANSITIONS[start] == allowed


def test_session_must_end_after_it_starts_in_forms_and_in_the_database(world):
    session = world.a.session
    session.ends_at = session.starts_at
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert error.value.message_dict["ends_at"] == ["Waktu selesai harus setelah waktu mulai."]
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_online_session_needs_a_meeting_link(world):
    session = SessionFactory.build(
        consultant=world.a.consultant, centre=world.a.centre, mode=Mode.ONLINE, meeting_link=""
    )
    with pytest.raises(ValidationError) as error:
        session.full_clean(exclude=["created_by"])
    assert "meeting_link" in error.value.message_dict


def test_outcome_with_financing_names_its_source(world):
    outcome = Outcome(
        enterprise=world.a.enterprise,
        recorded_on=datetime.date(2026, 1, 5),
        financing_amount=50_000_000,
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "financing_source" in error.value.message_dict
    outcome.financing_source = "kur"
    outcome.full_clean()


def test_an_enterprise_attends_a_session_once(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        world.a.session.enterprises.through.objects.create(
            session=world.a.session, enterprise=world.a.enterprise
        )
