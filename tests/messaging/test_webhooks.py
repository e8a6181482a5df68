"""Delivery receipts and replies: WhatsApp's webhook (handshake, X-Hub-Signature-256, statuses,
STOP/BERHENTI) and Twilio's (X-Twilio-Signature, MessageStatus, OptOutType), with payloads as
the providers document them. Signed or refused; repeated or late receipts change nothing."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging

import pytest
from django.urls import reverse

from plut.foundation.messaging.channels import contact_choose
from plut.foundation.messaging.models import (
    DeliveryStatus,
    Message,
    MessageStatus,
    OptOut,
    WhatsAppSender,
)
from plut.foundation.messaging.services import message_deliver, message_queue
from plut.foundation.messaging.twilio import twilio_signature
from tests.messaging.fixtures import (
    TWILIO_SID,
    TWILIO_TOKEN,
    WA_APP_SECRET,
    WA_PHONE_NUMBER_ID,
    WA_VERIFY_TOKEN,
)

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"
WA_URL = reverse("messaging_webhooks:whatsapp")
STATUS_URL = reverse("messaging_webhooks:twilio_status")
INBOUND_URL = reverse("messaging_webhooks:twilio_inbound")


def _wa_message(key="wa:1", **extra) -> Message:
    message = message_queue(
        key=key,
        kind="check-in-3m",
        to=PHONE,
        channel="whatsapp",
        template="mentoring/email/check_in",
        context={"months": 3, "url": "https://plut.example.id/kabar-usaha/abc/"},
        whatsapp_template="check_in",
        **extra,
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def _change(value: dict, number: str = WA_PHONE_NUMBER_ID) -> dict:
    """The envelope Meta puts every messages webhook in; ``number``: the phone-number id the
    events are about."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "6281100001111",
                                "phone_number_id": number,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def _status(
    message_id: str,
    status: str,
    key: str = "",
    errors: list | None = None,
    number: str = WA_PHONE_NUMBER_ID,
) -> dict:
    item = {
        "id": message_id,
        "status": status,
        "timestamp": "1751254339",
        "recipient_id": PHONE.lstrip("+"),
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
    }
    if key:
        item["biz_opaque_callback_data"] = key
    if errors:
        item["errors"] = errors
    return _change({"statuses": [item]}, number)


