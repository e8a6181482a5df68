"""The benchmark harness, run in this process at a tiny scale (CI proves the served run with
``make bench SCALE=0.0005``). Nothing here checks a timing: only that every number is measured
and printed, and that booking under load never double-books."""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinics.models import StaffMembership
from cooperatives.models import Enterprise, Person
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, MentoringSession
from plut.foundation.accounts.models import Role, User
from plut.foundation.exports.models import ExportJob, ExportStatus
from plut.top.bench import cold_dashboards, data, exports, harness, routes
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
    clients["anonymous"] = harness.InProcessClient()
    return centre, data.context_for(centre), clients


@pytest.mark.django_db
def test_the_bench_has_one_account_per_role_around_its_centre(bench):
    centre, _ctx, _clients = bench
    assert data.bench_accounts() == centre  # a second run changes nothing
    users = {user.role: user for user in User.objects.filter(username__in=data.ACCOUNTS.values())}
    assert set(users) == set(Role.values)
    assert all(user.check_password(harness.BENCH_PASSWORD) for user in users.values())
    assert users[Role.PROVINCIAL].province_id == centre.province_id
    for role in (Role.MANAGER, Role.CONSULTANT):
        assert StaffMembership.objects.get(user=users[role]).centre == centre
    owned = Person.objects.get(user=users[Role.OWNER])
    assert owned.enterprises.filter(centre=centre).exists()


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
    # session, the user, the filter form's choices, the place and the facts' pending changes
    # (none) remain.
    with django_assert_max_num_queries(5):
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


# Pages each role must be able to open, by the route walk's labels: a walk that reports one of
# them "not open" (a wrong id, a lost account, a broken scope) fails here.
OPEN = [
    ("portal:home", "anonymous"),
    ("directory:centre_detail", "anonymous"),
    ("booking:manage", "anonymous"),
    ("api:centre-slots", "anonymous"),
    ("booking:start", "owner"),
    ("owner:home", "owner"),
    ("privacy:my_data", "owner"),
    ("api:session-list", "owner"),
    ("mentoring:staff_home", "national"),
    ("mentoring:staff_home", "provincial"),
    ("mentoring:staff_home", "manager"),
    ("mentoring:staff_home", "consultant"),
    ("mentoring:session_list", "provincial"),
    ("mentoring:session_detail", "consultant"),
    ("mentoring:session_update", "manager"),
    ("mentoring:follow_up_list", "provincial"),
    ("mentoring:inbox", "provincial"),
    ("mentoring:inbox", "consultant"),
    ("mentoring:booking_detail", "manager"),
    ("mentoring:cooperative_profile", "consultant"),
    ("cooperatives:enterprise_edit", "consultant"),
    ("clinics:team_list", "manager"),
    ("clinics:availability", "consultant"),
    ("clinics:centre_staff", "provincial"),
    ("exports:jobs", "consultant"),
    ("dashboards:national (section)", "national"),
    ("dashboards:province (key)", "provincial"),
    ("dashboards:centre (key, section)", "manager"),
    ("privacy:audit_log", "provincial"),
    ("api:dashboard", "provincial"),
]


@pytest.mark.django_db
def test_every_route_is_opened_as_every_role_that_may(bench):
    centre, ctx, clients = bench
    pages, report = routes.measure(clients, ctx, centre, requests=1, pages=harness.PAGES)
    assert report.routes > 100
    timed = {page.label: page for page in pages if page.stats is not None}
    assert report.timed == len(timed) > 200
    for name, role in OPEN:
        page = timed.get(f"route {name} [{role}]")
        assert page is not None, (name, role, report.not_open.get(role), report.skipped)
        assert page.status == 200 and page.queries is not None
        assert page.floor is not None and page.floor.count == 1
    # What a role may not open is said, and not timed.
    assert "mentoring:staff_home" in report.not_open["owner"]
    assert "mentoring:inbox" in report.not_open["anonymous"]
    assert "mentoring:follow_up_done" in report.post_only
    # The key pages are not measured twice; the other roles' views of them are.
    assert "route mentoring:session_list [national]" not in timed
    assert "route mentoring:session_list [consultant]" in timed
    printed = routes.table(report.as_dict())
    for line in (
        "Routes of the URL configuration:",
        "left out, the admin",
        "left out, logout: logout",
        "POST only (405, not timed): ",
        "not open to owner (403, 404 or sign in first): ",
        "skipped: no id for uidb64: password_reset_confirm [national]",
    ):
        assert line in printed
    result = harness.Result(scale=1, floor=next(iter(timed.values())).floor, pages=pages)
    assert "route mentoring:follow_up_list [provincial]" in harness.table(result)


