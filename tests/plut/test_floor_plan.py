"""Session 12 moved the cross-cutting apps into plut/foundation and plut/top (docs/architecture.md).
What was stored under the old layout keeps working: the periodic tasks kept in the database
carry the new module paths, the NIK view log keeps its rows under its new owner, the outbox
keeps each message's scope and subject without keys up to the domain apps, and the lockouts
page's old address still arrives."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from cooperatives.models import NikView
from plut.foundation.messaging.beat import MARK, _fingerprint, beat_schedule_sync
from plut.foundation.messaging.models import Message, about_key
from tests.factories.cooperatives import PersonFactory

task_paths = importlib.import_module(
    "plut.foundation.messaging.migrations.0002_periodic_task_paths"
)


def _stamped(name: str, task: str) -> PeriodicTask:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    row = PeriodicTask(name=name, task=task, interval=every_minute)
    row.description = MARK + _fingerprint(row)
    row.save()
    return row


@pytest.mark.django_db
def test_periodic_tasks_stored_under_the_old_paths_get_the_new_ones():
    PeriodicTask.objects.all().delete()
    untouched = _stamped("outbox-sweep", "plut.messaging.tasks.outbox_sweep")
    edited = _stamped("monthly-reports", "plut.reports.tasks.monthly_reports")
    edited.enabled = False  # paused in the admin: no longer as the code left it
    edited.save()
    own = _stamped("booking-reminders", "mentoring.tasks.booking_reminders")

    task_paths.rename(django_apps, None)

    untouched.refresh_from_db()
    edited.refresh_from_db()
    own.refresh_from_db()
    assert untouched.task == "plut.foundation.messaging.tasks.outbox_sweep"
    assert edited.task == "plut.top.reports.tasks.monthly_reports"
    assert own.task == "mentoring.tasks.booking_reminders"
    # The next sync still brings the untouched entry up to date and keeps the admin's pause.
    result = beat_schedule_sync()
    assert result["outbox-sweep"] == "same"
    assert result["monthly-reports"] == "kept"
    edited.refresh_from_db()
    assert edited.enabled is False


@pytest.mark.django_db
def test_every_task_the_schedule_names_exists():
    from django.conf import settings

    from plut.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_nik_view_log_keeps_its_rows_when_cooperatives_takes_it_over(world):
    person = PersonFactory(centre=world.a.centre)
    before = NikView.objects.create(
        viewer=world.a.manager, person=person, centre=world.a.centre, channel="page"
    )
    _migrate([("privacy", "0001_initial"), ("cooperatives", "0007_audit_trail_masks")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM privacy_nikview WHERE id = %s", [before.pk])
        assert cursor.fetchone() == (1,)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert NikView.objects.filter(pk=before.pk, person=person, channel="page").exists()


def test_the_lockouts_page_old_address_arrives_at_the_team_pages(client):
    response = client.get("/accounts/terkunci/")
    assert response.status_code == 301
    assert response["Location"] == reverse("clinics:lockouts")


def _historical(target):
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(target).apps


@pytest.fixture
def every_migration_after():
    """Whatever the test migrated to, the schema is the latest again after it: the tests that
    follow (tests/security/test_faults.py migrates from the leaves) share this database."""
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("every_migration_after")
def test_the_outbox_keeps_each_message_scope_and_subject_without_keys_up_to_the_domain(world):
    before = ("messaging", "0002_periodic_task_paths")
    latest = ("messaging", "0003_message_scope_and_about")
    _migrate([before])
    old = _historical(before).get_model("messaging", "Message")
    made = {
        "booking": {"centre_id": world.a.centre.pk, "booking_id": world.a.booking.pk},
        "survey": {
            "centre_id": world.b.centre.pk,
            "booking_id": world.b.booking.pk,
            "session_id": world.b.session.pk,
        },
        "digest": {},
    }
    for key, links in made.items():
        old.objects.create(
            key=key, kind=key, channel="email", recipient="a@b.id", body=".", **links
        )

    _migrate([latest])
    rows = {m.key: m for m in _historical(latest).get_model("messaging", "Message").objects.all()}
    assert (rows["booking"].centre_id, rows["booking"].province_id, rows["booking"].about) == (
        world.a.centre.pk,
        world.a.centre.province_id,
        about_key(world.a.booking),
    )
    # A survey names its session, whose deletion withdraws it.
    assert rows["survey"].about == about_key(world.b.session)
    assert (rows["digest"].centre_id, rows["digest"].province_id, rows["digest"].about) == (
        None,
        None,
        "",
    )
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, Message._meta.db_table)
    assert not [
        name for name, c in keys.items() if c["foreign_key"] and c["columns"] == ["centre_id"]
    ]

    _migrate([before])  # and back: the keys return where their records still exist
    rows = {m.key: m for m in _historical(before).get_model("messaging", "Message").objects.all()}
    assert (rows["survey"].booking_id, rows["survey"].session_id) == (None, world.b.session.pk)
    assert rows["booking"].booking_id == world.a.booking.pk
    _migrate([latest])
