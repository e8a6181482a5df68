"""What staff see of the outbox: managers their centre's messages, officers their province's,
national staff everything; permanent failures on the booking itself. Phones masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plut.foundation.messaging.models import Message, MessageStatus, about_key

pytestmark = pytest.mark.django_db

OUTBOX = reverse("messaging:outbox")


def _message(side, n=0, **extra) -> Message:
    values = {
        "key": f"test:{side.centre.pk}:{n}",
        "kind": "reminder-24h",
        "channel": "whatsapp",
        "recipient": "+6281234567890",
        "body": "Pengingat",
        "centre_id": side.centre.pk,
        "province_id": side.centre.province_id,
        "about": about_key(side.booking),
    }
    return Message.objects.create(**(values | extra))


@pytest.fixture
def outbox(world):
    return {"a": _message(world.a), "b": _message(world.b)}


@pytest.mark.parametrize(
    ("user_name", "status", "sees"),
    [
        ("anonymous", 302, set()),
        ("owner_a", 403, set()),
        ("consultant_a", 403, set()),
        ("manager_a", 200, {"a"}),
        ("manager_b", 200, {"b"}),
        ("officer_a", 200, {"a"}),
        ("national", 200, {"a", "b"}),
    ],
)
def test_the_outbox_shows_each_role_its_own_scope(client, world, outbox, user_name, status, sees):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(OUTBOX)
    assert response.status_code == status
    if status == 200:
        shown = {m.pk for m in response.context["page"].items}
        assert shown == {outbox[side].pk for side in sees}


def test_phones_are_masked_in_the_outbox(client, world, outbox):
    client.force_login(world.a.manager)
    body = client.get(OUTBOX).content.decode()
    assert "+62812****7890" in body
    assert "+6281234567890" not in body


def test_the_outbox_filters_by_status(client, world, outbox):
    failed = _message(
        world.a,
        1,
        status=MessageStatus.FAILED_PERMANENT,
        last_error_texts={"id": "HTTP 400", "en": "HTTP 400"},
    )
    client.force_login(world.a.manager)
    response = client.get(OUTBOX, {"status": "failed_permanent"})
    assert [m.pk for m in response.context["page"].items] == [failed.pk]
    assert "HTTP 400" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
@pytest.mark.parametrize(("user_name", "queries"), [("manager_a", 4), ("national", 3)])
def test_the_outbox_costs_the_same_with_1_or_31_messages(
    client, world, django_assert_num_queries, extra, user_name, queries
):
    for n in range(extra + 1):
        _message(world.a, n)
    client.force_login(world.user(user_name))
    # session, user, (the manager's membership), the page
    with django_assert_num_queries(queries):
        response = client.get(OUTBOX)
    assert response.status_code == 200


def test_a_permanent_failure_shows_on_the_booking(client, world):
    _message(
        world.a,
        status=MessageStatus.FAILED_PERMANENT,
        last_error_texts={"id": "HTTP 400", "en": "HTTP 400"},
        attempts=1,
    )
    _message(
        world.b,
        status=MessageStatus.FAILED_PERMANENT,
        last_error_texts={"id": "Lain", "en": "Lain"},
    )
    client.force_login(world.a.consultant)
    body = client.get(reverse("mentoring:booking_detail", args=[world.a.booking.pk])).content
    body = body.decode()
    assert "Gagal permanen" in body and "HTTP 400" in body
    assert "+62812****7890" in body and "Lain" not in body


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("en", "The recipient has stopped", "Penerima sudah"),
        ("id", "Penerima sudah", "The recipient"),
    ],
)
def test_a_failure_reason_is_shown_in_the_readers_language(
    client, world, phone_channels, language, shown, hidden
):
    """The worker that failed the message ran in no reader's language: the outbox shows its
    reason in the manager's."""
    from plut.foundation.messaging.models import OptOut
    from plut.foundation.messaging.services import message_deliver, message_queue

    OptOut.objects.create(phone="+6281234567890", channel="whatsapp", source="whatsapp")
    message = message_queue(
        key="wa:stopped",
        kind="check-in-3m",
        to="+6281234567890",
        channel="whatsapp",
        template="mentoring/email/check_in",
        context={"months": 3, "url": "https://x.id/"},
        whatsapp_template="check_in",
        centre=world.a.centre,
    )
    message_deliver(message_id=message.pk)
    world.a.manager.language = language  # the reader's remembered choice
    world.a.manager.save(update_fields=["language"])
    client.force_login(world.a.manager)
    page = client.get(OUTBOX).content.decode()
    assert shown in page and hidden not in page
