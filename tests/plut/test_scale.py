"""The national-scale generator at a tiny size: every table filled as asked, consistent, the
database's own rules kept (generated scale, no overlapping bookings), deterministic, and the
sequences moved past the ids it wrote. PostgreSQL takes the COPY path, SQLite the INSERT path.
"""

from __future__ import annotations

import datetime
import io
import itertools
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from clinics.models import StaffMembership, WorkingHours
from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.validators import validate_nik
from mentoring.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    FollowUp,
    MentoringSession,
    SessionEnterprise,
)
from plut.top.demo.scale import FULL, Sizes, generate_scale
from tests.factories.mentoring import SessionFactory

TODAY = datetime.date(2026, 11, 20)
TINY = Sizes(
    centres=4,
    consultants=8,
    cooperatives=12,
    enterprises=40,
    sessions=120,
    bookings=200,
    years=2,
)


def _fingerprint(sessions) -> list[tuple]:
    return [
        (s.centre_id, s.topic, s.starts_at, s.mode, s.format, s.contact_minutes) for s in sessions
    ]


@pytest.fixture
def generated(reference_data):
    report = generate_scale(sizes=TINY, today=TODAY, stream=io.StringIO())
    return report


@pytest.mark.django_db
def test_every_table_holds_the_requested_rows(generated):
    assert MentoringSession.objects.count() == TINY.sessions
    assert Enterprise.objects.count() == TINY.enterprises
    assert Cooperative.objects.count() == TINY.cooperatives
    assert Booking.objects.count() == TINY.bookings
    # One owner per enterprise, one chair per cooperative.
    assert Person.objects.count() == TINY.enterprises + TINY.cooperatives
    assert Cooperative.board_members.through.objects.count() == TINY.cooperatives
    assert StaffMembership.objects.count() == TINY.consultants
    assert WorkingHours.objects.filter(membership__isnull=False).count() == TINY.consultants * 10
    assert SessionEnterprise.objects.count() == generated.rows["mentoring.SessionEnterprise"]
    assert SessionEnterprise.objects.count() >= TINY.sessions
    assert FollowUp.objects.count() == generated.rows["mentoring.FollowUp"]
    # The work is spread over every centre and across the years.
    centres = set(MentoringSession.objects.values_list("centre_id", flat=True))
    assert len(centres) == TINY.centres
    years = {d.year for d in MentoringSession.objects.dates("starts_at", "year")}
    assert len(years) >= 2


@pytest.mark.django_db
def test_rows_are_consistent_with_each_other(generated):
    # Sessions are led by a consultant of their own centre, about their centre's clients.
    staff = dict(StaffMembership.objects.values_list("user_id", "centre_id"))
    for session in MentoringSession.objects.all():
        assert staff[session.consultant_id] == session.centre_id
        assert session.ends_at > session.starts_at
    for link in SessionEnterprise.objects.select_related("session", "enterprise"):
        assert link.enterprise.centre_id == link.session.centre_id
    for enterprise in Enterprise.objects.select_related("regency", "centre", "owner"):
        assert enterprise.regency.province_id == enterprise.centre.province_id
        assert enterprise.owner.centre_id == enterprise.centre_id
        # The database computed the generated column (the generator never writes it).
        if enterprise.annual_turnover is not None or enterprise.business_capital:
            assert enterprise.scale
    for person in Person.objects.all():
        validate_nik(person.nik)  # well-formed, with a real regency and birth date


@pytest.mark.django_db
def test_no_consultant_has_overlapping_active_bookings(generated):
    by_consultant = defaultdict(list)
    for booking in Booking.objects.filter(
        status__in=ACTIVE_BOOKING_STATUSES, consultant__isnull=False
    ):
        by_consultant[booking.consultant_id].append((booking.starts_at, booking.ends_at))
    assert by_consultant, "some bookings ahead are active"
    for spans in by_consultant.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end
    # Past bookings are finished, bookings ahead are still open.
    assert not Booking.objects.filter(
        starts_at__date__lt=TODAY - datetime.timedelta(days=1), status__in=ACTIVE_BOOKING_STATUSES
    ).exists()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data(generated):
    first = _fingerprint(MentoringSession.objects.order_by("pk"))
    generate_scale(sizes=TINY, today=TODAY, stream=io.StringIO())
    second = _fingerprint(MentoringSession.objects.order_by("pk")[TINY.sessions :])
    assert first == second
    # And a new row after the generated ones takes the next free id.
    session = SessionFactory(consultant=StaffMembership.objects.first().user)
    assert session.pk > MentoringSession.objects.exclude(pk=session.pk).latest("pk").pk


@pytest.mark.django_db
def test_the_command_takes_sizes_and_a_scale(reference_data):
    out = io.StringIO()
    call_command(
        "generate_scale_data",
        "--scale=0.5",
        "--centres=2",
        "--consultants=2",
        "--cooperatives=4",
        "--enterprises=6",
        "--sessions=8",
        "--bookings=10",
        "--today=2026-11-20",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert MentoringSession.objects.count() == 8
    assert Booking.objects.count() == 10
    assert "mentoring.MentoringSession" in out.getvalue()
    assert "Done in" in out.getvalue()


def test_the_scale_preset_shrinks_work_but_keeps_the_country():
    small = FULL.scaled(0.01)
    assert (small.centres, small.consultants) == (100, 100)
    assert (small.enterprises, small.sessions, small.bookings) == (10_000, 50_000, 10_000)
    assert FULL.sessions == 5_000_000 and FULL.enterprises == 1_000_000


@pytest.mark.django_db
def test_the_bulk_path_matches_the_database(generated):
    # PostgreSQL is filled by COPY; the session left no foreign-key checks switched off.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
    assert generated.rows["mentoring.MentoringSession"] == TINY.sessions


@pytest.mark.django_db
def test_the_session_search_text_is_what_the_database_would_write(generated):
    # PostgreSQL's COPY runs with the triggers off (replication role): the generator writes
    # the text itself, and the database's own computation must agree with every row.
    written = dict(MentoringSession.objects.values_list("pk", "search_text"))
    assert all(text.count("\n") >= 2 for text in written.values())  # topic, client, owner
    MentoringSession.objects.update(topic=F("topic"))
    assert dict(MentoringSession.objects.values_list("pk", "search_text")) == written
