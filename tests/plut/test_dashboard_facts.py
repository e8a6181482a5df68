"""The dashboards' facts give exactly the figures the source tables give.

The selectors' computation from the source tables (``facts.answers`` off) is the oracle; the
numbers tests (test_dashboards_numbers.py) check it against independent counts. Here, on data
from the scale generator, seeded random combinations of place, period (every preset and custom
ranges up to three years, starting and ending mid-month), service area, mode, centre and the
clients' regency are computed both ways for every section of the level, and must be equal;
then again after writes of every kind have been worked in incrementally, and the incremental
cells must equal a rebuild.
"""

from __future__ import annotations

import datetime
import io
import random
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from clinics.models import Centre, ServiceArea
from cooperatives.models import Cooperative, Enterprise
from mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSession,
    Mode,
    SatisfactionSurvey,
    SessionEnterprise,
)
from plut.top.dashboards import tasks
from plut.top.dashboards.facts import keep
from plut.top.dashboards.facts import read as facts
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, Filters, Place, SystemReader
from plut.top.dashboards.models import Cell, ConsultantCell, DirtyMark, Level, RegencyCell
from plut.top.dashboards.periods import MAX_DAYS, PRESETS, Period, preset_period
from plut.top.dashboards.sections import sections_for
from plut.top.demo.scale import Sizes, generate_scale
from tests.factories.mentoring import SessionFactory

