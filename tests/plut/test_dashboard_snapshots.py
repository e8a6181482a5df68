"""Dashboard snapshots (plut.top.dashboards.snapshots): a second view reads the kept figures, every
kind of write to a source table makes them current again, stale ones are served while one
refresh is queued, a snapshot is shared by every reader allowed to see its place (and by the
API and the monthly report), the precompute job, and pages that survive a dead cache."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinics.models import Centre
from mentoring.models import MentoringSession, SessionEnterprise
from plut.foundation.accounts.models import User
from plut.foundation.regions.models import Province
from plut.top.dashboards import snapshots, tasks
from plut.top.dashboards.facts import keep
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE
from plut.top.dashboards.sections import sections_for
from plut.top.reports.models import Report, ReportLevel
from plut.top.reports.services import report_sections
from tests.factories import calendar
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

PROVINCE_PAGE = "/dashboard/province/18/"
STALE_NOTE = "Data baru sedang dihitung"
# A view that reads its snapshot: the session and user, the place, the filter form's choices
# (service areas, centres, regencies), the facts' pending changes (none), and nothing that
# grows with the sections' selectors.
READ_QUERIES = 7


def _card(response, key: str) -> dict:
    return next(c for c in response.context["data"]["kpis"]["cards"] if c["key"] == key)


def _cards(response) -> dict[str, tuple]:
    return {
        c["key"]: (c["current"], c["previous"], c["year_ago"])
        for c in response.context["data"]["kpis"]["cards"]
    }


@pytest.fixture
def officer(client, world):
    client.force_login(world.a.officer)
    return client


def _computed(client, url: str = PROVINCE_PAGE, **params):
    """A view that computes its figures (no current snapshot): more queries than a read."""
    response = client.get(url, params)
    assert response.status_code == 200
    return response


# --- 1. A second view reads the snapshot ---------------------------------------------------


def test_a_second_identical_view_reads_the_snapshot(
    officer, world, django_assert_num_queries, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as first_queries:
        first = _computed(officer)
    with django_assert_num_queries(READ_QUERIES):
        second = officer.get(PROVINCE_PAGE)
    # The kpis read the facts, the outcomes and the turnovers: a recomputation cannot hide
    # in a read.
    assert len(first_queries) >= READ_QUERIES + 3
    assert second.context["data"] == first.context["data"]
    assert second.context["figures"].computed_at == first.context["figures"].computed_at
    assert not second.context["figures"].stale
    assert _card(second, "sessions")["current"] == 1
    assert "Angka dihitung" in second.content.decode()
    # Other filters are another snapshot.
    with django_assert_max_num_queries(READ_QUERIES + 20) as other:
        officer.get(PROVINCE_PAGE, {"mode": "online"})
    assert len(other) > READ_QUERIES


# --- 2. Writes make the figures current again ----------------------------------------------


def _add_session(world):
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])


def _second_enterprise_absent(world):
    SessionEnterprise.objects.filter(session=world.a.session).update(attended=False)


def _contact_minutes_doubled(world):
    MentoringSession.objects.filter(pk=world.a.session.pk).update(contact_minutes=120)


def _bulk_session(world):
    template = world.a.session
    MentoringSession.objects.bulk_create(
        [
            MentoringSession(
                centre=template.centre,
                consultant=template.consultant,
                service_area=template.service_area,
                mode=template.mode,
                starts_at=template.starts_at,
                ends_at=template.ends_at,
                topic="Dicatat sekaligus",
                contact_minutes=30,
                created_by=template.consultant,
            )
        ]
    )


def _session_deleted(world):
    world.a.follow_up.delete()
    world.a.session.delete()


WRITES = {
    # (the write, the card it moves, its value before, its value after)
    "save": (_add_session, "sessions", 1, 2),
    "update_attended": (_second_enterprise_absent, "enterprises", 1, 0),
    "update_minutes": (_contact_minutes_doubled, "contact_hours", 1, 2),
    "bulk_create": (_bulk_session, "sessions", 1, 2),
    "delete": (_session_deleted, "sessions", 1, 0),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_kind_of_write_makes_the_figures_current(
    officer, world, write, django_assert_num_queries
):
    change, card, before, after = WRITES[write]
    assert float(_card(_computed(officer), card)["current"]) == before
    with django_assert_num_queries(READ_QUERIES):
        officer.get(PROVINCE_PAGE)
    change(world)
    response = _computed(officer)
    assert float(_card(response, card)["current"]) == after
    assert STALE_NOTE not in response.content.decode()


def test_a_write_to_an_unwatched_table_keeps_the_snapshot(
    officer, world, django_assert_num_queries
):
    first = _computed(officer)
    User.objects.filter(pk=world.a.officer.pk).update(last_login=timezone.now())
    world.b.officer.set_password("another-long-password-2026")
    world.b.officer.save(update_fields=["password"])
    with django_assert_num_queries(READ_QUERIES):
        second = officer.get(PROVINCE_PAGE)
    assert second.context["figures"].computed_at == first.context["figures"].computed_at


def test_a_write_in_another_province_also_renews_this_one(officer, world):
    """One data version for all: simpler than tracking places, and never wrong."""
    first = _computed(officer)
    SessionFactory(consultant=world.b.consultant, enterprises=[world.b.enterprise])
    second = _computed(officer)
    assert second.context["figures"].computed_at > first.context["figures"].computed_at
    assert _card(second, "sessions")["current"] == 1


# --- 3. Serving stale figures while one refresh is queued ----------------------------------


def test_stale_figures_are_served_while_one_refresh_is_queued(
    officer, world, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.DASHBOARD_SERVE_STALE = True
    first = _computed(officer)
    assert STALE_NOTE not in first.content.decode()
    _add_session(world)
    keep.drain()  # as Celery does after the commit: the facts are current, the snapshot old
    with (
        mock.patch.object(tasks.dashboard_snapshot_refresh, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with django_assert_num_queries(READ_QUERIES):
            stale = officer.get(PROVINCE_PAGE)
        again = officer.get(PROVINCE_PAGE)
    for response in (stale, again):
        assert _card(response, "sessions")["current"] == 1  # the old figure
        assert response.context["figures"].stale
        assert response.context["figures"].computed_at == first.context["figures"].computed_at
        assert STALE_NOTE in response.content.decode()
    delay.assert_called_once()
    assert delay.call_args.args == ()
    kwargs = delay.call_args.kwargs
    assert (kwargs["level"], kwargs["place_key"], kwargs["section"]) == (PROVINCE, "18", "overview")

    snapshots.refresh(**kwargs)
    with django_assert_num_queries(READ_QUERIES):
        fresh = officer.get(PROVINCE_PAGE)
    assert _card(fresh, "sessions")["current"] == 2
    assert not fresh.context["figures"].stale
    assert STALE_NOTE not in fresh.content.decode()
    assert fresh.context["figures"].computed_at > first.context["figures"].computed_at
    # The refresh released its lock: the next change queues a new one.
    _add_session(world)
    with (
        mock.patch.object(tasks.dashboard_snapshot_refresh, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        officer.get(PROVINCE_PAGE)
    delay.assert_called_once()


def test_the_refresh_survives_the_brokers_json(officer, world, settings, monkeypatch):
    """Celery sends the kwargs as JSON: the filters' tuple arrives as a list, the centre as int."""
    import json

    settings.DASHBOARD_SERVE_STALE = True
    params = {"period": "quarter", "mode": "in_person", "centre": world.a.centre.pk}
    _computed(officer, **params)
    _add_session(world)
    queued = []
    monkeypatch.setattr(
        tasks.dashboard_snapshot_refresh, "delay", lambda **kw: queued.append(json.dumps(kw))
    )
    monkeypatch.setattr(snapshots.transaction, "on_commit", lambda fn, using=None: fn())
    assert officer.get(PROVINCE_PAGE, params).context["figures"].stale
    (sent,) = queued
    snapshots.refresh(**json.loads(sent))
    fresh = officer.get(PROVINCE_PAGE, params)
    assert not fresh.context["figures"].stale
    assert _card(fresh, "sessions")["current"] == 2


