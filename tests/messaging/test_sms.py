"""SMS through Twilio's Messages API: the documented request, its errors, and its opt-outs."""

from __future__ import annotations

import base64

import pytest

from plut.foundation.messaging.channels import channel_available, contact_choose
from plut.foundation.messaging.models import MessageStatus, OptOut
from plut.foundation.messaging.services import message_deliver, message_queue
from tests.messaging.fixtures import TWILIO_SERVICE, TWILIO_SID, TWILIO_TOKEN, FakeTwilio

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"


def _send(key: str = "sms:1"):
    message = message_queue(
        key=key,
        kind="reminder-2h",
        to=PHONE,
        channel="sms",
        template="messaging/plain",
        context={"subject": "Halo", "body": "Konsultasi Anda dua jam lagi."},
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_an_sms_is_the_documented_form_post_with_basic_auth(sms_channel, settings):
    settings.SITE_URL = "https://plut.example.id"
    message = _send()
    (request,) = sms_channel.requests
    assert request["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request["headers"]["authorization"] == f"Basic {credentials}"
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": PHONE,
        "Body": "Konsultasi Anda dua jam lagi.",
        "MessagingServiceSid": TWILIO_SERVICE,
        # The outbox key in the query string: a receipt that overtakes the worker finds it.
        "StatusCallback": "https://plut.example.id/webhooks/twilio/status/?key=sms%3A1",
    }
    assert message.status == MessageStatus.SENT
    assert message.provider_id == "SM" + "0" * 31 + "1"


def test_a_sender_id_is_used_without_a_messaging_service(sms_channel, settings):
    settings.MESSAGING_TWILIO_MESSAGING_SERVICE_SID = ""
    settings.MESSAGING_SMS_FROM = "PLUTKUMKM"
    _send()
    form = sms_channel.requests[0]["form"]
    assert form["From"] == "PLUTKUMKM" and "MessagingServiceSid" not in form


def test_a_number_twilio_knows_unsubscribed_is_recorded_as_opted_out(sms_channel, phone_channels):
    sms_channel.unsubscribed = {PHONE}
    message = _send()
    assert message.status == MessageStatus.FAILED_PERMANENT
    opt_out = OptOut.objects.get(phone=PHONE)
    assert (opt_out.channel, opt_out.source, opt_out.active) == ("sms", "provider", True)
    # ... and the next message to it does not even reach Twilio, nor goes by WhatsApp.
    _send("sms:2")
    assert len(sms_channel.requests) == 1
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") is None


def test_a_wrong_auth_token_fails_for_good_with_twilios_reason(sms_channel, settings):
    settings.MESSAGING_TWILIO_AUTH_TOKEN = "wrong"
    message = _send()
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error.startswith("Twilio 20003: Twilio menolak kredensialnya")


def test_without_twilio_sms_is_not_offered_and_a_queued_one_fails_for_good(settings):
    assert not channel_available("sms")
    message = _send()
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error == "SMS belum dikonfigurasi."


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (400, 21211, "Nomor penerima tidak sah."),
        (400, 21408, "Akun Twilio belum diizinkan mengirim SMS ke negara ini."),
        (400, 21614, "Nomor penerima bukan nomor ponsel."),
    ],
)
def test_twilios_documented_refusals_fail_for_good_saying_why(sms_channel, status, code, reason):
    sms_channel.script = [FakeTwilio.error(status, code, "as Twilio words it")]
    message = _send()
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error == f"Twilio {code}: {reason}"


@pytest.mark.parametrize("status", [500, 503])
def test_a_twilio_server_error_is_retried(sms_channel, status):
    sms_channel.script = [FakeTwilio.error(status, 20500, "Internal Server Error")]
    message = _send()
    assert message.status == MessageStatus.FAILED_TEMPORARY
    assert message.next_attempt_at is not None
