"""The benchmark harness, run in this process at a tiny scale (CI proves the served run with
``make bench SCALE=0.0005``). Nothing here checks a timing: only that every number is measured
and printed, and that booking under load never double-books."""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cooperatives.models import Enterprise
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking
from plut.foundation.accounts.models import User
from plut.top.bench import data, harness
from plut.top.bench.middleware import HEADER
from plut.top.demo.scale import Sizes, generate_scale
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import BookingFactory

TINY = Sizes(
    centres=2, consultants=4, cooperatives=4, enterprises=30, sessions=140, bookings=40, years=1
)


@pytest.fixture
def bench(reference_data, settings):
    settings.MIDDLEWARE = ["plut.top.bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    settings.ROOT_URLCONF = "plut.top.bench.urls"
    settings.RATELIMIT_BOOKING_PER_IP = 10_000
    generate_scale(sizes=TINY, stream=io.StringIO())
    centre = data.bench_accounts()
    clients = {}
    for role, username in data.ACCOUNTS.items():
        clients[role] = harness.InProcessClient()
        clients[role].login(username, harness.BENCH_PASSWORD)
    return centre, data.context_for(centre), clients


@pytest.mark.django_db
def test_the_floor_is_a_logged_in_page_behind_the_middleware(bench, client):
    _centre, _ctx, clients = bench
    reply = clients["national"].get("/staff/ping/")
    assert (reply.status, reply.text) == (200, "ok")
    # Logged in: the session and the user are read, like on every staff page.
    assert reply.queries >= 2
    anonymous = client.get("/staff/ping/")
    assert anonymous.status_code == 302
    assert HEADER in anonymous.headers


@pytest.mark.django_db
def test_production_does_not_route_the_benchmarks_floor(client):
    with pytest.raises(NoReverseMatch):
        reverse("ping")
    assert client.get("/staff/ping/").status_code == 404


@pytest.mark.django_db
def test_every_key_page_is_measured_and_printed(bench):
    _centre, ctx, clients = bench
    floor, pages = harness.measure(clients, ctx, requests=2)
    assert floor.count == 2 and floor.median_ms > 0
    by_label = {page.label: page for page in pages}
    assert set(by_label) == {spec.label for spec in harness.PAGES}
    for label in (
        "sessions: first page",
        "sessions: deep page",
        "sessions: search",
        "sessions: filtered",
        "sessions: centre staff",
        "enterprise profile",
        "free slots (public)",
        "admin: session changelist",
    ):
        page = by_label[label]
        assert page.status == 200, (label, page)
        assert page.stats.count == 2
        # The floor was timed alternately with the page, as often.
        assert page.floor.count == 2 and page.floor.median_ms > 0
        assert page.queries is not None and page.queries > 0
    # The deep page followed the keyset cursors to the last page there is.
    deep = by_label["sessions: deep page"]
    assert "cursor=" in deep.path
    assert deep.note == "only 3 pages"
    # A page whose URL does not exist yet gets a row that says so, not a crash.
    for page in pages:
        assert page.stats is not None or page.note
    result = harness.Result(scale=0.0001, floor=floor, pages=pages)
    baseline = harness.Result.from_json(result.to_json())
    printed = harness.table(result, baseline=baseline)
    assert "Floor (logged-in trivial page)" in printed
    assert "sessions: deep page" in printed
    assert "Admin changelist / workspace session list" in printed
    assert "growth vs" in printed


def test_a_page_is_divided_by_the_floor_timed_beside_it():
    overall = harness.Stats(median_ms=5.0, p95_ms=6.0, count=40)
    page = harness.PageResult(
        "sessions: first page",
        "/staff/sessions/",
        200,
        6,
        harness.Stats(median_ms=10.0, p95_ms=16.0, count=20),
        floor=harness.Stats(median_ms=2.0, p95_ms=3.0, count=20),
    )
    earlier = harness.PageResult(
        "sessions: first page",
        "/staff/sessions/",
        200,
        6,
        harness.Stats(median_ms=12.0, p95_ms=14.0, count=20),
        floor=harness.Stats(median_ms=3.0, p95_ms=4.0, count=20),
    )
    result = harness.Result(scale=1, floor=overall, pages=[page])
    baseline = harness.Result(scale=0.01, floor=overall, pages=[earlier])
    row = next(
        line for line in harness.table(result, baseline).splitlines() if "first page" in line
    )
    # 10 / 2 and 16 / 2, not 10 / 5; growth 5x against the baseline's 12 / 3 = 4x.
    assert row.split()[-3:] == ["5.0x", "8.0x", "1.25x"]


@pytest.mark.django_db
def test_the_monthly_report_of_a_province_is_timed(bench):
    _centre, ctx, _clients = bench
    month = datetime.date.fromisoformat(f"{ctx.month}-01")
    computed, kept = harness.monthly_report(ctx.province_code, month, repeats=2)
    assert computed.count == 2 and kept.count == 2 and computed.median_ms > 0
    extra = {
        "monthly_report": dataclasses.asdict(computed),
        "monthly_report_snapshots": dataclasses.asdict(kept),
    }
    printed = harness.table(harness.Result(scale=1, floor=computed, extra=extra), baseline=None)
    assert "Monthly report, one province, computed from the data" in printed
    assert "Monthly report, one province, from the snapshots Celery keeps" in printed


@pytest.mark.django_db
def test_dashboards_are_computed_ahead_and_then_read_from_their_snapshots(
    bench, client, django_assert_max_num_queries
):
    _centre, ctx, _clients = bench
    seconds = harness.warm_dashboards(ctx)
    assert set(seconds) == {"national", "province", "centre"}
    client.force_login(User.objects.get(username=data.ACCOUNTS["national"]))
    # Computing the national overview takes a dozen queries; read from its snapshot, only the
    # session, the user, the filter form's choices and the place remain.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("dashboards:national"))
    assert response.status_code == 200
    assert not response.context["figures"].stale


@pytest.mark.django_db(transaction=True)
def test_booking_under_load_books_and_never_double_books(bench):
    centre, ctx, clients = bench
    # SQLite serialises writers; PostgreSQL takes real concurrency and its exclusion constraint.
    owners = 4 if connection.vendor == "postgresql" else 1
    before = Booking.objects.count()
    result = harness.booking_load(
        harness.InProcessClient,
        ctx,
        clients=owners,
        seconds=2,
        regency_id=centre.regency_id or centre.province.regencies.first().pk,
        floor_client=clients["manager"],
    )
    assert result.floor_under_load is not None and result.floor_under_load.count >= 1
    assert result.think == (0.0, 0.0)
    assert result.attempts >= 1
    assert result.booked >= 1
    assert result.errors == 0
    assert result.double_bookings == 0
    assert result.stats is not None
    # Counted, then taken out again: the next run finds the centre's calendar as it was.
    assert Booking.objects.count() == before
    assert not Enterprise.objects.filter(name__startswith="Usaha Uji ").exists()


@pytest.mark.django_db(transaction=True)
def test_what_an_interrupted_run_left_is_taken_out_first(bench):
    centre, ctx, _clients = bench
    kept = Booking.objects.filter(centre_id=ctx.centre_id).first()  # generated: stays
    left = BookingFactory(
        enterprise=EnterpriseFactory(centre_id=ctx.centre_id, name="Usaha Uji 7-1"),
        starts_at=timezone.now() + datetime.timedelta(days=90),
    )
    harness.booking_load(
        harness.InProcessClient,
        ctx,
        clients=1,
        seconds=0.5,
        regency_id=centre.regency_id or centre.province.regencies.first().pk,
    )
    assert not Booking.objects.filter(pk=left.pk).exists()
    assert not Enterprise.objects.filter(pk=left.enterprise_id).exists()
    assert kept is not None and Booking.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_paced_owners_pause_before_each_step(bench):
    centre, ctx, _clients = bench
    result = harness.booking_load(
        harness.InProcessClient,
        ctx,
        clients=1,
        seconds=0.5,
        regency_id=centre.regency_id or centre.province.regencies.first().pk,
        think=(0.2, 0.2),
    )
    # Two pauses of 0.2 s before each POST: at most two attempts fit in half a second.
    assert 1 <= result.attempts <= 2
    assert result.double_bookings == 0
    overload = dataclasses.replace(result, think=(0.0, 0.0))
    printed = harness.table(
        harness.Result(scale=1, floor=result.stats, booking=overload, booking_paced=result)
    )
    assert "no pause between steps (an overload)" in printed
    assert "each pausing 0.2-0.2 s before each step" in printed
    again = harness.Result.from_json(
        harness.Result(scale=1, floor=result.stats, booking_paced=result).to_json()
    )
    assert again.booking_paced == result


@pytest.mark.django_db
def test_double_bookings_are_counted_in_sql(bench):
    booking = Booking.objects.filter(
        status__in=ACTIVE_BOOKING_STATUSES, consultant__isnull=False
    ).first()
    since = timezone.now() - datetime.timedelta(minutes=1)
    assert harness.double_bookings(since) == 0
    overlap = Booking(
        enterprise=booking.enterprise,
        centre=booking.centre,
        service_area=booking.service_area,
        consultant=booking.consultant,
        starts_at=booking.starts_at + datetime.timedelta(minutes=30),
        ends_at=booking.ends_at + datetime.timedelta(minutes=30),
        held_until=booking.ends_at + datetime.timedelta(minutes=30),
        status=booking.status,
    )
    if connection.vendor == "postgresql":
        # The exclusion constraint refuses the overlap outright, so the count stays 0.
        with pytest.raises(IntegrityError), transaction.atomic():
            overlap.save()
        assert harness.double_bookings(since) == 0
    else:
        overlap.save()
        assert harness.double_bookings(since) == 1
