"""The manager's WhatsApp page: the centre's own number and where its secrets are (never the
secrets), a test send that shows WhatsApp's answer, and nobody else's centre."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from mentoring.models import Booking
from plut.foundation.core.phone import phone_mask
from plut.foundation.messaging.models import Message, OptOut, WhatsAppSender

pytestmark = pytest.mark.django_db

NUMBER_ID = "200000000000001"


def _ref(centre, name: str = "TOKEN") -> str:
    """The reference to a secret of ``centre``'s own (secrets.py)."""
    return f"env:MESSAGING_WHATSAPP_CENTRE_{centre.pk}_{name}"


def _url(centre) -> str:
    return reverse("clinics:centre_whatsapp", args=[centre.pk])


def _settings_form(centre, **extra) -> dict:
    return {
        "action": "save",
        "phone_number_id": NUMBER_ID,
        "display_number": "0811-0000-1111",
        "access_token_ref": _ref(centre),
        "app_secret_ref": "",
        "active": "on",
    } | extra


@pytest.fixture
def centre_token(monkeypatch, phone_channels, world):
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{world.a.centre.pk}_TOKEN", "centre-token-value")
    phone_channels.tokens[NUMBER_ID] = "centre-token-value"
    return phone_channels


@pytest.mark.parametrize(
    ("user_name", "status"),
    [
        ("anonymous", 302),
        ("owner_a", 403),
        ("consultant_a", 403),
        ("manager_a", 200),
        ("manager_b", 404),  # another centre's manager: not found, not "forbidden"
        ("officer_a", 200),
        ("officer_b", 404),
        ("national", 200),
    ],
)
def test_who_may_open_a_centres_whatsapp_page(client, world, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    assert client.get(_url(world.a.centre)).status_code == status


def test_the_manager_sets_the_number_and_where_its_token_is(client, world, centre_token):
    client.force_login(world.a.manager)
    response = client.post(_url(world.a.centre), _settings_form(world.a.centre))
    assert response.status_code == 302
    sender = WhatsAppSender.objects.get(centre_id=world.a.centre.pk)
    assert (sender.phone_number_id, sender.display_number) == (NUMBER_ID, "+6281100001111")
    assert sender.access_token_ref == _ref(world.a.centre)
    page = client.get(_url(world.a.centre)).content.decode()
    assert "ditemukan" in page and "centre-token-value" not in page


def test_a_token_pasted_in_clear_is_refused_and_not_stored(client, world):
    client.force_login(world.a.manager)
    response = client.post(
        _url(world.a.centre), _settings_form(world.a.centre, access_token_ref="EAAGm0PX4ZCps")
    )
    assert response.status_code == 200
    assert "bukan rahasianya" in response.content.decode()
    assert not WhatsAppSender.objects.exists()


@pytest.mark.parametrize(
    "reference",
    [
        "env:MESSAGING_WHATSAPP_CENTRE_{other}_TOKEN",  # centre B's token
        "env:MESSAGING_WHATSAPP_CENTRE_{other}_APP_SECRET",
        "env:MESSAGING_WHATSAPP_APP_SECRET",  # the national app's
        "env:MESSAGING_WHATSAPP_TOKEN",
        "env:SECRET_KEY",
        "file:{dir}/{other}/token",
        "file:{dir}/../secret_key",
    ],
)
@pytest.mark.parametrize("field", ["access_token_ref", "app_secret_ref"])
def test_a_manager_cannot_name_a_secret_that_is_not_their_centres(
    client, world, settings, tmp_path, phone_channels, field, reference
):
    """Centre A's manager typing centre B's or the national secret's name gets a clear error,
    and nothing is saved."""
    settings.MESSAGING_SECRETS_DIR = str(tmp_path / "whatsapp")
    reference = reference.format(other=world.b.centre.pk, dir=tmp_path / "whatsapp")
    client.force_login(world.a.manager)
    response = client.post(
        _url(world.a.centre), _settings_form(world.a.centre, **{field: reference})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and all("PLUT" in error for error in errors), errors
    assert not WhatsAppSender.objects.exists()


def test_another_centres_reference_is_refused_naming_the_centres_own_id(
    client, world, phone_channels
):
    client.force_login(world.a.manager)
    form = _settings_form(world.a.centre, access_token_ref=_ref(world.b.centre))
    page = client.post(_url(world.a.centre), form).content.decode()
    assert (
        f"Rahasia ini milik PLUT lain: pakai nama dengan id PLUT ini ({world.a.centre.pk})." in page
    )
    assert not WhatsAppSender.objects.exists()


def test_a_phone_number_id_of_another_centre_is_refused(client, world, phone_channels):
    WhatsAppSender.objects.create(
        centre_id=world.b.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.b.centre),
    )
    client.force_login(world.a.manager)
    response = client.post(_url(world.a.centre), _settings_form(world.a.centre))
    assert response.status_code == 200
    assert "phone_number_id" in response.context["form"].errors
    assert not WhatsAppSender.objects.filter(centre_id=world.a.centre.pk).exists()


def test_without_a_national_app_a_centres_app_secret_is_required(client, world, settings):
    settings.MESSAGING_WHATSAPP_APP_SECRET = ""
    client.force_login(world.a.manager)
    response = client.post(_url(world.a.centre), _settings_form(world.a.centre))
    assert "app_secret_ref" in response.context["form"].errors
    assert not WhatsAppSender.objects.exists()


def test_the_page_says_only_whether_the_saved_references_are_found(
    client, world, centre_token, monkeypatch
):
    """What was just posted (and refused) is never looked up: the page cannot be used to ask
    whether another variable exists."""
    monkeypatch.setenv(f"MESSAGING_WHATSAPP_CENTRE_{world.b.centre.pk}_TOKEN", "b-token")
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre, "MISSING"),
    )
    client.force_login(world.a.manager)
    form = _settings_form(world.a.centre, access_token_ref=_ref(world.b.centre))
    response = client.post(_url(world.a.centre), form)
    assert response.context["found"] == {"access_token_ref": False, "app_secret_ref": False}


