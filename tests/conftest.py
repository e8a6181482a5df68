"""Shared fixtures: the reference data, and a small world of two centres in two provinces
with a user of every role, so each permission test has an insider and an outsider."""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

from clinics.models import Centre
from cooperatives.models import Cooperative, Enterprise, Person
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from plut.foundation.accounts.models import Role, User
from plut.foundation.core import versions
from plut.foundation.regions.models import Province
from tests.factories import calendar
from tests.factories.accounts import UserFactory
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import (
    BookingFactory,
    FollowUpFactory,
    OutcomeFactory,
    SessionFactory,
)

# Playwright drives the live server from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server of the browser tests on the embedded SQLite, where the test database
    lives in memory and every request thread shares its one connection (Django's docs warn
    against two queries at once on it). Two requests at once (a page and its htmx call, a
    booking whose commit works the dashboard facts in) left both threads waiting for ever and
    CI out of time. Each request, its body included, now runs alone; connections stay open."""

    # Reentrant: an app set in place of the one it wraps (tests/browser/test_offline.py's
    # signal) runs inside that one's turn.
    _lock = threading.RLock()

    def set_app(self, application):
        def one_at_a_time(environ, start_response):
            with self._lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(one_at_a_time)


# (A SQLite test database without a TEST NAME is made in memory.)
if connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME"):
    LiveServerThread.server_class = _OneRequestAtATime


def pytest_sessionstart(session: pytest.Session) -> None:
    # CI's first run must really be on PostgreSQL + Redis, not silently on the defaults.
    if os.environ.get("REQUIRE_SERVICES"):
        engine = settings.DATABASES["default"]["ENGINE"]
        assert engine.endswith("postgresql"), f"REQUIRE_SERVICES set but database is {engine}"
        assert settings.CELERY_BROKER_URL.startswith("redis://"), settings.CELERY_BROKER_URL


BROWSER_FIXTURES = {"page", "context", "browser", "browser_type"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that drive Chromium, and keep one shard of the suite when asked.

    ``PLUT_TEST_SHARD=k/n`` keeps shard k of n: CI runs each shard at another adversarial
    instant (docs/testing.md, "Time"). Whole files stay together, so their module fixtures are
    built once; the largest files are dealt first, each to the shard with the fewest tests.
    """
    for item in items:
        # Any of Playwright's fixtures: some tests open their own contexts (a phone's viewport).
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    shard = os.environ.get("PLUT_TEST_SHARD")
    if not shard:
        return
    index, count = (int(part) for part in shard.split("/"))
    if not 0 <= index < count:
        raise pytest.UsageError(f"PLUT_TEST_SHARD={shard}: want k/n with 0 <= k < n")
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.nodeid.split("::")[0], []).append(item)
    shards: list[list[pytest.Item]] = [[] for _ in range(count)]
    for _, tests in sorted(by_file.items(), key=lambda pair: (-len(pair[1]), pair[0])):
        min(shards, key=len).extend(tests)
    kept = set(shards[index])
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = [item for item in items if item in kept]


def _ensure_reference_data() -> None:
    # Transactional tests flush every table afterwards; reload what they removed.
    if not Province.objects.exists():
        call_command("load_reference_data", stdout=io.StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: dashboard snapshots, rate-limit counters and
    throttles of an earlier test (whose rows are gone) must not answer for this one."""
    from django.core.cache import cache

    # A test that stopped Redis restarts it itself.
    with contextlib.suppress(Exception):
        cache.clear()
    # The data versions a request read are kept until Django says the request finished, which
    # the test client says of a streaming response (an export) only once it is read to the
    # end; a test that only looks at its status would hand the next test its stale versions.
    versions._request_finished()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in Indonesian: a request in English (the language switch) leaves
    its language active in the thread, and the next test's messages would be English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def reference_data(db) -> None:
    _ensure_reference_data()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright cannot download its own browser on this network.
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def shoot(tmp_path):
    """Photograph a page as ``<name>.png`` ("booking/id-01-directory"): into PLUT_SCREENSHOTS
    when set (``make screenshots`` keeps them in docs/img/ for the docs), else into the test's
    temporary folder, so every run takes them."""
    folder = Path(os.environ.get("PLUT_SCREENSHOTS") or tmp_path)

    def take(target, name: str, *, full_page: bool = True) -> None:
        """``target``: a page (whole, or only what the window shows), or a locator."""
        path = folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        is_page = hasattr(target, "set_viewport_size")
        target.screenshot(path=path, **({"full_page": full_page} if is_page else {}))

    return take


@dataclass
class Side:
    """One centre's people and records."""

    centre: Centre
    officer: User
    manager: User
    consultant: User
    owner: User
    person: Person
    enterprise: Enterprise
    cooperative: Cooperative
    session: MentoringSession
    follow_up: FollowUp
    booking: Booking
    outcome: Outcome


@dataclass
class World:
    national: User
    a: Side  # Lampung (WIB)
    b: Side  # Sulawesi Selatan (WITA)

    def user(self, name: str) -> User | None:
        """Users by table name: 'national', 'manager_a', 'owner_b', 'anonymous' -> None."""
        if name == "anonymous":
            return None
        if name == "national":
            return self.national
        role, side = name.rsplit("_", 1)
        return getattr(getattr(self, side), role)

    def sessions_mid_last_month(self) -> None:
        """Move both sides' sessions to the middle of their centre's previous month, inside
        the twelve months a national figure counts whichever zone's calendar reads it (made
        "earlier this week", Makassar's may already be next month for Jakarta)."""
        for side in (self.a, self.b):
            start = calendar.mid_last_month(side.centre)
            MentoringSession.objects.filter(pk=side.session.pk).update(
                starts_at=start, ends_at=start + datetime.timedelta(hours=1)
            )
            side.session.refresh_from_db()


def _side(centre_name: str, tag: str) -> Side:
    centre = Centre.objects.get(name=centre_name)
    officer = UserFactory(username=f"officer_{tag}", role=Role.PROVINCIAL, province=centre.province)
    manager = StaffFactory(
        user__username=f"manager_{tag}", user__role=Role.MANAGER, centre=centre
    ).user
    consultant = StaffFactory(user__username=f"consultant_{tag}", centre=centre).user
    owner = UserFactory(username=f"owner_{tag}", role=Role.OWNER)
    enterprise = EnterpriseFactory(centre=centre, owner__user=owner)
    cooperative = CooperativeFactory(centre=centre)
    cooperative.board_members.add(enterprise.owner)
    session = SessionFactory(consultant=consultant, enterprises=[enterprise])
    return Side(
        centre=centre,
        officer=officer,
        manager=manager,
        consultant=consultant,
        owner=owner,
        person=enterprise.owner,
        enterprise=enterprise,
        cooperative=cooperative,
        session=session,
        follow_up=FollowUpFactory(session=session),
        # The side's one consultant holds it, two days ahead: a test placing that consultant's
        # bookings at fixed dates clears the bookings first (as the booking fixtures do).
        booking=BookingFactory(enterprise=enterprise, consultant=consultant),
        outcome=OutcomeFactory(enterprise=enterprise),
    )


@pytest.fixture
def world(reference_data) -> World:
    national = UserFactory(username="national", role=Role.NATIONAL)
    return World(
        national=national,
        a=_side("PLUT KUMKM Provinsi Lampung", "a"),
        b=_side("PLUT-KUMKM Provinsi Sulawesi Selatan", "b"),
    )


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