# --- 4. One snapshot for every reader allowed to see the place -----------------------------


def test_the_snapshot_is_shared_by_every_reader_of_the_place(
    client, world, django_assert_num_queries
):
    client.force_login(world.national)
    national = _computed(client)
    client.force_login(world.a.officer)
    with django_assert_num_queries(READ_QUERIES):
        own = client.get(PROVINCE_PAGE)
    assert _cards(own) == _cards(national)
    assert own.context["figures"].computed_at == national.context["figures"].computed_at
    centre_page = f"/dashboard/centre/{world.a.centre.pk}/consultants/"
    client.force_login(world.a.officer)
    by_officer = _computed(client, centre_page)
    client.force_login(world.a.manager)
    with django_assert_num_queries(READ_QUERIES):  # its scope's membership, no centre choice
        by_manager = client.get(centre_page)
    assert by_manager.context["data"] == by_officer.context["data"]
    # A kept snapshot opens no door: outsiders still get 404.
    for outsider, url in [
        (world.b.officer, PROVINCE_PAGE),
        (world.b.manager, PROVINCE_PAGE),
        (world.b.officer, centre_page),
        (world.b.manager, centre_page),
        (world.a.manager, PROVINCE_PAGE),
    ]:
        client.force_login(outsider)
        assert client.get(url).status_code == 404, (outsider.username, url)


