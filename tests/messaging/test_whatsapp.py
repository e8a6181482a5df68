"""WhatsApp through the Cloud API: template messages in the owner's language, the documented
errors sorted into retry and permanent failure, the centre's own number and secrets, and the
one fallback of a message that could not go."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from plut.foundation.messaging.models import Message, MessageStatus, OptOut, WhatsAppSender
from plut.foundation.messaging.services import (
    _claim,
    message_deliver,
    message_queue,
    messages_sweep,
)
from plut.foundation.messaging.whatsapp_templates import LANGUAGES, TEMPLATES
from tests.messaging.fixtures import (
    WA_RATE_LIMIT,
    WA_REENGAGEMENT,
    WA_SERVER_ERROR,
    WA_TEMPLATE_MISSING,
    WA_TOKEN_EXPIRED,
    _error,
)

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"
URL = "https://plut.example.id/kabar-usaha/abc/"


def _queue(key="wa:1", language="id", whatsapp_template="check_in", **extra) -> Message:
    values = {
        "key": key,
        "kind": "check-in-3m",
        "to": PHONE,
        "channel": "whatsapp",
        "language": language,
        "template": "mentoring/email/check_in",
        "context": {"months": 3, "url": URL, "enterprise": None},
        "whatsapp_template": whatsapp_template,
    }
    return message_queue(**(values | extra))


def _deliver(message: Message) -> Message:
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_message_is_the_documented_template_message_in_the_owners_language(
    phone_channels, language
):
    message = _deliver(_queue(language=language))
    (request,) = phone_channels.requests
    assert request["path"] == "/v23.0/106540352242922/messages"
    assert request["headers"]["authorization"] == "Bearer wa-token"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "plut_check_in_v1",
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "3"}, {"type": "text", "text": URL}],
                }
            ],
        },
        "biz_opaque_callback_data": "wa:1",
    }
    assert (message.status, message.provider_id) == (MessageStatus.SENT, "wamid.FAKE000001")


def test_booking_parameters_are_rendered_on_the_centres_clock_in_the_owners_language(world):
    booking = world.a.booking
    message = message_queue(
        key="wa:booking",
        kind="booking-confirmed",
        to=PHONE,
        channel="whatsapp",
        language="en",
        template="mentoring/email/booking",
        context={"booking": booking, "manage_url": "https://x.id/m/", "notice": "confirmed"},
        whatsapp_template="booking_confirmed",
    )
    assert message.template_name == "plut_booking_confirmed_v1"
    centre, when, link = message.template_parameters
    assert centre == booking.centre.name
    assert when.endswith("WIB") and link == "https://x.id/m/"


def test_parameters_are_plain_text_not_html():
    """WhatsApp shows a parameter as it is: "&" in a link or a name must stay "&"."""
    centre, link = TEMPLATES["survey"].render(
        {"session": {"centre": {"name": "PLUT Bandung & 'Jaya'"}}, "url": "https://x.id/a?b=1&c=2"}
    )
    assert centre == "PLUT Bandung & 'Jaya'"
    assert link == "https://x.id/a?b=1&c=2"


def test_the_reminders_say_no_relative_time_they_may_not_keep():
    """The 24-hour reminder may go 3 hours before, the 2-hour one minutes before: their
    texts give the time (a parameter), not "tomorrow" or "in two hours"."""
    for key in ("reminder_24h", "reminder_2h"):
        template = TEMPLATES[key]
        assert template.version == 2
        for word in ("besok", "dua jam", "tomorrow", "two hours"):
            assert word not in template.text["id"].lower() + template.text["en"].lower()


def test_a_failure_reason_is_kept_in_every_language_and_read_in_the_readers(phone_channels):
    from django.utils import translation

    phone_channels.script = [WA_TOKEN_EXPIRED]
    message = _deliver(_queue())
    assert set(message.last_error_texts) == {"id", "en"}
    with translation.override("en"):
        assert message.last_error.startswith("WhatsApp 190: The WhatsApp access token")
    with translation.override("id"):
        assert message.last_error.startswith("WhatsApp 190: Token akses WhatsApp")


def test_an_expired_token_says_what_to_do(phone_channels):
    """Every message fails until the token is renewed: the outbox says how."""
    phone_channels.script = [WA_TOKEN_EXPIRED]
    message = _deliver(_queue())
    assert "perbarui" in message.last_error or "diperbarui" in message.last_error
    assert "token permanen" in message.last_error


@pytest.mark.parametrize(
    ("answer", "status", "reason"),
    [
        (WA_RATE_LIMIT, MessageStatus.FAILED_TEMPORARY, "WhatsApp 130429: Batas kecepatan"),
        (WA_SERVER_ERROR, MessageStatus.FAILED_TEMPORARY, "WhatsApp 131000"),
        (WA_TEMPLATE_MISSING, MessageStatus.FAILED_PERMANENT, "WhatsApp 132001: Templat ini"),
        (WA_TOKEN_EXPIRED, MessageStatus.FAILED_PERMANENT, "WhatsApp 190: Token akses"),
        (WA_REENGAGEMENT, MessageStatus.FAILED_PERMANENT, "WhatsApp 131047: Lebih dari 24 jam"),
        (
            _error(400, 131030, "(#131030) Recipient phone number not in allowed list"),
            MessageStatus.FAILED_PERMANENT,
            "WhatsApp 131030: Nomor penerima belum ada di daftar nomor uji",
        ),
    ],
)
def test_the_documented_errors_are_retried_or_failed_for_good(
    phone_channels, answer, status, reason
):
    phone_channels.script = [answer]
    message = _deliver(_queue())
    assert message.status == status
    assert message.last_error.startswith(reason)


def test_a_template_meta_has_not_approved_fails_for_good_with_the_reason(phone_channels):
    phone_channels.approved = set()
    message = _deliver(_queue())
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "132001" in message.last_error and "belum disetujui" in message.last_error


def test_an_expired_token_is_refused_by_the_fake_as_by_meta(phone_channels, settings):
    settings.MESSAGING_WHATSAPP_TOKEN = "old-token"
    message = _deliver(_queue())
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error.startswith("WhatsApp 190")


def test_a_message_kind_without_a_template_fails_for_good_and_says_so_on_the_outbox_page(
    phone_channels, client, world
):
    message = _deliver(
        _queue(whatsapp_template="", centre=world.a.centre, kind="agenda", key="wa:none")
    )
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error == "Tidak ada templat WhatsApp untuk pesan jenis agenda."
    assert phone_channels.requests == []
    client.force_login(world.a.manager)
    page = client.get("/staff/outbox/", {"status": "failed_permanent"}).content.decode()
    assert "Tidak ada templat WhatsApp untuk pesan jenis agenda." in page


def test_a_template_key_the_code_does_not_have_is_refused_when_queued(phone_channels):
    """A typo in a sender is a programming error, caught by the sender's own tests, not a
    message that fails later."""
    with pytest.raises(KeyError, match="booking_lost"):
        _queue(whatsapp_template="booking_lost")
    assert not Message.objects.exists()


def test_a_message_queued_before_its_template_got_a_new_version_goes_out_as_queued(
    phone_channels, monkeypatch
):
    """Meta still has v1 approved: the stored name and parameters are sent as they are."""
    message = _queue()
    assert message.template_name == "plut_check_in_v1"
    new = dataclasses.replace(TEMPLATES["check_in"], version=2)
    monkeypatch.setitem(TEMPLATES, "check_in", new)
    message = _deliver(message)
    assert message.status == MessageStatus.SENT
    (request,) = phone_channels.requests
    assert request["json"]["template"]["name"] == "plut_check_in_v1"


def test_a_parameter_count_meta_did_not_approve_fails_for_good(phone_channels):
    """The fake checks the count against the approved template, as Meta does (132000)."""
    message = _queue()
    Message.objects.filter(pk=message.pk).update(template_parameters=["3"])
    message = _deliver(message)
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error.startswith("WhatsApp 132000: Jumlah parameter")


def test_a_language_meta_did_not_approve_fails_for_good(phone_channels):
    phone_channels.shapes["plut_check_in_v1"] = (2, frozenset({"id"}))
    message = _deliver(_queue(language="en"))
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert message.last_error.startswith("WhatsApp 132001")


def test_without_a_sender_whatsapp_fails_for_good(settings):
    message = _deliver(_queue())
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "belum dikonfigurasi" in message.last_error


def test_an_opted_out_number_gets_no_whatsapp_and_hears_by_email_instead(
    phone_channels, sms_channel
):
    OptOut.objects.create(phone=PHONE, channel="whatsapp", source="whatsapp")
    message = _deliver(_queue(fallback_email="pemilik@contoh.id"))
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "berhenti" in message.last_error
    assert phone_channels.requests == []
    # SMS is configured, and the owner who wrote BERHENTI is not sent one instead.
    fallback = Message.objects.get(key="wa:1:fallback")
    assert (fallback.channel, fallback.recipient) == ("email", "pemilik@contoh.id")
    assert URL in fallback.body


def test_a_permanent_failure_falls_back_once(phone_channels, sms_channel):
    phone_channels.script = [WA_TEMPLATE_MISSING, WA_TEMPLATE_MISSING]
    message = _deliver(_queue(fallback_email="pemilik@contoh.id"))
    # A second failure report of the same message (a retry, the sweep) adds nothing.
    from plut.foundation.messaging.receipts import message_fallback_queue

    message_fallback_queue(message)
    (fallback,) = Message.objects.filter(key__endswith=":fallback")
    # SMS is configured, so the phone is used before the email.
    assert (fallback.channel, fallback.recipient, fallback.kind) == ("sms", PHONE, "check-in-3m")
    message_deliver(message_id=fallback.pk)
    (sms,) = sms_channel.requests
    assert sms["form"]["To"] == PHONE and URL in sms["form"]["Body"]


def test_the_fallback_email_is_sent_by_email(phone_channels):
    phone_channels.script = [WA_TOKEN_EXPIRED]
    _deliver(_queue(fallback_email="pemilik@contoh.id"))
    fallback = Message.objects.get(key="wa:1:fallback")
    message_deliver(message_id=fallback.pk)
    assert mail.outbox[0].to == ["pemilik@contoh.id"]


def test_a_temporary_failure_does_not_fall_back(phone_channels):
    phone_channels.script = [WA_RATE_LIMIT]
    _deliver(_queue(fallback_email="pemilik@contoh.id"))
    assert not Message.objects.filter(key__endswith=":fallback").exists()


def test_a_message_whose_retries_run_out_falls_back_once(phone_channels, published, settings):
    settings.MESSAGING_MAX_ATTEMPTS = 2
    phone_channels.script = [WA_SERVER_ERROR, WA_SERVER_ERROR]
    message = _queue(fallback_email="pemilik@contoh.id")
    start = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert _deliver(message).status == MessageStatus.FAILED_TEMPORARY
    assert not Message.objects.filter(key__endswith=":fallback").exists()
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert messages_sweep() == 1
        assert _deliver(message).status == MessageStatus.FAILED_PERMANENT
        message_deliver(message_id=message.pk)  # the task delivered again: nothing more
        messages_sweep()
    (fallback,) = Message.objects.filter(key__endswith=":fallback")
    assert (fallback.key, fallback.channel) == ("wa:1:fallback", "email")


def test_a_message_whose_send_died_every_time_falls_back_once_when_the_sweep_ends_it(
    phone_channels, published, settings
):
    settings.MESSAGING_MAX_ATTEMPTS = 2
    message = _queue(fallback_email="pemilik@contoh.id")
    moment = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)
    for _attempt in range(2):
        with time_machine.travel(moment, tick=False):
            assert _claim(message.pk, moment) is not None  # ... and the worker dies here
        moment += datetime.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS + 1)
    with time_machine.travel(moment, tick=False):
        messages_sweep()
        messages_sweep()  # beat's next run: the row is ended already
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED_PERMANENT
    (fallback,) = Message.objects.filter(key__endswith=":fallback")
    assert (fallback.key, fallback.channel) == ("wa:1:fallback", "email")
    assert phone_channels.requests == []


# --- A centre's own number ---------------------------------------------------------------


def _token_ref(centre) -> str:
    return f"env:MESSAGING_WHATSAPP_CENTRE_{centre.pk}_TOKEN"


@pytest.fixture
def centre_sender(world, phone_channels, monkeypatch):
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{world.a.centre.pk}_TOKEN", "centre-token")
    phone_channels.tokens["200000000000001"] = "centre-token"
    return WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id="200000000000001",
        access_token_ref=_token_ref(world.a.centre),
    )


def test_a_centre_with_its_own_number_sends_from_it_with_its_own_token(
    world, phone_channels, centre_sender
):
    _deliver(_queue(centre=world.a.centre, key="wa:a"))
    _deliver(_queue(centre=world.b.centre, key="wa:b"))
    own, national = phone_channels.requests
    assert own["path"] == "/v23.0/200000000000001/messages"
    assert own["headers"]["authorization"] == "Bearer centre-token"
    assert national["path"] == "/v23.0/106540352242922/messages"
    assert national["headers"]["authorization"] == "Bearer wa-token"


def test_a_centre_token_can_come_from_a_file(world, phone_channels, settings, tmp_path):
    settings.MESSAGING_SECRETS_DIR = str(tmp_path)
    (tmp_path / str(world.a.centre.pk)).mkdir()
    (tmp_path / str(world.a.centre.pk) / "token").write_text("file-token\n")
    phone_channels.tokens["200000000000002"] = "file-token"
    sender = WhatsAppSender(
        centre_id=world.a.centre.pk,
        phone_number_id="200000000000002",
        access_token_ref=f"file:{tmp_path / str(world.a.centre.pk) / 'token'}",
    )
    sender.full_clean()
    sender.save()
    message = _deliver(_queue(centre=world.a.centre))
    assert message.status == MessageStatus.SENT
    assert phone_channels.requests[0]["headers"]["authorization"] == "Bearer file-token"


def test_a_missing_centre_secret_fails_for_good_naming_where_it_was_looked_for(
    world, phone_channels, centre_sender, monkeypatch
):
    monkeypatch.delenv(f"MESSAGING_WHATSAPP_CENTRE_{world.a.centre.pk}_TOKEN")
    message = _deliver(_queue(centre=world.a.centre))
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert _token_ref(world.a.centre) in message.last_error
    assert phone_channels.requests == []


@pytest.mark.parametrize(
    "reference",
    [
        "EAAGm0PX4ZCpsBA...",  # a token pasted in clear
        "env:SECRET_KEY",  # the portal's own secrets are not WhatsApp's
        "env:DATABASE_URL",
        # The national sender's settings: a manager who knows one (the verify token is handed
        # to centres with their own app) could sign receipts and opt-outs for every centre.
        "env:MESSAGING_WHATSAPP_TOKEN",
        "env:MESSAGING_WHATSAPP_APP_SECRET",
        "env:MESSAGING_WHATSAPP_VERIFY_TOKEN",
        "env:MESSAGING_WHATSAPP_PHONE_NUMBER_ID",
        "env:MESSAGING_WHATSAPP_TOKEN_LAMPUNG",  # not tied to a centre
        "env:MESSAGING_WHATSAPP_CENTRE_{other}_TOKEN",  # another centre's
        "file:/etc/passwd",  # outside MESSAGING_SECRETS_DIR
        "file:{dir}/../secret_key",  # the portal's own secret, beside the centres' directory
        "file:{dir}/secret_key",  # in the directory but not in a centre's
        "file:{dir}/{other}/token",  # another centre's file
        "file:{dir}/{own}/../{other}/token",
    ],
)
def test_a_secret_reference_names_only_the_centres_own_secret(world, settings, tmp_path, reference):
    settings.MESSAGING_SECRETS_DIR = str(tmp_path / "whatsapp")
    reference = reference.format(
        dir=tmp_path / "whatsapp", own=world.a.centre.pk, other=world.b.centre.pk
    )
    sender = WhatsAppSender(
        centre_id=world.a.centre.pk, phone_number_id="200000000000001", access_token_ref=reference
    )
    with pytest.raises(ValidationError):
        sender.full_clean()


@pytest.mark.parametrize(
    "reference", ["env:MESSAGING_WHATSAPP_CENTRE_{own}_TOKEN", "file:{dir}/{own}/token"]
)
def test_the_centres_own_references_are_accepted(world, settings, tmp_path, reference):
    settings.MESSAGING_SECRETS_DIR = str(tmp_path)
    reference = reference.format(dir=tmp_path, own=world.a.centre.pk)
    sender = WhatsAppSender(
        centre_id=world.a.centre.pk, phone_number_id="200000000000001", access_token_ref=reference
    )
    sender.full_clean()


def test_a_reference_saved_under_the_old_rules_names_nothing_when_read(
    world, phone_channels, monkeypatch
):
    """A row saved before the rule pointed at the national token: it is not read."""
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id="200000000000001",
        access_token_ref="env:MESSAGING_WHATSAPP_TOKEN",
    )
    monkeypatch.setenv("MESSAGING_WHATSAPP_TOKEN", "wa-token")
    message = _deliver(_queue(centre=world.a.centre))
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "tidak ditemukan" in message.last_error
    assert phone_channels.requests == []


def test_a_token_reference_of_another_centre_is_not_read(world, phone_channels, monkeypatch):
    """A row naming another centre's token (saved before the rule, or in the database by
    hand): the send fails for good, the other centre's token never leaves the server."""
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{world.b.centre.pk}_TOKEN", "b-token")
    phone_channels.tokens["200000000000001"] = "b-token"
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id="200000000000001",
        access_token_ref=_token_ref(world.b.centre),
    )
    message = _deliver(_queue(centre=world.a.centre))
    assert message.status == MessageStatus.FAILED_PERMANENT
    assert "tidak ditemukan" in message.last_error
    assert phone_channels.requests == []


