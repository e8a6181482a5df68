"""The outbox: a key is queued once, a claim lets one sender through, failures are sorted
into temporary (retried with backoff, up to a limit) and permanent (recorded)."""

from __future__ import annotations

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from plut.foundation.messaging.channels import message_id_header
from plut.foundation.messaging.models import Message, MessageStatus
from plut.foundation.messaging.services import (
    Attachment,
    _claim,
    message_deliver,
    message_queue,
    messages_purge,
    messages_sweep,
    retry_delay,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


def _queue(key="test:1", **extra) -> Message:
    values = {
        "key": key,
        "kind": "test",
        "to": "pemilik@contoh.id",
        "template": "messaging/plain",
        "context": {"subject": "Halo", "body": "Isi pesan https://plut.example.id/survei/x/"},
    }
    return message_queue(**(values | extra))


class FlakySmtp(EmailBackend):
    """A mail server that answers with the code in ``FlakySmtp.code`` (None: accepts)."""

    code: int | None = None

    def send_messages(self, messages):
        if self.code == 0:
            raise smtplib.SMTPServerDisconnected("gone")
        if self.code:
            raise smtplib.SMTPResponseException(self.code, b"no")
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySmtp"
    yield FlakySmtp
    FlakySmtp.code = None


def test_the_same_key_twice_is_one_message_and_one_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = _queue()
        second = _queue(to="orang.lain@contoh.id")
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert Message.objects.get().recipient == "pemilik@contoh.id"
    assert len(callbacks) == 1


def test_a_task_delivered_twice_sends_once():
    message = _queue(attachments=[Attachment("a.ics", b"BEGIN:VCALENDAR", "text/calendar")])
    message_deliver(message_id=message.pk)
    message_deliver(message_id=message.pk)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["pemilik@contoh.id"]
    assert sent.extra_headers["Message-ID"] == message_id_header("test:1")
    assert sent.attachments[0][0] == "a.ics"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert message.sent_at is not None


def test_a_row_claimed_by_another_worker_is_left_alone_until_its_lease_runs_out(settings):
    message = _queue()
    with time_machine.travel(NOW, tick=False):
        # Another worker took it a moment ago and is still sending.
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, claimed_until=NOW + datetime.timedelta(minutes=5)
        )
        message_deliver(message_id=message.pk)
        assert mail.outbox == []
    # That worker died: after the lease, the message is anyone's again, and goes once.
    with time_machine.travel(NOW + datetime.timedelta(minutes=6), tick=False):
        message_deliver(message_id=message.pk)
        message_deliver(message_id=message.pk)
    assert len(mail.outbox) == 1


# What docs/background-jobs.md promises: a message a dead worker left, or whose task the broker
# lost, goes out again within the lease or requeue time (2 min) plus one sweep interval.
RESEND_WITHIN = datetime.timedelta(minutes=3)


def test_the_sweep_runs_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["schedule"] == 60.0


def test_a_message_whose_worker_died_mid_send_is_sent_again_within_the_bound(published):
    message = _queue()
    with time_machine.travel(NOW, tick=False):
        assert _claim(message.pk, NOW) is not None  # ... and the worker is killed here
    # The first sweep after the lease may come a full interval later.
    last_quiet_sweep = NOW + RESEND_WITHIN - datetime.timedelta(minutes=1, seconds=1)
    with time_machine.travel(last_quiet_sweep, tick=False):
        assert messages_sweep() == 0
    with time_machine.travel(NOW + RESEND_WITHIN, tick=False):
        assert messages_sweep() == 1
        message_deliver(message_id=message.pk)
    assert published == [message.pk]
    assert len(mail.outbox) == 1


def test_a_task_the_broker_lost_is_queued_again_within_the_bound(published):
    message = _queue()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED, queued_at=NOW)
    with time_machine.travel(NOW + RESEND_WITHIN, tick=False):
        assert messages_sweep() == 1
    assert published == [message.pk]


def test_a_message_being_sent_is_not_requeued_while_its_send_may_still_run(published, settings):
    from plut.foundation.messaging.tasks import message_send

    # The pool kills a send task at its time limit: with a minute to spare for workers' clocks,
    # no send is still running when its lease ends.
    longest_send = message_send.time_limit
    assert longest_send and longest_send + 60 <= settings.MESSAGING_LEASE_SECONDS
    message = _queue()
    with time_machine.travel(NOW, tick=False):
        _claim(message.pk, NOW)
    with time_machine.travel(NOW + datetime.timedelta(seconds=longest_send + 60), tick=False):
        assert messages_sweep() == 0
        message_deliver(message_id=message.pk)
    assert published == []
    assert mail.outbox == []


