"""Redis stopped under the running portal: pages answer, a booking is saved, and its message
waits in the outbox until Redis is back.

This stops the real Redis on 127.0.0.1:6379 (broker and cache in CI's PostgreSQL + Redis pass)
and starts it again the way .ci/run does. The embedded pass has no Redis to stop: there the
broker is a directory, so the test does not apply.
"""

from __future__ import annotations

import datetime
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from mentoring.models import Booking
from plut.foundation.messaging.models import MessageStatus
from plut.foundation.messaging.selectors import messages_about
from plut.foundation.messaging.services import message_deliver, messages_sweep
from tests.mentoring.test_booking_public import FORM, NOW, _details_url, _wita, make_desk

LOCAL_REDIS = "redis://127.0.0.1:6379"

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith(LOCAL_REDIS),
        reason="stops the local Redis broker; CI's PostgreSQL + Redis pass runs it",
    ),
    # Every pytest-xdist worker uses this Redis: it must not stop under the others' tests.
    pytest.mark.exclusive,
]


def _redis_answers() -> bool:
    ping = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, text=True
    )
    return ping.stdout.strip() == "PONG"


def _wait_until(check, what: str) -> None:
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@contextmanager
def redis_stopped() -> Iterator[None]:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], capture_output=True
    )
    _wait_until(lambda: not _redis_answers(), "Redis to stop")
    try:
        yield
    finally:
        start = "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379"
        subprocess.run([*start.split(), "--save", "", "--appendonly", "no"], check=True)
        _wait_until(_redis_answers, "Redis to start again")


def test_with_redis_down_pages_work_bookings_are_saved_and_messages_wait(
    client, world, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        desk = make_desk(world)
        with redis_stopped():
            assert client.get("/").status_code == 200
            assert client.get(f"/pusat/{desk.centre.pk}/").status_code == 200
            # Publishing the notice to the broker runs (and fails) after the commit.
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(_details_url(desk, _wita(30, 10)), FORM)
            assert response.status_code == 302
            booking = Booking.objects.get(enterprise__name=FORM["name"])
            message = messages_about(booking).get()
            assert message.status == MessageStatus.PENDING
            # The sweep finds the broker still down and leaves the message where it is.
            later = NOW + datetime.timedelta(minutes=1)
            assert messages_sweep(now=later) == 0
            message.refresh_from_db()
            assert message.status == MessageStatus.PENDING

        # Redis is back: the next sweep hands the message to the broker, a worker sends it once.
        assert messages_sweep(now=later) == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert mail.outbox == []
        assert message_deliver(message_id=message.pk) is None
        assert message_deliver(message_id=message.pk) is None  # a second delivery sends nothing
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [[FORM["email"]]]