TODAY = datetime.date(2026, 11, 20)
SIZES = Sizes(
    centres=6,
    consultants=12,
    cooperatives=20,
    enterprises=120,
    sessions=900,
    bookings=400,
    years=3,
)
COMBINATIONS = 25  # per level
FIRST_DAY = datetime.date(2023, 10, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(reference_data):
    # The generator's COPY runs with the triggers off on PostgreSQL: it builds the facts.
    generate_scale(sizes=SIZES, today=TODAY, stream=io.StringIO())
    assert not DirtyMark.objects.exists()
    # The generator answers no surveys: a participant of one session in five answers one (an
    # unanswered one now and then), worked into the facts as any write is.
    rng = random.Random(5)
    for session, enterprise in SessionEnterprise.objects.filter(attended=True).values_list(
        "session_id", "enterprise_id"
    )[::5]:
        SatisfactionSurvey.objects.create(
            session_id=session,
            enterprise_id=enterprise,
            score=None if rng.random() < 0.1 else rng.randrange(1, 6),
        )
    keep.drain()


def _random_filters(rng: random.Random, place: Place) -> Filters:
    preset = rng.choice(list(PRESETS))
    if preset == "custom":
        start = FIRST_DAY + datetime.timedelta(days=rng.randrange(0, 3 * 365))
        end = start + datetime.timedelta(days=rng.randrange(0, MAX_DAYS))
        period = Period(start, end)
    else:
        period = preset_period(preset, TODAY - datetime.timedelta(days=rng.randrange(0, 500)))
    centres = Centre.objects.order_by("pk")
    if place.province:
        centres = centres.filter(province=place.province)
    centre = None
    if place.level != CENTRE and rng.random() < 0.3:
        centre = rng.choice(list(centres.values_list("pk", flat=True)))
    regency = ""
    if place.level != NATIONAL and rng.random() < 0.6:
        # The province's regencies its clients live in, and now and then one without clients.
        lived_in = Enterprise.objects.filter(regency__province=place.province)
        regency = rng.choice(
            [*lived_in.values_list("regency_id", flat=True).distinct().order_by("regency_id")]
            or [""]
        )
        if rng.random() < 0.1:
            regency = place.province.regencies.exclude(enterprises__isnull=False).first().pk
    return Filters(
        period=period,
        preset=preset,
        service_area=rng.choice(["", "", *ServiceArea.objects.values_list("code", flat=True)]),
        mode=rng.choice(["", "", *Mode.values]),
        centre=centre,
        regency=regency,
    )


def _places(rng: random.Random, level: str) -> Place:
    if level == NATIONAL:
        return Place(NATIONAL)
    centre = rng.choice(list(Centre.objects.select_related("province").order_by("pk")))
    if level == PROVINCE:
        return Place(PROVINCE, province=centre.province)
    return Place(CENTRE, province=centre.province, centre=centre)


def _both_ways(place: Place, filters: Filters, monkeypatch) -> list[tuple]:
    """Every section of the level, from the facts and from the source tables."""
    reader = SystemReader()
    differences = []
    for section in sections_for(place.level):
        from_facts = section.compute(reader, place, filters, "")
        with monkeypatch.context() as patched:
            patched.setattr(facts, "answers", lambda _filters: False)
            from_sources = section.compute(reader, place, filters, "")
        if from_facts != from_sources:
            differences.append((section.key, place, filters, from_facts, from_sources))
    return differences


def _equivalent(seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    differences = []
    for level in (NATIONAL, PROVINCE, CENTRE):
        for _ in range(COMBINATIONS):
            place = _places(rng, level)
            differences += _both_ways(place, _random_filters(rng, place), monkeypatch)
    assert not differences, differences[:2]


def test_random_filters_give_the_source_tables_figures(generated, monkeypatch):
    assert Cell.objects.exists() and ConsultantCell.objects.exists()
    assert RegencyCell.objects.exists()
    _equivalent(seed=2026, monkeypatch=monkeypatch)


def _cells() -> set[tuple]:
    return (
        {
            (
                c.level,
                c.scope,
                c.area,
                c.mode,
                c.grain,
                c.day,
                c.sessions,
                c.contact_minutes,
                c.surveys,
                c.score_sum,
                c.bookings,
                c.bookings_cancelled,
                c.booked_seconds,
                bytes(c.enterprises),
                bytes(c.cooperatives),
            )
            for c in Cell.objects.all()
        }
        | {
            (c.area, c.mode, c.day, c.centre_id, c.consultant_id, c.sessions, c.travel_minutes)
            for c in ConsultantCell.objects.all()
        }
        | {
            (
                c.centre_id,
                c.province,
                c.regency,
                c.area,
                c.mode,
                c.day,
                c.sessions,
                c.preparation_minutes,
                c.surveys,
                c.score_sum,
                c.bookings,
                c.bookings_no_show,
                c.booked_seconds,
                bytes(c.enterprises),
                bytes(c.cooperatives),
            )
            for c in RegencyCell.objects.all()
        }
    )


def _write_every_kind(rng: random.Random) -> None:
    """Writes on every path the triggers watch: sessions moved across months, centres and
    areas, deleted, attendance changed, cooperatives linked, surveys answered, bookings
    cancelled, moved and given another enterprise, enterprises moved to another regency,
    bulk ``update()``."""
    sessions = list(MentoringSession.objects.order_by("pk")[:40])
    centres = list(Centre.objects.order_by("pk"))
    areas = list(ServiceArea.objects.all())
    for session in sessions[:10]:
        session.starts_at -= datetime.timedelta(days=rng.randrange(1, 90), hours=rng.randrange(24))
        session.ends_at = session.starts_at + datetime.timedelta(hours=1)
        session.centre = rng.choice(centres)
        session.service_area = rng.choice(areas)
        session.save()
    for session in sessions[10:15]:
        SessionEnterprise.objects.filter(session=session).delete()
        SatisfactionSurvey.objects.filter(session=session).delete()
        session.cooperatives.clear()
        session.delete()
    SessionEnterprise.objects.filter(session__in=sessions[15:25]).update(attended=False)
    cooperative = Cooperative.objects.order_by("pk").first()
    for session in sessions[25:30]:
        session.cooperatives.add(cooperative)
    for survey in SatisfactionSurvey.objects.filter(session__in=sessions[30:40]):
        survey.score = rng.randrange(1, 6)
        survey.save()
    MentoringSession.objects.filter(pk__in=[s.pk for s in sessions[30:35]]).update(
        mode=Mode.ONLINE, contact_minutes=7
    )
    for booking in Booking.objects.order_by("pk")[:10]:
        booking.status = BookingStatus.CANCELLED
        booking.starts_at += datetime.timedelta(days=33)
        booking.ends_at += datetime.timedelta(days=33)
        booking.held_until = booking.ends_at
        booking.save()
    enterprises = list(Enterprise.objects.filter(bookings__isnull=False).order_by("pk")[:6])
    for booking in Booking.objects.order_by("-pk")[:5]:
        booking.enterprise = rng.choice(enterprises)
        booking.save()
    # Attending clients moved to another regency of their province, one by save(), the rest
    # by a bulk update(): every session and booking of theirs changes regency.
    movers = list(
        Enterprise.objects.filter(sessionenterprise__isnull=False)
        .select_related("regency")
        .distinct()
        .order_by("pk")[:8]
    )
    for enterprise in movers:
        others = enterprise.regency.province.regencies.exclude(pk=enterprise.regency_id)
        enterprise.regency = rng.choice(list(others))
    movers[0].save()
    for enterprise in movers[1:]:
        Enterprise.objects.filter(pk=enterprise.pk).update(regency=enterprise.regency)


def test_writes_are_worked_in_incrementally_as_a_rebuild_would(generated, monkeypatch):
    _write_every_kind(random.Random(7))
    assert DirtyMark.objects.exists()
    assert keep.drain() > 0 and not DirtyMark.objects.exists()
    drained = _cells()
    _equivalent(seed=7, monkeypatch=monkeypatch)
    keep.rebuild_all()
    assert _cells() == drained


def test_a_write_the_figures_do_not_read_leaves_no_mark(generated):
    session = MentoringSession.objects.order_by("pk").first()
    session.topic = "Topik baru"
    session.save()
    assert not DirtyMark.objects.exists()


def test_a_dashboard_view_works_in_a_few_changes_and_marks_many_as_being_updated(
    generated, settings, client, django_user_model
):
    national = django_user_model.objects.create_user("nasional", role="national")
    client.force_login(national)
    settings.DASHBOARD_FACTS_INLINE = 5
    session = MentoringSession.objects.order_by("pk").first()
    session.contact_minutes += 60
    session.save()
    response = client.get("/dashboard/national/")
    assert not response.context["figures"].stale
    assert not DirtyMark.objects.exists()
    _write_every_kind(random.Random(3))
    response = client.get("/dashboard/national/")
    assert response.context["figures"].stale
    assert "Data baru sedang dihitung" in response.content.decode()
    keep.drain()
    assert not client.get("/dashboard/national/").context["figures"].stale


# --- Upkeep: Celery after each commit, one refresher at a time --------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_commit_that_writes_sessions_queues_one_drain(world, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.dashboard_facts_drain, "delay", lambda: queued.append(1))
    tasks.dashboard_facts_drain()  # the world's own writes, and their queued flag
    with transaction.atomic():
        for _ in range(3):
            SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
        assert not queued  # not before the commit
    assert queued == [1]  # once, however many writes the transaction made
    tasks.dashboard_facts_drain()  # the task lets the next commit queue again, then drains
    assert not DirtyMark.objects.exists()
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    assert queued == [1, 1]


def test_a_client_moved_to_another_regency_queues_a_drain_and_an_edit_does_not(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.dashboard_facts_drain, "delay", lambda: queued.append(1))
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    tasks.dashboard_facts_drain()
    enterprise = world.a.enterprise
    with django_capture_on_commit_callbacks(execute=True):
        Enterprise.objects.filter(pk=enterprise.pk).update(name="Nama baru")
    assert not queued and not DirtyMark.objects.exists()
    elsewhere = enterprise.regency.province.regencies.exclude(pk=enterprise.regency_id).first()
    with django_capture_on_commit_callbacks(execute=True):
        Enterprise.objects.filter(pk=enterprise.pk).update(regency=elsewhere)
    assert queued == [1] and DirtyMark.objects.exists()
    tasks.dashboard_facts_drain()
    assert RegencyCell.objects.filter(regency=elsewhere.pk).exists()
    assert not RegencyCell.objects.filter(regency=enterprise.regency_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_never_fails_the_write(world, monkeypatch, caplog):
    def unreachable() -> None:
        raise OSError("broker down")

    tasks.dashboard_facts_drain()  # the world's own writes, and their queued flag
    monkeypatch.setattr(tasks.dashboard_facts_drain, "delay", unreachable)
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    assert DirtyMark.objects.exists()  # kept for the minute's beat
    assert "not queued" in caplog.text
    caplog.clear()
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    assert "not queued" in caplog.text  # the next commit tries again


@pytest.mark.django_db(transaction=True)
def test_two_refreshers_at_once_leave_the_cells_a_rebuild_would(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; the advisory lock is PostgreSQL's")
    for _ in range(6):
        SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
        SessionFactory(consultant=world.b.consultant, enterprises=[world.b.enterprise])
    barrier = threading.Barrier(2)
    failures = []

    def refresh() -> None:
        try:
            barrier.wait()
            keep.drain()
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and not DirtyMark.objects.exists()
    drained = _cells()
    keep.rebuild_all()
    assert _cells() == drained


def test_the_command_works_changes_in_or_rebuilds(world):
    out = io.StringIO()
    call_command("dashboard_facts", stdout=out)
    assert "changes worked in" in out.getvalue() and not DirtyMark.objects.exists()
    call_command("dashboard_facts", "--rebuild", stdout=out)
    assert "centre-months rebuilt" in out.getvalue()
    assert Cell.objects.filter(level=Level.CENTRE, scope=world.a.centre.pk).exists()
