"""The read replica: dashboards, reports and exports read from it, everything else (and every
write) stays on the primary, and without a replica nothing changes.

With ``PLUT_TEST_REPLICA_URL`` (CI's PostgreSQL pass, after ``.ci/replica.sh``) the ``replica``
alias is a real hot standby on port 5433: the test database is created on the primary and
streams to it, so the alias mirrors the test database's *name* on the standby's *host and
port* (Django's TEST MIRROR semantics). A row written in the test is seen there only once
replicated. Without it, ``replica`` is a second connection to the same test database, which
still tells which alias each query went to.
"""

from __future__ import annotations

import copy
import os
import time

import environ
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.models import MentoringSession
from plut.foundation.accounts.models import Role
from plut.foundation.core.db_router import REPLICA, ReplicaRouter, use_replica
from plut.top.dashboards.facts import keep
from plut.top.dashboards.models import Cell
from tests.factories.accounts import UserFactory
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import SessionFactory

REAL_REPLICA = os.environ.get("PLUT_TEST_REPLICA_URL", "")


def _add_replica() -> bool:
    """Configure the ``replica`` alias; True when it is a real standby."""
    settings_dict = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
    real = bool(REAL_REPLICA) and connection.vendor == "postgresql"
    if real:
        target = environ.Env.db_url_config(REAL_REPLICA)
        settings_dict["HOST"], settings_dict["PORT"] = target["HOST"], target["PORT"]
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = settings_dict
    return real


def _remove_replica() -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica(transactional_db, reference_data):
    real = _add_replica()
    # The alias is added after the test case's set-up, which would refuse it as undeclared;
    # opening its connection here is what declaring it in `databases` would have allowed.
    connections[REPLICA].connect()
    yield real
    _remove_replica()


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


# --- The router's decisions ------------------------------------------------------------------


def test_without_a_replica_everything_reads_from_the_primary():
    router = ReplicaRouter()
    assert REPLICA not in connections.settings
    with use_replica():
        assert router.db_for_read(MentoringSession) == DEFAULT_DB_ALIAS
    assert router.db_for_write(MentoringSession) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_with_a_replica_only_marked_reads_go_there():
    from plut.foundation.accounts.models import User

    router = ReplicaRouter()
    _add_replica()
    try:
        assert router.db_for_read(MentoringSession) == DEFAULT_DB_ALIAS
        with use_replica():
            assert router.db_for_read(MentoringSession) == REPLICA
            # Writes, per-user state, and reads inside a transaction stay on the primary.
            assert router.db_for_write(MentoringSession) == DEFAULT_DB_ALIAS
            assert router.db_for_read(User) == DEFAULT_DB_ALIAS
            with transaction.atomic():
                assert router.db_for_read(MentoringSession) == DEFAULT_DB_ALIAS
            assert router.db_for_read(MentoringSession) == REPLICA
        assert router.db_for_read(MentoringSession) == DEFAULT_DB_ALIAS
        assert router.allow_migrate(REPLICA, "mentoring") is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "mentoring") is True
    finally:
        _remove_replica()


# --- Served pages ---------------------------------------------------------------------------


def _wait_replicated(model: type, pk: int) -> None:
    deadline = time.monotonic() + 30
    while not model.objects.using(REPLICA).filter(pk=pk).exists():
        assert time.monotonic() < deadline, "the replica never received the row"
        time.sleep(0.1)


def test_exports_and_dashboards_read_from_the_replica_writes_stay_on_the_primary(replica, client):
    national = UserFactory(role=Role.NATIONAL)
    session = SessionFactory(consultant=StaffFactory().user, topic="Hanya di primer dulu")
    if replica:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True  # a real standby, not the primary again
        _wait_replicated(MentoringSession, session.pk)
    keep.drain()  # what Celery does after the session's commit, on the primary
    if replica:
        _wait_replicated(Cell, Cell.objects.order_by("-pk").values_list("pk", flat=True)[0])
    client.force_login(national)

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        export = client.get(reverse("mentoring:session_export", args=["csv"]))
        body = b"".join(export.streaming_content) if export.streaming else export.content
    assert export.status_code == 200
    assert "Hanya di primer dulu" in body.decode()
    assert "mentoring_mentoringsession" in _tables(on_replica)
    assert "mentoring_mentoringsession" not in _tables(on_primary)
    # The login (session and user) was read on the primary, where it was just written.
    assert "django_session" in _tables(on_primary)
    assert "django_session" not in _tables(on_replica)

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        dashboard = client.get(reverse("dashboards:national"))
    assert dashboard.status_code == 200
    # Its facts were brought up to date on the primary by Celery (keep.drain above), and
    # are read, with the outcomes they join, on the replica.
    assert "dashboards_cell" in _tables(on_replica)
    assert "mentoring_outcome" in _tables(on_replica)
    assert "dashboards_cell" not in _tables(on_primary)
    assert "mentoring_mentoringsession" not in _tables(on_primary)

    # The workspace list is a read-after-write page: the primary answers it.
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        listing = client.get(reverse("mentoring:session_list"))
    assert listing.status_code == 200
    assert not on_replica.captured_queries
    assert "mentoring_mentoringsession" in _tables(on_primary)

    if replica:
        # The standby refuses writes: nothing can be written there by mistake.
        with pytest.raises(Exception, match="read-only"), connections[REPLICA].cursor() as cur:
            cur.execute("CREATE TEMPORARY TABLE nope (id int)")
