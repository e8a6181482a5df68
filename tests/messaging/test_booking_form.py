"""The booking form asks how the owner wants reminders (when WhatsApp or SMS is configured)
and the booking keeps that choice and the language it was made in."""

from __future__ import annotations

import pytest

from mentoring.models import Booking
from plut.foundation.messaging.selectors import messages_about
from tests.mentoring.test_booking_public import FORM, _details_url, _wita, desk, frozen  # noqa: F401

pytestmark = pytest.mark.django_db


def test_without_a_phone_provider_the_form_does_not_ask(client, desk):  # noqa: F811
    response = client.get(_details_url(desk, _wita(30, 10)))
    assert "preferred_channel" not in response.content.decode()


def test_the_owner_chooses_whatsapp_and_is_told_by_whatsapp(
    client,
    desk,  # noqa: F811
    phone_channels,
    django_capture_on_commit_callbacks,
):
    page = client.get(_details_url(desk, _wita(30, 10))).content.decode()
    assert 'name="preferred_channel"' in page and "WhatsApp" in page
    with django_capture_on_commit_callbacks():
        response = client.post(
            _details_url(desk, _wita(30, 10)), FORM | {"preferred_channel": "whatsapp"}
        )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.preferred_channel, booking.language) == ("whatsapp", "id")
    notice = messages_about(booking).get()
    assert (notice.channel, notice.recipient) == ("whatsapp", "+6281244445555")
    assert notice.attachments == []  # the calendar invite is for email only


def test_whatsapp_without_a_phone_is_refused(client, desk, phone_channels):  # noqa: F811
    response = client.post(
        _details_url(desk, _wita(30, 10)),
        FORM | {"preferred_channel": "whatsapp", "phone": ""},
    )
    assert response.status_code == 200
    assert not Booking.objects.exists()


def test_a_booking_made_in_english_keeps_english(client, desk, django_capture_on_commit_callbacks):  # noqa: F811
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks():
        client.post(_details_url(desk, _wita(30, 10)), FORM)
    booking = Booking.objects.get()
    assert booking.language == "en"
    assert messages_about(booking).get().language == "en"