@pytest.mark.django_db
def test_the_route_walk_takes_only_the_routes_asked_for(bench):
    centre, ctx, clients = bench
    pages, report = routes.measure(
        clients, ctx, centre, requests=1, pages=harness.PAGES, match="[owner]"
    )
    assert pages and all(page.label.endswith("[owner]") for page in pages)
    assert set(report.not_open) == {"owner"}


@pytest.mark.django_db
def test_cold_dashboard_views_are_sampled_per_level_and_timed(bench):
    _centre, ctx, clients = bench
    emptied = []

    def empty_cache() -> None:
        emptied.append(True)
        cache.clear()

    cold = cold_dashboards.measure(clients["national"], ctx, samples=3, empty_cache=empty_cache)
    assert len(emptied) == 9  # before every view
    assert set(cold["levels"]) == {"national", "province", "centre"}
    for found in cold["levels"].values():
        assert found["summary"]["count"] == 3 and found["summary"]["errors"] == 0
        assert all(view["status"] == 200 and view["ms"] > 0 for view in found["views"])
    # Seeded: the same views again.
    again = cold_dashboards.sample_urls(ctx, samples=3)
    assert again == {level: [v["url"] for v in f["views"]] for level, f in cold["levels"].items()}
    before = harness.Result(scale=0.01, floor=harness.Stats.of([0.01]))
    before.extra["dashboards_cold"] = cold
    printed = cold_dashboards.table(cold, baseline=before)
    assert "Cold first views of the dashboards: 3 random filter combinations per level" in printed
    assert "(seed 22)" in printed and "growth vs 0.01" in printed
    assert "The slowest 3 views of each level:" in printed


@pytest.mark.django_db
def test_cold_dashboard_filters_stay_within_what_each_level_offers(bench):
    _centre, ctx, _clients = bench
    urls = cold_dashboards.sample_urls(ctx, samples=40, seed=7)
    assert all("regency=" not in url for url in urls["national"])
    assert all("centre=" not in url for url in urls["centre"])
    assert any("period=custom" in url for level in urls.values() for url in level)
    for url in urls["province"] + urls["centre"]:
        assert "regency=" not in url or f"regency={ctx.province_code}." in url


@pytest.mark.django_db
def test_the_session_export_is_measured_whole_when_streamed(bench):
    _centre, _ctx, clients = bench
    result = exports.measure(clients["national"])
    assert result.how == "streamed at once"
    assert result.rows == MentoringSession.objects.count() == TINY.sessions
    assert result.complete
    assert "complete: yes" in exports.table(result.as_dict())


@pytest.mark.django_db
def test_a_large_session_export_is_run_as_its_job_and_counted(bench, settings, tmp_path):
    _centre, _ctx, clients = bench
    settings.EXPORT_STREAM_MAX_ROWS = 50
    settings.MEDIA_ROOT = tmp_path
    result = exports.measure(clients["national"])
    assert result.how == "a background job"
    assert result.status == ExportStatus.DONE
    assert result.rows == TINY.sessions and result.complete
    printed = exports.table(result.as_dict())
    assert "a background job (done): 140 rows" in printed and "complete: yes" in printed
    # The file is gone at once; the job's page stays, as an expired download's.
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not any(tmp_path.rglob("*.csv"))
