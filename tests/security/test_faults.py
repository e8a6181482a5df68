"""Faults survived: PostgreSQL connections dropped under the running app, backup and restore
with pg_dump / pg_restore, and every migration forward on demo data and back where it can.

The PostgreSQL tests run in CI's PostgreSQL pass (.ci/run sets DATABASE_URL and
REQUIRE_SERVICES, and tests/conftest.py refuses to start that pass on anything else); on the
embedded SQLite pass there is no server to restart or dump.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython, RunSQL
from django.test import RequestFactory

from clinics.models import Centre
from cooperatives.models import Enterprise
from mentoring.models import MentoringSession
from plut.top.demo.generator import generate
from plut.top.demo.services import demo_load

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs the PostgreSQL server (CI's PostgreSQL pass runs it)",
)


@pytest.fixture
def demo(reference_data, settings):
    settings.DEBUG = True
    settings.DEMO_MODE = True
    assert demo_load()
    settings.DEBUG = False


def _admin_dsn(dbname: str) -> str:
    """A libpq connection string to ``dbname`` with the test database's server and user."""
    db = connection.settings_dict
    parts = {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": dbname,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


# --- PostgreSQL restarted under the app ---------------------------------------------------------


def _serve(path: str) -> int:
    """One request through Django's real WSGI handler, in this thread: unlike the test client
    it sends request_started/finished to close_old_connections, which is where
    CONN_MAX_AGE keeps the connection and CONN_HEALTH_CHECKS checks it."""
    statuses = []
    environ = RequestFactory().get(path).environ
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def _drop_app_connections() -> int:
    """A restart, as the app sees it: every server process of this database is terminated
    (pg_terminate_backend). The server itself stays up: it serves the other test runs."""
    return _query(
        _admin_dsn("postgres"),
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
        [connection.settings_dict["NAME"]],
        fetch="one",
    )[0]


@postgres_only
def test_requests_succeed_after_postgres_drops_every_app_connection(demo):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    path = f"/pusat/{Centre.objects.first().pk}/"
    assert _serve(path) == 200
    kept = connection.connection
    assert kept is not None and not kept.closed  # persistent between requests
    assert _drop_app_connections() >= 1
    assert _serve(path) == 200
    assert _serve("/healthz") == 200
    assert connection.connection is not kept  # a new connection replaced the dead one


@postgres_only
def test_without_health_checks_the_first_request_after_the_drop_fails(demo, monkeypatch):
    """The control: the same drop, health checks off, and the next request fails (the
    portal's 503 for a database it cannot reach, plut.foundation.core.views.server_error). It shows
    the test above passes because of CONN_HEALTH_CHECKS, not by luck."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()  # the setting is read when a connection opens
    path = f"/pusat/{Centre.objects.first().pk}/"
    assert _serve(path) == 200
    _drop_app_connections()
    assert _serve(path) == 503
    # Django closes a connection that errored at the end of the request: the next one is fine.
    assert _serve(path) == 200


# --- Backup and restore ------------------------------------------------------------------------


def _query(dsn: str, sql: str, params: list | None = None, *, fetch: str = "all") -> object:
    """One statement on its own autocommit connection (CREATE/DROP DATABASE need it)."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            if fetch == "none":
                return None
            return cursor.fetchone() if fetch == "one" else cursor.fetchall()
    finally:
        conn.close()


def _fingerprint(dsn: str) -> dict[str, object]:
    """Row counts of every table, and a few totals the reports depend on."""
    tables = _query(
        dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    counts = {
        table: _query(dsn, f'SELECT count(*) FROM "{table}"', fetch="one")[0] for (table,) in tables
    }
    totals = [
        _query(dsn, sql)
        for sql in (
            "SELECT sum(annual_turnover), sum(business_capital) FROM cooperatives_enterprise",
            "SELECT scale, count(*) FROM cooperatives_enterprise GROUP BY scale ORDER BY scale",
            "SELECT sum(contact_minutes) FROM mentoring_mentoringsession",
            "SELECT sum(turnover), sum(financing_amount) FROM mentoring_outcome",
        )
    ]
    return {"counts": counts, "totals": totals}


@postgres_only
def test_a_dump_restored_into_a_fresh_database_holds_the_same_data(demo, tmp_path: Path):
    """The procedure in docs/security.md: pg_dump -Fc, createdb, pg_restore --no-owner."""
    assert shutil.which("pg_dump") and shutil.which("pg_restore")
    source = connection.settings_dict["NAME"]
    fresh = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
    dump = tmp_path / "plut.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _admin_dsn(source)], check=True, env=env
    )
    _query(_admin_dsn("postgres"), f'CREATE DATABASE "{fresh}"', fetch="none")
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_admin_dsn(fresh)}", dump],
            check=True,
            env=env,
        )
        original, restored = _fingerprint(_admin_dsn(source)), _fingerprint(_admin_dsn(fresh))
        assert restored == original
        assert original["counts"]["cooperatives_enterprise"] == Enterprise.objects.count() > 0
        assert original["counts"]["mentoring_mentoringsession"] == MentoringSession.objects.count()
    finally:
        _query(
            _admin_dsn("postgres"), f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)', fetch="none"
        )