def test_a_phone_number_id_belongs_to_one_centre(world, centre_sender):
    """Another centre's manager cannot send from a number that is not theirs."""
    other = WhatsAppSender(
        centre_id=world.b.centre.pk,
        phone_number_id=centre_sender.phone_number_id,
        access_token_ref=_token_ref(world.b.centre),
    )
    with pytest.raises(ValidationError) as raised:
        other.full_clean()
    assert "phone_number_id" in raised.value.message_dict


# --- The templates, for Meta ---------------------------------------------------------------


def test_every_message_the_portal_starts_has_a_template_in_both_languages():
    assert set(TEMPLATES) == {
        "booking_received",
        "booking_confirmed",
        "booking_rescheduled",
        "booking_cancelled",
        "booking_declined",
        "reminder_24h",
        "reminder_2h",
        "survey",
        "check_in",
    }
    for template in TEMPLATES.values():
        for language in LANGUAGES:
            text = template.text[language]
            numbers = [f"{{{{{n}}}}}" for n in range(1, len(template.parameters) + 1)]
            assert all(number in text for number in numbers), (template.name, language)
            assert f"{{{{{len(numbers) + 1}}}}}" not in text
            # Meta refuses a body that starts or ends with a parameter.
            assert not text.startswith("{{") and not text.endswith("}}")


def test_the_command_prints_the_templates_for_submission(capsys):
    call_command("whatsapp_templates")
    out = capsys.readouterr().out
    assert "plut_reminder_24h_v2  (UTILITY)" in out
    assert "[en] Hello, a reminder" in out
    call_command("whatsapp_templates", "--json")
    bodies = json.loads(capsys.readouterr().out)
    assert len(bodies) == len(TEMPLATES) * 2
    survey_id = next(b for b in bodies if b["name"] == "plut_survey_v1" and b["language"] == "id")
    (body,) = survey_id["components"]
    assert body["type"] == "BODY" and len(body["example"]["body_text"][0]) == 2


def test_the_docs_name_each_template_as_meta_knows_it():
    """A centre submits the names docs/background-jobs.md lists: they follow the code's
    versions."""
    from django.conf import settings

    docs = (settings.BASE_DIR / "docs" / "background-jobs.md").read_text()
    table = {line.split("`")[1] for line in docs.splitlines() if line.startswith("| `plut_")}
    assert table == {template.name for template in TEMPLATES.values()}