def _reply(
    text: str,
    sender: str = PHONE.lstrip("+"),
    timestamp: str = "1749416383",
    reply_id: str = "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFDNBNEI=",
    number: str = WA_PHONE_NUMBER_ID,
) -> dict:
    return _change(
        {
            "contacts": [{"profile": {"name": "Siti"}, "wa_id": sender}],
            "messages": [
                {
                    "from": sender,
                    "id": reply_id,
                    "timestamp": timestamp,
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
        number,
    )


def _post_wa(client, payload: dict, secret: str = WA_APP_SECRET, signature: str | None = None):
    body = json.dumps(payload).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post(WA_URL, body, content_type="application/json", **headers)


# --- WhatsApp: the handshake and the signature --------------------------------------------


def test_the_subscription_handshake_echoes_the_challenge(client, phone_channels):
    response = client.get(
        WA_URL,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": WA_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert (response.status_code, response.content) == (200, b"1158201444")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": WA_VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_a_handshake_without_our_verify_token_is_refused(client, phone_channels, params):
    assert client.get(WA_URL, params).status_code == 403


def test_without_a_verify_token_configured_no_handshake_succeeds(client, settings):
    settings.MESSAGING_WHATSAPP_VERIFY_TOKEN = ""
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get(WA_URL, params).status_code == 403


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "sha256="],
    ids=["unsigned", "wrong", "other-scheme", "empty"],
)
def test_an_unsigned_or_badly_signed_webhook_is_refused_and_changes_nothing(
    client, phone_channels, signature
):
    message = _wa_message()
    response = _post_wa(client, _status(message.provider_id, "delivered"), signature=signature)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_a_webhook_signed_with_another_secret_is_refused(client, phone_channels):
    message = _wa_message()
    response = _post_wa(client, _status(message.provider_id, "read"), secret="not-ours")
    assert response.status_code == 403


def test_the_signature_is_checked_over_the_raw_body(client, phone_channels):
    """Re-serialising the JSON (other spacing) would break Meta's signature: the raw bytes are
    what count."""
    message = _wa_message()
    body = json.dumps(_status(message.provider_id, "delivered"), indent=3).encode()
    signature = "sha256=" + hmac.new(WA_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        WA_URL, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


CENTRE_NUMBER = "200000000000001"
OTHER_CENTRE_NUMBER = "200000000000002"


@pytest.fixture
def centre_app(world, phone_channels, monkeypatch):
    """Centre A sends from its own number, with its own Meta app (and app secret); centre B
    has a number of its own on the national app."""
    a, b = world.a.centre.pk, world.b.centre.pk
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{a}_TOKEN", "centre-token")
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{a}_APP_SECRET", "centre-app-secret")
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{b}_TOKEN", "other-token")
    phone_channels.tokens |= {CENTRE_NUMBER: "centre-token", OTHER_CENTRE_NUMBER: "other-token"}
    WhatsAppSender.objects.create(
        centre_id=a,
        phone_number_id=CENTRE_NUMBER,
        access_token_ref=f"env:MESSAGING_WHATSAPP_CENTRE_{a}_TOKEN",
        app_secret_ref=f"env:MESSAGING_WHATSAPP_CENTRE_{a}_APP_SECRET",
    )
    WhatsAppSender.objects.create(
        centre_id=b,
        phone_number_id=OTHER_CENTRE_NUMBER,
        access_token_ref=f"env:MESSAGING_WHATSAPP_CENTRE_{b}_TOKEN",
    )
    return phone_channels


def test_a_centre_with_its_own_meta_app_has_its_webhooks_verified_with_its_secret(
    client, centre_app, world
):
    message = _wa_message(centre=world.a.centre)
    payload = _status(message.provider_id, "sent", number=CENTRE_NUMBER)
    response = _post_wa(client, payload, secret="centre-app-secret")
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


@pytest.mark.parametrize("whose", ["other-centre", "national"])
def test_a_centres_app_secret_cannot_report_on_another_number(client, centre_app, world, whose):
    """A centre's manager may hold its app's secret: it speaks for that centre's number only,
    not for another centre's nor for the national one."""
    if whose == "other-centre":
        message, number = _wa_message(centre=world.b.centre), OTHER_CENTRE_NUMBER
    else:
        message, number = _wa_message(), WA_PHONE_NUMBER_ID
    payload = _status(message.provider_id, "failed", number=number)
    assert _post_wa(client, payload, secret="centre-app-secret").status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == ""
    assert not Message.objects.filter(key__endswith=":fallback").exists()


def test_a_centres_app_secret_cannot_report_on_another_numbers_message_under_its_own(
    client, centre_app, world
):
    """The entry names the signer's number, but the receipt is about a message another number
    sent: it is not recorded."""
    message = _wa_message(centre=world.b.centre)
    payload = _status(message.provider_id, "read", key=message.key, number=CENTRE_NUMBER)
    assert _post_wa(client, payload, secret="centre-app-secret").status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_a_centres_app_secret_cannot_opt_out_an_owner_of_another_number(client, centre_app):
    _post_wa(client, _reply("STOP"), secret="centre-app-secret")
    assert not OptOut.objects.exists()


def test_the_national_app_secret_does_not_speak_for_a_centre_with_its_own_app(
    client, centre_app, world
):
    message = _wa_message(centre=world.a.centre)
    _post_wa(client, _status(message.provider_id, "delivered", number=CENTRE_NUMBER))
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_the_national_app_secret_speaks_for_a_centres_number_on_the_national_app(
    client, centre_app, world
):
    message = _wa_message(centre=world.b.centre)
    _post_wa(client, _status(message.provider_id, "delivered", number=OTHER_CENTRE_NUMBER))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


def test_an_app_secret_reference_of_another_centre_is_not_trusted(client, centre_app, world):
    """A row saved under older rules, naming another centre's secret: it signs nothing."""
    WhatsAppSender.objects.filter(centre_id=world.b.centre.pk).update(
        app_secret_ref=f"env:MESSAGING_WHATSAPP_CENTRE_{world.a.centre.pk}_APP_SECRET"
    )
    message = _wa_message(centre=world.b.centre)
    payload = _status(message.provider_id, "read", number=OTHER_CENTRE_NUMBER)
    assert _post_wa(client, payload, secret="centre-app-secret").status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_a_receipt_of_the_centres_test_send_shows_on_its_page(client, centre_app, world):
    sender = WhatsAppSender.objects.get(centre_id=world.a.centre.pk)
    WhatsAppSender.objects.filter(pk=sender.pk).update(last_test_provider_id="wamid.TEST")
    key = f"test:{sender.pk}"
    forged = _status("wamid.TEST", "read", key=key, number=CENTRE_NUMBER)
    _post_wa(client, forged)  # the national app does not speak for this number
    sender.refresh_from_db()
    assert sender.last_test_delivery == ""
    _post_wa(
        client,
        _status("wamid.TEST", "delivered", key=key, number=CENTRE_NUMBER),
        secret="centre-app-secret",
    )
    sender.refresh_from_db()
    assert sender.last_test_delivery == DeliveryStatus.DELIVERED


# --- WhatsApp: receipts ---------------------------------------------------------------------


def test_receipts_move_forward_only_and_repeats_change_nothing(client, phone_channels):
    message = _wa_message()
    for status, expected in [
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("delivered", "delivered"),  # Meta repeats a webhook it thinks we missed
        ("sent", "delivered"),  # a late "sent" after "delivered"
        ("read", "read"),
        ("delivered", "read"),
        ("failed", "read"),  # nothing after read
    ]:
        assert _post_wa(client, _status(message.provider_id, status)).status_code == 200
        message.refresh_from_db()
        assert message.delivery_status == expected, status
    assert message.status == MessageStatus.SENT
    assert not Message.objects.filter(key__endswith=":fallback").exists()


def test_a_receipt_that_overtakes_the_workers_record_is_found_by_the_outbox_key(
    client, phone_channels
):
    message = _wa_message()
    Message.objects.filter(pk=message.pk).update(provider_id="")
    _post_wa(client, _status("wamid.NOT-YET-RECORDED", "delivered", key=message.key))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


def test_a_receipt_for_an_unknown_message_is_acknowledged(client, phone_channels):
    assert _post_wa(client, _status("wamid.UNKNOWN", "read")).status_code == 200


def test_a_failed_delivery_falls_back_to_sms_once(client, phone_channels, sms_channel, caplog):
    message = _wa_message(fallback_email="pemilik@contoh.id")
    failed = _status(
        message.provider_id,
        "failed",
        errors=[
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
            }
        ],
    )
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):  # repeated by Meta
            assert _post_wa(client, failed).status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error == "WhatsApp 131026: Message undeliverable"
    (fallback,) = Message.objects.filter(key=f"{message.key}:fallback")
    assert (fallback.channel, fallback.recipient) == ("sms", PHONE)
    message_deliver(message_id=fallback.pk)
    assert len(sms_channel.requests) == 1
    assert PHONE not in caplog.text and PHONE.lstrip("+") not in caplog.text


def test_a_failed_delivery_without_sms_goes_to_the_owners_email(client, phone_channels):
    message = _wa_message(fallback_email="pemilik@contoh.id")
    _post_wa(client, _status(message.provider_id, "failed"))
    fallback = Message.objects.get(key=f"{message.key}:fallback")
    assert (fallback.channel, fallback.recipient) == ("email", "pemilik@contoh.id")


def test_a_failed_delivery_with_no_other_way_has_no_fallback(client, phone_channels):
    message = _wa_message()
    _post_wa(client, _status(message.provider_id, "failed"))
    assert Message.objects.count() == 1


def test_the_booking_shows_its_messages_delivery_status_and_failure_reason(
    client, phone_channels, world
):
    message = _wa_message(centre=world.a.centre, about=world.a.booking)
    _post_wa(
        client,
        _status(
            message.provider_id,
            "failed",
            errors=[{"code": 131026, "title": "Message undeliverable"}],
        ),
    )
    client.force_login(world.a.consultant)
    page = client.get(reverse("mentoring:booking_detail", args=[world.a.booking.pk])).content
    page = page.decode()
    assert "Tidak sampai" in page and "WhatsApp 131026: Message undeliverable" in page
    client.force_login(world.a.manager)
    page = client.get(reverse("messaging:outbox")).content.decode()
    assert "Tidak sampai" in page


def test_the_outbox_shows_a_read_message_as_read(client, phone_channels, world):
    message = _wa_message(centre=world.a.centre)
    _post_wa(client, _status(message.provider_id, "read"))
    client.force_login(world.a.manager)
    page = client.get(reverse("messaging:outbox")).content.decode()
    assert 'class="delivery delivery-read"' in page and "Dibaca" in page


# --- WhatsApp: replies ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOP", "berhenti", " Berhenti. ", "Stop"])
def test_an_owner_who_replies_stop_or_berhenti_on_whatsapp_gets_no_more_whatsapp_or_sms(
    client, phone_channels, sms_channel, text
):
    assert _post_wa(client, _reply(text)).status_code == 200
    opt_out = OptOut.objects.get()
    assert (opt_out.phone, opt_out.channel, opt_out.active) == (PHONE, "whatsapp", True)
    # Neither phone channel: SMS is configured, and still not used; an e-mail still is.
    for preferred in ("whatsapp", "sms"):
        assert contact_choose(email="", phone=PHONE, preferred=preferred) is None
    assert contact_choose(email="a@contoh.id", phone=PHONE, preferred="whatsapp") == (
        "email",
        "a@contoh.id",
    )


def test_a_whatsapp_stop_is_answered_once_saying_how_to_resume(client, phone_channels):
    for _ in range(2):  # Meta repeats the webhook
        _post_wa(client, _reply("BERHENTI"))
    (answer,) = Message.objects.all()
    assert (answer.channel, answer.recipient, answer.kind) == (
        "whatsapp",
        PHONE,
        "opt-out-confirmation",
    )
    assert "MULAI" in answer.body
    message_deliver(message_id=answer.pk)
    (request,) = phone_channels.requests
    assert request["json"]["type"] == "text"


def test_the_time_of_the_stop_is_kept(client, phone_channels):
    _post_wa(client, _reply("STOP", timestamp="1749416383"))
    assert OptOut.objects.get().changed_at == datetime.datetime(
        2025, 6, 8, 20, 59, 43, tzinfo=datetime.UTC
    )


def test_an_ordinary_reply_opts_nobody_out(client, phone_channels):
    _post_wa(client, _reply("Saya tidak bisa datang, bisa stop dulu jadwalnya?"))
    assert not OptOut.objects.exists()


def test_mulai_lifts_the_opt_out_and_keeps_it_on_record(client, phone_channels):
    _post_wa(client, _reply("BERHENTI", timestamp="1749416383", reply_id="wamid.1"))
    _post_wa(client, _reply("MULAI", timestamp="1749416400", reply_id="wamid.2"))
    opt_out = OptOut.objects.get()
    assert (opt_out.channel, opt_out.active) == ("whatsapp", False)
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") == ("whatsapp", PHONE)


def test_a_stop_that_arrives_after_a_later_mulai_changes_nothing(client, phone_channels):
    """Meta does not keep the order of its webhooks: the time of the word decides."""
    _post_wa(client, _reply("MULAI", timestamp="1749416400", reply_id="wamid.2"))
    _post_wa(client, _reply("STOP", timestamp="1749416383", reply_id="wamid.1"))
    assert not OptOut.objects.filter(active=True).exists()
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") == ("whatsapp", PHONE)


def test_cancel_on_whatsapp_means_the_booking_not_an_opt_out(client, phone_channels):
    _post_wa(client, _reply("CANCEL"))
    assert not OptOut.objects.exists()


def test_a_forged_stop_is_refused(client, phone_channels):
    assert _post_wa(client, _reply("STOP"), secret="forger").status_code == 403
    assert not OptOut.objects.exists()


def test_a_message_queued_before_the_opt_out_is_not_sent(client, phone_channels):
    message = message_queue(
        key="wa:later",
        kind="check-in-3m",
        to=PHONE,
        channel="whatsapp",
        template="mentoring/email/check_in",
        context={"months": 3, "url": "https://x.id/"},
        whatsapp_template="check_in",
    )
    _post_wa(client, _reply("STOP"))
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert phone_channels.requests == []


# --- Twilio ---------------------------------------------------------------------------------


def _post_twilio(client, url: str, params: dict, token: str = TWILIO_TOKEN, signed: bool = True):
    """POST ``params`` to ``url`` (with its query string) signed as Twilio signs: the full URL
    and every parameter."""
    headers = {}
    if signed:
        headers["HTTP_X_TWILIO_SIGNATURE"] = twilio_signature(
            "http://testserver" + url, params.items(), token
        )
    return client.post(url, params, **headers)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "http://testserver"


def _sms_message(sms_channel) -> Message:
    message = message_queue(
        key="sms:1",
        kind="reminder-24h",
        to=PHONE,
        channel="sms",
        template="messaging/plain",
        context={"subject": "Halo", "body": "Pengingat konsultasi"},
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def _status_params(sid: str, status: str, **extra: str) -> dict:
    return {
        "AccountSid": TWILIO_SID,
        "ApiVersion": "2010-04-01",
        "From": "PLUT",
        "MessageSid": sid,
        "MessageStatus": status,
        "MessagingServiceSid": "MG" + "0" * 31 + "2",
        "SmsSid": sid,
        "SmsStatus": status,
        "To": PHONE,
        **extra,
    }


def test_twilio_status_callbacks_record_delivery(client, sms_channel, site):
    message = _sms_message(sms_channel)
    assert message.provider_id.startswith("SM")
    for status in ("queued", "sent", "delivered", "sent"):
        response = _post_twilio(client, STATUS_URL, _status_params(message.provider_id, status))
        assert response.status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


def test_an_undelivered_sms_is_recorded_with_twilios_code(client, sms_channel, site):
    message = _sms_message(sms_channel)
    _post_twilio(
        client, STATUS_URL, _status_params(message.provider_id, "undelivered", ErrorCode="30003")
    )
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("failed", "Twilio 30003")
    assert not Message.objects.filter(key__endswith=":fallback").exists()  # WhatsApp only


@pytest.mark.parametrize("how", ["unsigned", "other-token", "other-url"])
def test_a_twilio_callback_not_signed_by_our_account_is_refused(client, sms_channel, site, how):
    message = _sms_message(sms_channel)
    params = _status_params(message.provider_id, "delivered")
    if how == "unsigned":
        response = _post_twilio(client, STATUS_URL, params, signed=False)
    elif how == "other-token":
        response = _post_twilio(client, STATUS_URL, params, token="someone-else")
    else:
        signature = twilio_signature("http://testserver/elsewhere/", params.items(), TWILIO_TOKEN)
        response = client.post(STATUS_URL, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_the_status_callback_url_given_to_twilio_is_the_one_verified(client, sms_channel, site):
    message = _sms_message(sms_channel)
    callback = sms_channel.requests[0]["form"]["StatusCallback"]
    assert callback == "http://testserver" + STATUS_URL + "?key=sms%3A1"
    params = _status_params(message.provider_id, "delivered")
    signature = twilio_signature(callback, params.items(), TWILIO_TOKEN)
    url = callback.removeprefix("http://testserver")
    assert client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


def test_a_status_that_overtakes_the_workers_record_is_found_by_the_callbacks_key(
    client, sms_channel, site
):
    message = _sms_message(sms_channel)
    Message.objects.filter(pk=message.pk).update(provider_id="")
    url = sms_channel.requests[0]["form"]["StatusCallback"].removeprefix("http://testserver")
    _post_twilio(client, url, _status_params("SM" + "9" * 32, "delivered"))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


def test_the_signature_covers_the_callbacks_query_string(client, sms_channel, site):
    """Signed for one outbox key, replayed against another: refused."""
    first = _sms_message(sms_channel)
    params = _status_params("SM" + "9" * 32, "failed")
    signature = twilio_signature(
        "http://testserver" + STATUS_URL + "?key=sms%3A2", params.items(), TWILIO_TOKEN
    )
    response = client.post(STATUS_URL + "?key=sms%3A1", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    first.refresh_from_db()
    assert first.delivery_status == ""


def test_the_signature_covers_every_value_of_a_repeated_parameter(client, sms_channel, site):
    """Twilio signs each value of a parameter given twice; a value added to a signed request
    breaks the signature."""
    message = _sms_message(sms_channel)
    params = _status_params(message.provider_id, "delivered")
    signature = twilio_signature("http://testserver" + STATUS_URL, params.items(), TWILIO_TOKEN)
    tampered = params | {"MessageStatus": ["delivered", "failed"]}
    response = client.post(STATUS_URL, tampered, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    pairs = [*params.items(), ("MessageStatus", "failed")]
    signed = twilio_signature("http://testserver" + STATUS_URL, pairs, TWILIO_TOKEN)
    assert client.post(STATUS_URL, tampered, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 204


def test_twilios_signature_matches_its_documented_example():
    """Twilio's security documentation: this URL and these parameters, signed with
    ``12345``, give ``0/KCTR6DLpKmkAf8muzZqo1nDgQ=``."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert twilio_signature(url, params.items(), "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def _inbound(body: str, **extra: str) -> dict:
    return {
        "AccountSid": TWILIO_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": PHONE,
        "To": "+6281100001111",
        "MessageSid": "SM" + "1" * 32,
        "NumMedia": "0",
        **extra,
    }


def test_twilios_opt_out_event_stops_whatsapp_too(client, sms_channel, phone_channels, site):
    response = _post_twilio(client, INBOUND_URL, _inbound("stop", OptOutType="STOP"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    opt_out = OptOut.objects.get()
    assert (opt_out.channel, opt_out.source) == ("sms", "provider")
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") is None
    # A WhatsApp message queued before is not sent either, and does not fall back to SMS.
    message = _wa_message(fallback_email="")
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "WhatsApp dan SMS" in message.last_error
    assert not Message.objects.filter(key__endswith=":fallback").exists()


def test_a_whatsapp_mulai_does_not_lift_a_stop_written_by_sms(
    client, sms_channel, phone_channels, site
):
    _post_twilio(client, INBOUND_URL, _inbound("BERHENTI"))
    _post_wa(client, _reply("MULAI", timestamp="4102444800"))  # 2100: after the SMS stop
    assert OptOut.objects.get(channel="sms").active
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") is None
    # The owner lifts it where they wrote it: the phone is used again, on either channel.
    _post_twilio(client, INBOUND_URL, _inbound("MULAI"))
    assert contact_choose(email="", phone=PHONE, preferred="whatsapp") == ("whatsapp", PHONE)


def test_an_sms_reply_berhenti_opts_out_and_start_opts_back_in(client, sms_channel, site):
    _post_twilio(client, INBOUND_URL, _inbound("BERHENTI"))
    opt_out = OptOut.objects.get()
    assert (opt_out.channel, opt_out.source, opt_out.active) == ("sms", "sms", True)
    _post_twilio(client, INBOUND_URL, _inbound("start", OptOutType="START"))
    opt_out.refresh_from_db()
    assert not opt_out.active


def test_a_forged_sms_stop_is_refused(client, sms_channel, site):
    response = _post_twilio(client, INBOUND_URL, _inbound("STOP"), token="forger")
    assert response.status_code == 403
    assert not OptOut.objects.exists()


def test_the_webhooks_need_no_csrf_token_only_the_signature(phone_channels, sms_channel, site):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    message = _wa_message()
    assert _post_wa(strict, _status(message.provider_id, "delivered")).status_code == 200
    assert _post_twilio(strict, INBOUND_URL, _inbound("BERHENTI")).status_code == 200
    assert _post_wa(strict, _status(message.provider_id, "read"), secret="x").status_code == 403
