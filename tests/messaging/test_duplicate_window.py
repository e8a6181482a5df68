"""At least once to the channel: the window between the channel taking a message and the outbox
recording it sent. A worker killed inside it leaves the row "sending"; after the lease the sweep
sends it again, under the same Message-ID (email) or outbox key (WhatsApp's
biz_opaque_callback_data, Twilio's status callback), so the receiver or the receipts can tell the
two are one: tests/messaging/test_every_channel.py shows it for each channel.

``test_the_window_is_measured`` times that window over real sends (the SMTP backend against a
local server, the test mail backend, the HTTP channel against the fake provider) and prints
median, p99 and max (run with ``-s``; docs/background-jobs.md has the PostgreSQL figures). It
asserts behaviour only, never a timing.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction

from plut.foundation.messaging.channels import message_id_header
from plut.foundation.messaging.models import Message, MessageStatus
from plut.foundation.messaging.services import message_deliver, message_queue

PHONE = "+6281234567890"
MESSAGES = 1000


def _queue(key: str, channel: str) -> Message:
    return message_queue(
        key=key,
        kind="test",
        channel=channel,
        to="pemilik@contoh.id" if channel == "email" else PHONE,
        template="messaging/plain",
        context={"subject": "Halo", "body": "Isi pesan", "months": 3, "url": "https://x.id/"},
        whatsapp_template="check_in",
    )


class TimedLocmem(EmailBackend):
    """The test mail backend, noting when it took each message."""

    accepted_at: dict[str, float] = {}

    def send_messages(self, messages):
        count = super().send_messages(messages)
        for message in messages:
            TimedLocmem.accepted_at[message.extra_headers["Message-ID"]] = time.perf_counter()
        return count


@pytest.fixture
def test_mail_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.TimedLocmem"
    TimedLocmem.accepted_at = {}
    return TimedLocmem


# Each row's status update commits on its own (autocommit), as in a worker: a transactional test.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", ["email-smtp", "email-test-backend", "whatsapp-http"])
def test_the_window_is_measured(channel, request, published):
    if channel == "email-smtp":
        server = request.getfixturevalue("smtp_server")

        def accepted(key: str) -> list[float]:
            return server.accepted_at.get(message_id_header(key), [])
    elif channel == "email-test-backend":
        backend = request.getfixturevalue("test_mail_backend")

        def accepted(key: str) -> list[float]:
            return [backend.accepted_at[message_id_header(key)]]
    else:
        provider = request.getfixturevalue("phone_channels")

        def accepted(key: str) -> list[float]:
            return [provider.accepted_at[key]]

    keys = [f"window:{channel}:{n}" for n in range(MESSAGES)]
    with transaction.atomic():
        ids = [_queue(key, channel.split("-")[0]).pk for key in keys]

    windows = []
    for key, message_id in zip(keys, ids, strict=True):
        message_deliver(message_id=message_id)
        # message_deliver's last statement is the UPDATE to "sent", committed as it returns.
        recorded = time.perf_counter()
        (taken,) = accepted(key)  # taken exactly once
        windows.append((recorded - taken) * 1000)

    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert all(window > 0 for window in windows)
    print(
        f"\nduplicate window, {channel} on {connection.vendor}, {len(windows)} messages: "
        f"median {statistics.median(windows):.2f} ms, "
        f"p99 {statistics.quantiles(windows, n=100)[98]:.2f} ms, max {max(windows):.2f} ms"
    )