def test_an_email_the_server_took_is_sent_though_it_never_answers_quit(smtp_server, settings):
    """A stalled QUIT comes after the server took the message: retrying would send it twice."""
    smtp_server.quit_hangs = True
    settings.EMAIL_TIMEOUT = 0.2
    message = _queue()
    assert message_deliver(message_id=message.pk) is None
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert smtp_server.message_ids() == [message_id_header("test:1")]


def test_a_stale_worker_cannot_overwrite_its_successors_result():
    message = _queue()
    message_deliver(message_id=message.pk)
    # A worker whose lease ran out reports a failure late: its claim is no longer the row's.
    Message.objects.filter(pk=message.pk).update(last_error_texts={})
    from plut.foundation.messaging.services import _settle

    stale = Message.objects.get(pk=message.pk)
    stale.claim = None
    assert _settle(stale, status=MessageStatus.FAILED_PERMANENT, last_error_texts={"id": "x"}) == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize("code", [421, 450, 0])
def test_a_temporary_smtp_failure_is_retried_with_backoff_then_sent(flaky_smtp, settings, code):
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    message = _queue()
    flaky_smtp.code = code
    with time_machine.travel(NOW, tick=False):
        assert message_deliver(message_id=message.pk) == 60
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED_TEMPORARY
        assert message.next_attempt_at == NOW + datetime.timedelta(seconds=60)
        assert message.last_error
        # Not before its time, even if a task arrives early.
        assert message_deliver(message_id=message.pk) is None
    flaky_smtp.code = None
    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_the_backoff_doubles_and_is_capped(settings):
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(20) == 3600


def test_temporary_failures_stop_at_the_limit_and_become_permanent(flaky_smtp, settings):
    settings.MESSAGING_MAX_ATTEMPTS = 3
    settings.MESSAGING_RETRY_BASE_SECONDS = 1
    flaky_smtp.code = 451
    message = _queue()
    moment = NOW
    for _ in range(3):
        moment += datetime.timedelta(hours=2)
        with time_machine.travel(moment, tick=False):
            message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED_PERMANENT, 3)
    assert message.last_error == "SMTP 451"


def test_a_permanent_smtp_failure_is_recorded_and_not_retried(flaky_smtp):
    flaky_smtp.code = 550
    message = _queue()
    assert message_deliver(message_id=message.pk) is None
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.FAILED_PERMANENT, "SMTP 550")
    assert messages_sweep(now=timezone.now() + datetime.timedelta(days=1)) == 0


def test_whatsapp_goes_to_the_cloud_api_as_a_template_message(phone_channels):
    message = _queue(
        channel="whatsapp",
        to="+6281234567890",
        whatsapp_template="check_in",
        context={"months": 3, "url": "https://plut.example.id/kabar-usaha/x/"},
    )
    message_deliver(message_id=message.pk)
    (request,) = phone_channels.requests
    assert request["path"] == "/v23.0/106540352242922/messages"
    assert request["headers"]["authorization"] == "Bearer wa-token"
    assert request["json"]["to"] == "6281234567890"
    assert request["json"]["biz_opaque_callback_data"] == "test:1"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_id == "wamid.FAKE000001"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("script", "status"),
    [
        ([(503, {"code": 20500, "message": "Internal Server Error", "status": 503})], "temp"),
        ([(429, {"code": 20429, "message": "Too Many Requests", "status": 429})], "temp"),
        ([(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})], "perm"),
        ([(401, {"code": 20003, "message": "Authenticate", "status": 401})], "perm"),
    ],
)
def test_provider_errors_are_sorted_into_temporary_and_permanent(sms_channel, script, status):
    sms_channel.script = list(script)
    message = _queue(channel="sms", to="+6281234567890")
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    expected = (
        MessageStatus.FAILED_TEMPORARY if status == "temp" else MessageStatus.FAILED_PERMANENT
    )
    assert message.status == expected
    assert message.last_error.startswith(f"Twilio {script[0][1]['code']}")


def test_a_provider_timeout_is_temporary(phone_channels, settings):
    settings.MESSAGING_HTTP_TIMEOUT = 0.3
    phone_channels.delay = 1
    message = _queue(channel="whatsapp", to="+6281234567890", whatsapp_template="check_in")
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_TEMPORARY


def test_an_unreachable_provider_is_temporary(sms_channel, settings):
    settings.MESSAGING_SMS_API_URL = "http://127.0.0.1:1"
    message = _queue(channel="sms", to="+6281234567890")
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_TEMPORARY


