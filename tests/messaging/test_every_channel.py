"""The outbox's guarantees, the same for every channel: e-mail through a real SMTP exchange,
WhatsApp through the fake Cloud API and SMS through the fake Twilio, each on 127.0.0.1 and each
counting the copies it took by the outbox key (Message-ID, biz_opaque_callback_data, the key in
Twilio's status callback).

One row per key; a task delivered twice sends once; a worker that died before sending, or a
task the broker lost, is sent by the sweep within its bound; a worker killed after the channel
took the message but before the row says so sends a second copy under the same key (the
at-least-once window, docs/background-jobs.md); the channel's "try later" is retried after the
backoff and then sent once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine

from plut.foundation.messaging import services
from plut.foundation.messaging.channels import message_id_header
from plut.foundation.messaging.models import Message, MessageStatus
from plut.foundation.messaging.services import (
    _claim,
    message_deliver,
    message_queue,
    messages_sweep,
)
from tests.messaging.fixtures import WA_RATE_LIMIT, FakeTwilio

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)
PHONE = "+6281234567890"
# docs/background-jobs.md: the lease or requeue time (2 min) plus one sweep interval.
RESEND_WITHIN = datetime.timedelta(minutes=3)


@dataclass
class Channel:
    name: str
    to: str
    copies: Callable[[str], int]  # how many copies of the key's message the channel took
    refuse_next: Callable[[], None]  # the channel's documented "try again later", once


@pytest.fixture(params=["email", "whatsapp", "sms"])
def channel(request) -> Channel:
    if request.param == "email":
        server = request.getfixturevalue("smtp_server")
        return Channel(
            "email",
            "pemilik@contoh.id",
            lambda key: server.message_ids().count(message_id_header(key)),
            lambda: server.script.append(b"421 4.7.0 Try again later"),
        )
    if request.param == "whatsapp":
        cloud_api = request.getfixturevalue("phone_channels")
        return Channel(
            "whatsapp",
            PHONE,
            cloud_api.taken.count,
            lambda: cloud_api.script.append(WA_RATE_LIMIT),
        )
    twilio = request.getfixturevalue("sms_channel")
    return Channel(
        "sms",
        PHONE,
        twilio.taken.count,
        lambda: twilio.script.append(FakeTwilio.error(429, 20429, "Too Many Requests")),
    )


def _queue(channel: Channel, key: str = "every:1", to: str | None = None) -> Message:
    return message_queue(
        key=key,
        kind="check-in-3m",
        channel=channel.name,
        to=to or channel.to,
        template="messaging/plain",
        context={"subject": "Halo", "body": "Isi pesan", "months": 3, "url": "https://x.id/"},
        whatsapp_template="check_in",
    )


def _status(message: Message) -> tuple[str, int]:
    message.refresh_from_db()
    return message.status, message.attempts


def test_the_same_key_queued_twice_is_one_row(channel):
    first = _queue(channel)
    second = _queue(channel, to="+6285700000000" if channel.name != "email" else "lain@contoh.id")
    assert first.pk == second.pk and Message.objects.count() == 1


def test_a_send_task_delivered_twice_sends_once(channel):
    message = _queue(channel)
    message_deliver(message_id=message.pk)
    message_deliver(message_id=message.pk)
    assert channel.copies("every:1") == 1
    assert _status(message) == (MessageStatus.SENT, 1)


def test_a_worker_that_died_before_sending_is_replaced_by_the_sweep_within_the_bound(
    channel, published
):
    message = _queue(channel)
    with time_machine.travel(NOW, tick=False):
        assert _claim(message.pk, NOW) is not None  # ... and the worker is killed here
    with time_machine.travel(
        NOW + RESEND_WITHIN - datetime.timedelta(minutes=1, seconds=1), tick=False
    ):
        assert messages_sweep() == 0  # its lease still holds
    with time_machine.travel(NOW + RESEND_WITHIN, tick=False):
        assert messages_sweep() == 1
        message_deliver(message_id=message.pk)
    assert published == [message.pk]
    assert channel.copies("every:1") == 1
    assert _status(message) == (MessageStatus.SENT, 2)


def test_a_task_the_broker_lost_is_sent_after_the_sweep(channel, published):
    message = _queue(channel)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED, queued_at=NOW)
    with time_machine.travel(NOW + RESEND_WITHIN, tick=False):
        assert messages_sweep() == 1
        message_deliver(message_id=message.pk)
    assert published == [message.pk]
    assert channel.copies("every:1") == 1
    assert _status(message) == (MessageStatus.SENT, 1)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so no handler in the send path catches it."""


def test_a_worker_killed_after_the_channel_took_it_sends_a_second_copy_under_the_same_key(
    channel, published, monkeypatch, settings
):
    """No provider here takes an idempotency key: the second copy reaches the owner too (the
    window's cost, docs/background-jobs.md). Both carry the outbox key, so a mail client can
    tell them apart and both receipts land on the one row."""
    settle = services._settle

    def die_once(message, **fields):
        monkeypatch.setattr(services, "_settle", settle)
        raise WorkerKilled

    monkeypatch.setattr(services, "_settle", die_once)
    message = _queue(channel)
    with time_machine.travel(NOW, tick=False), pytest.raises(WorkerKilled):
        message_deliver(message_id=message.pk)
    assert channel.copies("every:1") == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENDING
    lease_over = NOW + datetime.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS + 1)
    with time_machine.travel(lease_over, tick=False):
        assert messages_sweep() == 1
        message_deliver(message_id=message.pk)
    assert channel.copies("every:1") == 2
    assert _status(message) == (MessageStatus.SENT, 2)


def test_the_channels_try_again_later_is_retried_after_the_backoff_then_sent_once(
    channel, published
):
    channel.refuse_next()
    message = _queue(channel)
    with time_machine.travel(NOW, tick=False):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_TEMPORARY
    assert message.next_attempt_at > NOW
    with time_machine.travel(message.next_attempt_at - datetime.timedelta(seconds=1), tick=False):
        assert messages_sweep() == 0  # not before its backoff
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert messages_sweep() == 1
        message_deliver(message_id=message.pk)
    assert channel.copies("every:1") == 1
    assert _status(message) == (MessageStatus.SENT, 2)