# --- 5. An unreachable cache ---------------------------------------------------------------


class _DeadCache:
    """A cache whose server is gone: every call raises, as Redis's client does."""

    def __getattr__(self, name):
        def unreachable(*args, **kwargs):
            raise ConnectionError("cache down")

        return unreachable


def test_an_unreachable_cache_still_shows_live_figures(officer, world, monkeypatch):
    _computed(officer)  # a snapshot kept before the cache went away
    monkeypatch.setattr(snapshots, "cache", _DeadCache())
    response = officer.get(PROVINCE_PAGE)
    assert response.status_code == 200
    assert _card(response, "sessions")["current"] == 1
    assert not response.context["figures"].stale
    _add_session(world)  # the data version's bump raises inside: the write still succeeds
    assert MentoringSession.objects.filter(centre=world.a.centre).count() == 2
    response = officer.get(PROVINCE_PAGE)
    assert response.status_code == 200
    assert _card(response, "sessions")["current"] == 2


def test_an_unreachable_cache_read_falls_back_to_live_figures(officer, world, monkeypatch):
    monkeypatch.setattr(cache, "get", _DeadCache().get)
    response = officer.get(PROVINCE_PAGE)
    assert response.status_code == 200
    assert _card(response, "sessions")["current"] == 1
    assert not response.context["figures"].stale


# --- 6. The hourly precompute --------------------------------------------------------------


def _default_pairs() -> int:
    provinces = Province.objects.filter(code__in=Centre.objects.values("province")).count()
    centres = Centre.objects.count()
    return (
        len(sections_for(NATIONAL))
        + provinces * len(sections_for(PROVINCE))
        + centres * len(sections_for(CENTRE))
    )


def test_precompute_computes_every_default_view_once(client, world, django_assert_num_queries):
    world.sessions_mid_last_month()
    pairs = _default_pairs()
    assert pairs > len(sections_for(NATIONAL)) + 2 * len(sections_for(CENTRE))
    assert snapshots.precompute_defaults() == pairs
    assert snapshots.precompute_defaults() == 0
    client.force_login(world.national)
    with django_assert_num_queries(READ_QUERIES - 2):  # no place to look up, no regencies
        response = client.get("/dashboard/national/")
    assert _card(response, "sessions")["current"] == 2
    with django_assert_num_queries(READ_QUERIES):
        client.get(f"/dashboard/province/{world.b.centre.province_id}/charts/")
    _add_session(world)
    assert snapshots.precompute_defaults() == pairs