def test_the_test_send_is_limited_per_centre(client, world, centre_token, settings):
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre),
    )
    client.force_login(world.a.manager)
    for _ in range(5):
        client.post(_url(world.a.centre), {"action": "test", "phone": "081234567890"})
    page = client.post(_url(world.a.centre), {"action": "test", "phone": "081234567890"})
    assert "Terlalu banyak pesan uji" in page.content.decode()
    assert len(centre_token.requests) == 5


def test_another_centres_manager_cannot_change_or_test_it(client, world, centre_token):
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre),
    )
    client.force_login(world.b.manager)
    changed = client.post(
        _url(world.a.centre), _settings_form(world.a.centre, phone_number_id="999999")
    )
    tested = client.post(_url(world.a.centre), {"action": "test", "phone": "081234567890"})
    assert (changed.status_code, tested.status_code) == (404, 404)
    assert WhatsAppSender.objects.get().phone_number_id == NUMBER_ID
    assert centre_token.requests == []


def test_the_test_send_shows_whatsapps_answer(client, world, centre_token):
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre),
    )
    client.force_login(world.a.manager)
    response = client.post(_url(world.a.centre), {"action": "test", "phone": "0812-3456-7890"})
    page = response.content.decode()
    assert "Berhasil." in page and "Diterima WhatsApp: wamid.FAKE000001" in page
    (request,) = centre_token.requests
    assert request["path"] == f"/v23.0/{NUMBER_ID}/messages"
    assert request["headers"]["authorization"] == "Bearer centre-token-value"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
        "biz_opaque_callback_data": f"test:{WhatsAppSender.objects.get().pk}",
    }
    sender = WhatsAppSender.objects.get()
    assert sender.last_test_at is not None
    assert "6281234567890" not in sender.last_test_result
    assert not Message.objects.exists()  # a test, not an outbox message


def test_a_failed_test_send_shows_the_providers_refusal(client, world, centre_token):
    centre_token.tokens[NUMBER_ID] = "a-newer-token"  # ours has expired
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre),
    )
    client.force_login(world.a.manager)
    page = client.post(
        _url(world.a.centre), {"action": "test", "phone": "081234567890"}
    ).content.decode()
    assert "Gagal." in page and "WhatsApp 190" in page


def test_a_missing_secret_shows_as_not_found(client, world, phone_channels):
    WhatsAppSender.objects.create(
        centre_id=world.a.centre.pk,
        phone_number_id=NUMBER_ID,
        access_token_ref=_ref(world.a.centre),
    )
    client.force_login(world.a.manager)
    page = client.get(_url(world.a.centre)).content.decode()
    assert "tidak ditemukan" in page


def test_the_owners_profile_shows_where_and_when_the_owner_stopped(client, world):
    person = world.a.enterprise.owner
    masked = phone_mask(person.phone)
    url = reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])
    client.force_login(world.a.consultant)
    assert "tidak dikirimi WhatsApp atau SMS" not in client.get(url).content.decode()
    stopped = datetime.datetime(2026, 11, 3, 2, 0, tzinfo=datetime.UTC)
    OptOut.objects.create(
        phone=person.phone, channel="whatsapp", source="whatsapp", changed_at=stopped
    )
    page = client.get(url).content.decode()
    said = f"{masked} tidak dikirimi WhatsApp atau SMS lagi: membalas STOP/BERHENTI lewat"
    assert f"{said} WhatsApp pada 3 Nov 2026" in page
    assert person.phone not in page
    OptOut.objects.create(phone=person.phone, channel="sms", source="provider")
    OptOut.objects.filter(channel="whatsapp").update(active=False)  # lifted by MULAI
    page = client.get(url).content.decode()
    assert f"{said} SMS pada" in page
    assert f"{said} WhatsApp" not in page


def test_a_stop_of_the_phone_a_booking_was_made_with_shows_on_the_profile(client, world):
    """The booking's notices went to the number typed with it, not always the owner's."""
    other = "+6285712345678"
    Booking.objects.filter(pk=world.a.booking.pk).update(contact_phone=other)
    OptOut.objects.create(phone=other, channel="sms", source="sms")
    OptOut.objects.create(phone="+6285700000001", channel="sms", source="sms")  # someone else
    client.force_login(world.a.consultant)
    page = client.get(
        reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])
    ).content.decode()
    assert page.count("tidak dikirimi WhatsApp atau SMS lagi") == 1
    assert f"{phone_mask(other)} tidak dikirimi WhatsApp atau SMS lagi" in page