# --- Migrations ---------------------------------------------------------------------------------

# The project's own apps: third-party migrations are their maintainers' to test.
PROJECT_PATHS = (
    str(settings.BASE_DIR / "plut"),
    *(str(settings.BASE_DIR / a) for a in ("clinics", "cooperatives", "mentoring")),
)


def _project_labels() -> list[str]:
    return [
        config.label
        for config in apps.get_app_configs()
        if config.path.startswith(PROJECT_PATHS)
        and os.path.isdir(os.path.join(config.path, "migrations"))
    ]


def _irreversible(migration) -> bool:
    return any(
        not op.reversible
        or (isinstance(op, RunPython) and op.reverse_code is None)
        or (isinstance(op, RunSQL) and op.reverse_sql is None)
        for op in migration.operations
    )


def _targets(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """For each project app, how far back its migrations can go while its tables keep their
    rows: its first migration (which created them), or its newest irreversible one."""
    graph, loader = executor.loader.graph, executor.loader
    targets = []
    for label in _project_labels():
        leaves = graph.leaf_nodes(label)
        if not leaves:
            continue
        chain = [key for key in graph.forwards_plan(leaves[0]) if key[0] == label]
        target = chain[0]
        for key in reversed(chain[1:]):
            if _irreversible(loader.get_migration(*key)):
                target = key
                break
        targets.append(target)
    return targets


def test_migrations_run_back_and_forward_on_the_demo_data(demo):
    """Every project migration after each app's first is unapplied (where it can be) on a
    database holding the demo, then applied again on it; the demo's rows survive and the
    portal writes and reads on the result."""
    before = (Enterprise.objects.count(), MentoringSession.objects.count())
    assert before[0] > 0 and before[1] > 0
    executor = MigrationExecutor(connection)
    targets = _targets(executor)
    # Going back to one app's first migration may take another app (whose first migration
    # depends on it) to zero, and the per-target plans then re-apply and unapply it again.
    # Unapply each migration once, in the reverse of the full forward order.
    going = {migration for migration, undo in executor.migration_plan(targets) if undo}
    everything = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    backwards = [(migration, True) for migration, _ in reversed(everything) if migration in going]
    assert backwards
    executor.migrate(targets, plan=backwards)

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    forwards = executor.migration_plan(leaves)
    # Everything that went back comes forward again, on the same data.
    assert {m.app_label + m.name for m, _ in forwards} == {
        m.app_label + m.name for m, _ in backwards
    }
    executor.migrate(leaves)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert (Enterprise.objects.count(), MentoringSession.objects.count()) == before
    # The schema is whole again: the demo's own generator writes and the models read it.
    generate(
        centres=list(Centre.objects.all()[:1]),
        enterprises=3,
        cooperatives=1,
        sessions=3,
        bookings=2,
        outcomes=1,
        seed=99,
    )
    assert Enterprise.objects.count() == before[0] + 3
