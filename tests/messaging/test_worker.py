"""Exactly once with real Celery workers on the configured broker (Redis in CI, the file
broker locally): separate worker processes, so one can be killed with SIGKILL mid-batch.

The worker processes share the test database: PostgreSQL's test database directly; with
SQLite, whose test database lives in this process's memory, through a file copy handed over
before the worker starts and taken back before the assertions. Sends go to the fake WhatsApp
Cloud API or the fake Twilio on 127.0.0.1, which count every request; the guarantees are tested
for both phone channels (e-mail's, in process, in test_every_channel.py). Each test uses a queue
of its own, so workers of other test runs on the same broker never take its tasks.
"""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from mentoring.models import BookingStatus
from mentoring.services.notifications import BookingNotice, booking_notify_later
from mentoring.tasks import booking_reminders
from plut.celery import app as celery_app
from plut.foundation.messaging.models import Message, MessageStatus, about_key
from plut.foundation.messaging.selectors import messages_about
from plut.foundation.messaging.services import message_queue
from plut.foundation.messaging.tasks import message_send, outbox_sweep
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import BookingFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

PHONE = "+6281234567890"


class SharedDatabase:
    """The test database as a worker process can open it."""

    def __init__(self, folder: Path) -> None:
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.path = folder / "worker.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            db = connection.settings_dict
            auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"

    def hand_over(self) -> None:
        if self.sqlite:
            connection.ensure_connection()
            with sqlite3.connect(self.path) as copy:
                connection.connection.backup(copy)

    def take_back(self) -> None:
        if self.sqlite:
            with sqlite3.connect(self.path) as copy:
                copy.backup(connection.connection)

    def statuses(self) -> dict[str, int]:
        if self.sqlite:
            with sqlite3.connect(self.path) as copy:
                rows = copy.execute(
                    "SELECT status, COUNT(*) FROM messaging_message GROUP BY status"
                ).fetchall()
            return dict(rows)
        from django.db.models import Count

        return dict(Message.objects.values_list("status").annotate(n=Count("id")))


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(Path(settings.BASE_DIR) / ".venv/bin/celery"),
                "-A",
                "plut",
                "worker",
                "--pool=solo",
                "-Q",
                self.env["MESSAGING_QUEUE"],
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Transactional tests empty the tables after each test; the centres come back here."""


@pytest.fixture
def queue(settings) -> str:
    name = f"plut-test-{uuid.uuid4().hex[:12]}"
    settings.MESSAGING_QUEUE = name
    return name


@pytest.fixture
def shared_db(tmp_path) -> SharedDatabase:
    return SharedDatabase(tmp_path)


@pytest.fixture(params=["whatsapp", "sms"])
def phone(request):
    """The phone channel under test and its fake provider."""
    fixture = "phone_channels" if request.param == "whatsapp" else "sms_channel"
    return request.param, request.getfixturevalue(fixture)


@pytest.fixture
def worker(shared_db, queue, phone_channels, sms_channel, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plut.settings_test",
        "DATABASE_URL": shared_db.url,
        "MESSAGING_QUEUE": queue,
        "MESSAGING_WHATSAPP_API_URL": phone_channels.base_url,
        "MESSAGING_WHATSAPP_API_VERSION": settings.MESSAGING_WHATSAPP_API_VERSION,
        "MESSAGING_WHATSAPP_PHONE_NUMBER_ID": settings.MESSAGING_WHATSAPP_PHONE_NUMBER_ID,
        "MESSAGING_WHATSAPP_TOKEN": settings.MESSAGING_WHATSAPP_TOKEN,
        "MESSAGING_WHATSAPP_APP_SECRET": settings.MESSAGING_WHATSAPP_APP_SECRET,
        "MESSAGING_SMS_API_URL": sms_channel.base_url,
        "MESSAGING_TWILIO_ACCOUNT_SID": settings.MESSAGING_TWILIO_ACCOUNT_SID,
        "MESSAGING_TWILIO_AUTH_TOKEN": settings.MESSAGING_TWILIO_AUTH_TOKEN,
        "MESSAGING_TWILIO_MESSAGING_SERVICE_SID": settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID,
        "MESSAGING_HTTP_TIMEOUT": "10",
        # Short, so a test sees a killed worker's claim expire and the sweep act (the lease must
        # exceed the send time limit, which the solo pool here does not enforce).
        "MESSAGING_SEND_TIME_LIMIT": "2",
        "MESSAGING_LEASE_SECONDS": "3",
        "MESSAGING_REQUEUE_AFTER_SECONDS": "4",
    }
    process = WorkerProcess(env, tmp_path / "worker.log")
    yield process
    process.stop()
    _purge(queue)


def _purge(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def _wait(condition, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _queue_to_phone(key: str, channel: str) -> Message:
    return message_queue(
        key=key,
        kind="test",
        to=PHONE,
        channel=channel,
        template="messaging/plain",
        context={"subject": "Uji", "body": key, "months": 3, "url": "https://x.id/"},
        whatsapp_template="check_in",
    )


def test_a_confirmed_booking_just_over_24_hours_ahead_gets_one_24_hour_reminder(
    worker, shared_db, phone_channels, queue
):
    starts_at = timezone.now() + datetime.timedelta(hours=24, seconds=3)
    booking = BookingFactory(
        enterprise=EnterpriseFactory(centre=_any_centre()),
        status=BookingStatus.CONFIRMED,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        preferred_channel="whatsapp",
        contact_phone=PHONE,
    )
    shared_db.hand_over()
    worker.start()
    time.sleep(max((starts_at - datetime.timedelta(hours=24) - timezone.now()).total_seconds(), 0))
    # Beat fires the producer again and again; the broker may deliver a run twice.
    for _ in range(3):
        booking_reminders.apply_async(queue=queue)
    _wait(lambda: shared_db.statuses().get("sent") == 1, what="the reminder")
    booking_reminders.apply_async(queue=queue)
    time.sleep(2)
    worker.stop()
    shared_db.take_back()
    (reminder,) = Message.objects.all()
    assert (reminder.kind, reminder.status, reminder.attempts) == ("reminder-24h", "sent", 1)
    assert reminder.about == about_key(booking)
    assert len(phone_channels.requests) == 1


def _any_centre():
    from clinics.models import Centre

    return Centre.objects.select_related("province").first()


def test_the_same_send_task_delivered_three_times_sends_once(worker, shared_db, phone, queue):
    channel, provider = phone
    message = _queue_to_phone("twice:1", channel)  # published once on commit
    for _ in range(2):
        message_send.apply_async((message.pk,), queue=queue)
    shared_db.hand_over()
    worker.start()
    _wait(lambda: shared_db.statuses().get("sent") == 1, what="the send")
    time.sleep(2)  # time for the duplicates to be run (and do nothing)
    worker.stop()
    shared_db.take_back()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(provider.requests) == 1


def test_a_worker_killed_mid_batch_and_restarted_sends_each_message_once(
    worker, shared_db, phone, queue
):
    channel, provider = phone
    keys = [f"batch:{n}" for n in range(8)]
    for key in keys:
        _queue_to_phone(key, channel)
    provider.delay = 0.8  # each reply held back: the kill lands mid-request
    shared_db.hand_over()
    worker.start()
    _wait(lambda: len(provider.requests) >= 3, what="three sends")
    worker.kill()
    in_flight = provider.key(provider.requests[-1])
    # Killed mid-send: one row claimed and not settled, the rest of the batch not yet sent.
    statuses = shared_db.statuses()
    assert statuses.get("sending") == 1
    assert statuses.get("sent", 0) < len(keys)

    provider.delay = 0
    worker.start()

    def all_sent() -> bool:
        # Beat's sweep, every minute in production: here every second, after the lease.
        outbox_sweep.apply_async(queue=queue)
        time.sleep(1)
        return shared_db.statuses().get("sent") == len(keys)

    _wait(all_sent, seconds=90, what="every message sent")
    worker.stop()
    shared_db.take_back()

    assert provider.delivered_keys() == sorted(keys)  # none lost
    per_key = {key: 0 for key in keys}
    for request in provider.requests:
        per_key[provider.key(request)] += 1
    # Only the message in flight at the kill was handed to the provider again, under the same
    # outbox key (neither provider takes an idempotency key: that one may reach the owner twice).
    assert {key for key, n in per_key.items() if n > 1} <= {in_flight}
    assert all(n >= 1 for n in per_key.values())
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@contextmanager
def _dead_broker():
    """Point this process's Celery app at a broker that is not there."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url, conf.broker_transport_options

    def reconnect() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url = conf.broker_write_url = "redis://127.0.0.1:1/0"
    conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    reconnect()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_write_url, conf.broker_transport_options = saved
        reconnect()


def test_a_booking_made_while_the_broker_is_down_is_saved_and_told_after_the_sweep(
    worker, shared_db, phone, queue
):
    channel, provider = phone
    with _dead_broker(), transaction.atomic():
        booking = BookingFactory(
            enterprise=EnterpriseFactory(centre=_any_centre()),
            preferred_channel=channel,
            contact_phone=PHONE,
        )
        booking_notify_later(booking, BookingNotice.RECEIVED)
        # The commit went through; publishing failed quietly.
    message = messages_about(booking).get()
    assert message.status == MessageStatus.PENDING
    # Time passes before beat's next sweep (it leaves the newest half-minute to on_commit).
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    shared_db.hand_over()
    worker.start()
    outbox_sweep.apply_async(queue=queue)
    _wait(lambda: shared_db.statuses().get("sent") == 1, what="the notice after the sweep")
    worker.stop()
    shared_db.take_back()
    message.refresh_from_db()
    assert (message.channel, message.status) == (channel, MessageStatus.SENT)
    (request,) = provider.requests
    if channel == "whatsapp":
        assert request["json"]["to"] == PHONE.lstrip("+")  # the Cloud API's form of the number
    else:
        assert request["form"]["To"] == PHONE  # Twilio's: E.164