def test_the_sweep_queues_what_the_broker_never_got_and_what_a_dead_worker_left(monkeypatch):
    published = []
    monkeypatch.setattr(
        "plut.foundation.messaging.tasks.message_send.apply_async",
        lambda args, **kwargs: published.append(args[0]),
    )
    with time_machine.travel(NOW, tick=False):
        never_queued = _queue(key="a")
        lost = _queue(key="b")
        half_sent = _queue(key="c")
        retry_due = _queue(key="d")
        fresh = _queue(key="e")
        sent = _queue(key="f")
    Message.objects.filter(pk=lost.pk).update(status=MessageStatus.QUEUED, queued_at=NOW)
    Message.objects.filter(pk=half_sent.pk).update(
        status=MessageStatus.SENDING, claimed_until=NOW + datetime.timedelta(minutes=5)
    )
    Message.objects.filter(pk=retry_due.pk).update(
        status=MessageStatus.FAILED_TEMPORARY, next_attempt_at=NOW + datetime.timedelta(minutes=2)
    )
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT)
    later = NOW + datetime.timedelta(minutes=11)
    with time_machine.travel(later, tick=False):
        fresh.created_at = later
        Message.objects.filter(pk=fresh.pk).update(created_at=later)
        assert messages_sweep() == 4
    assert sorted(published) == sorted([never_queued.pk, lost.pk, half_sent.pk, retry_due.pk])
    never_queued.refresh_from_db()
    assert never_queued.status == MessageStatus.QUEUED


def test_a_queue_call_inside_a_failed_transaction_leaves_nothing():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError
    assert not Message.objects.exists()


def test_a_send_task_that_cannot_reach_the_database_retries_soon_and_then_sends(monkeypatch):
    """A PostgreSQL restart at the task's first query: the task itself tries again after
    seconds, not the sweep after ten minutes, and the message goes out once."""
    from django.db import OperationalError

    from plut.foundation.messaging import tasks

    message = _queue()
    calls = []

    def deliver_after_a_restart(*, message_id):
        calls.append(message_id)
        if len(calls) == 1:
            raise OperationalError("the database system is starting up")
        return message_deliver(message_id=message_id)

    monkeypatch.setattr(tasks, "message_deliver", deliver_after_a_restart)
    retried = []
    original = tasks.message_send.retry

    def record_retry(*args, **kwargs):
        retried.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.message_send, "retry", record_retry)
    tasks.message_send.apply(args=[message.pk])
    assert calls == [message.pk, message.pk]
    assert retried == [tasks.database_retry_delay(0)] == [5]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_database_retries_back_off_and_are_capped():
    from plut.foundation.messaging import tasks

    assert [tasks.database_retry_delay(n) for n in range(8)] == [5, 10, 20, 40, 80, 160, 300, 300]


def test_a_send_that_dies_on_every_attempt_fails_for_good_instead_of_being_claimed_for_ever(
    published, settings
):
    settings.MESSAGING_MAX_ATTEMPTS = 3
    message = _queue()
    moment = NOW
    for _attempt in range(3):
        with time_machine.travel(moment, tick=False):
            assert _claim(message.pk, moment) is not None  # ... and the worker dies here
        moment += datetime.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS + 1)
    with time_machine.travel(moment, tick=False):
        assert messages_sweep() == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "terhenti 3 kali" in message.last_error
    assert published == []


def test_finished_messages_are_deleted_after_the_retention_and_nothing_else(settings):
    settings.MESSAGING_RETENTION_DAYS = 365
    old = NOW - datetime.timedelta(days=366)
    rows = {}
    for name, status, created_at in [
        ("old_sent", MessageStatus.SENT, old),
        ("old_failed", MessageStatus.FAILED_PERMANENT, old),
        ("old_pending", MessageStatus.PENDING, old),  # not finished: the sweep still owes it
        ("recent_sent", MessageStatus.SENT, NOW - datetime.timedelta(days=364)),
    ]:
        message = _queue(key=f"test:{name}")
        Message.objects.filter(pk=message.pk).update(status=status, created_at=created_at)
        rows[name] = message.pk
    with time_machine.travel(NOW, tick=False):
        assert messages_purge(batch=1) == 2
        assert messages_purge() == 0  # a second run deletes nothing more
    assert set(Message.objects.values_list("pk", flat=True)) == {
        rows["old_pending"],
        rows["recent_sent"],
    }


def test_the_purge_runs_daily(settings):
    assert settings.CELERY_BEAT_SCHEDULE["outbox-purge"] == {
        "task": "plut.foundation.messaging.tasks.outbox_purge",
        "schedule": 86400.0,
    }