def test_the_precompute_task_obeys_its_setting_and_its_lock(world, settings):
    settings.DASHBOARD_PRECOMPUTE = False
    with mock.patch.object(snapshots, "precompute_defaults") as precompute:
        tasks.dashboard_snapshots_precompute()
        precompute.assert_not_called()
        settings.DASHBOARD_PRECOMPUTE = True
        cache.add(tasks.PRECOMPUTE_LOCK, 1)  # another worker's pass still running
        tasks.dashboard_snapshots_precompute()
        precompute.assert_not_called()
        cache.delete(tasks.PRECOMPUTE_LOCK)
        tasks.dashboard_snapshots_precompute()
        precompute.assert_called_once()
    assert cache.get(tasks.PRECOMPUTE_LOCK) is None  # released after the pass
    with (
        mock.patch.object(snapshots, "precompute_defaults", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        tasks.dashboard_snapshots_precompute()
    assert cache.get(tasks.PRECOMPUTE_LOCK) is None  # released after a failed pass too
    assert tasks.dashboard_snapshots_precompute() is None
    assert snapshots.precompute_defaults() == 0  # the task's pass was real


# --- 7. The API and the monthly report read the same figures -------------------------------


def test_the_api_shows_the_pages_numbers_from_the_same_snapshot(
    officer, world, django_assert_num_queries
):
    from rest_framework.test import APIClient

    page = _computed(officer)
    api = APIClient()
    api.force_authenticate(world.a.officer)
    with django_assert_num_queries(READ_QUERIES - 2):  # no login session to read
        response = api.get("/api/v1/dashboard/", {"level": "province", "key": "18"})
    assert response.status_code == 200, response.content
    cards = {
        c["key"]: (c["current"], c["previous"], c["year_ago"]) for c in response.json()["cards"]
    }
    as_json = {
        key: tuple(None if v is None else float(v) if not isinstance(v, int) else v for v in vals)
        for key, vals in _cards(page).items()
    }
    assert cards == as_json
    assert cards["sessions"][0] == 1
    _add_session(world)
    response = api.get("/api/v1/dashboard/", {"level": "province", "key": "18"})
    assert response.json()["cards"][0]["current"] == 2


def test_the_monthly_report_shows_the_pages_numbers(
    officer, world, django_assert_num_queries, django_assert_max_num_queries
):
    # This month's session on the centre's calendar, whatever day of the month the suite runs.
    SessionFactory(
        consultant=world.a.consultant,
        enterprises=[world.a.enterprise],
        starts_at=calendar.earlier_this_month(world.a.centre),
    )
    page = _computed(officer, period="month")
    month = calendar.local_today(world.a.centre).replace(day=1)
    report = Report(level=ReportLevel.PROVINCE, province=world.a.centre.province, month=month)
    # Each section asks the facts for pending changes first (a report waits for all of them).
    with django_assert_max_num_queries(25):
        sections = report_sections(report)
    overview = next(s for s in sections if s["key"] == "overview")
    rows = {str(row[0]): tuple(row[1:]) for row in overview["rows"]}
    shown = {
        str(c["label"]): (c["current"], c["previous"], c["year_ago"])
        for c in page.context["data"]["kpis"]["cards"]
    }
    assert rows == shown
    assert rows["Sesi pendampingan"][0] >= 1
    # The report's own snapshot is read by the next report: each section only asks whether
    # the facts have changes pending (none).
    with django_assert_num_queries(len(sections)):
        assert report_sections(report) == sections


def test_a_snapshot_computed_in_english_shows_indonesian_to_an_indonesian_reader(client, world):
    url = f"/dashboard/centre/{world.a.centre.pk}/charts/"
    world.a.officer.language = "en"
    world.a.officer.save()
    client.force_login(world.a.officer)
    english = client.get(url).context["data"]["over_time"]["by_area"]
    assert [area["label"] for area in english] == ["Access to financing"]
    client.force_login(world.a.manager)  # reads Indonesian
    indonesian = client.get(url).context["data"]
    assert [area["label"] for area in indonesian["over_time"]["by_area"]] == ["Akses Pembiayaan"]
    assert indonesian["specs"]["areas"]["datasets"][0]["label"] == "Akses Pembiayaan"


def test_deactivating_a_consultant_in_the_admin_renews_the_league(officer, world):
    url = "/dashboard/province/18/centres/"
    (row,) = _computed(officer, url).context["data"]["league"]
    assert row["consultants"] == 1
    world.a.consultant.is_active = False
    world.a.consultant.save()  # what the admin's user change form does
    (row,) = _computed(officer, url).context["data"]["league"]
    assert row["consultants"] == 0


def test_without_a_shared_cache_every_view_computes(officer, settings):
    """DASHBOARD_SNAPSHOTS off (the default with the per-process cache): another process's
    writes could not mark a kept snapshot, so none is kept and every view computes."""
    settings.DASHBOARD_SNAPSHOTS = False
    first = _computed(officer)
    with CaptureQueriesContext(connection) as queries:
        second = _computed(officer)
    assert len(queries) > READ_QUERIES
    assert second.context["figures"].computed_at > first.context["figures"].computed_at
