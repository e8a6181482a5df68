"""A database that cannot be reached answers the portal's own 503 with Retry-After, in the
user's language, and says nothing was stored; any other failure is the portal's own 500.

The outage is made by refusing every new cursor (as during a PostgreSQL restart), inside the
test so the test's own transaction can still be rolled back afterwards.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from mentoring.models import Booking

pytestmark = pytest.mark.django_db

DOWN = mock.patch(
    "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
    side_effect=OperationalError("server closed the connection unexpectedly"),
)


def _client() -> Client:
    # As a browser sees it: the error page, not the exception re-raised into the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("user_name", "url"),
    [
        ("anonymous", "/"),
        ("anonymous", "/pusat/{a}/"),
        ("consultant_a", "/staff/"),
        ("national", "/dashboard/national/"),
    ],
)
def test_a_database_outage_is_a_503_with_retry_after_in_indonesian(world, user_name, url):
    client = _client()
    if world.user(user_name):
        client.force_login(world.user(user_name))
    with DOWN:
        response = client.get(url.format(a=world.a.centre.pk))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Portal sedang tidak tersedia" in body
    assert "Permintaan Anda tidak tersimpan" in body
    assert "Server Error" not in body


def test_the_outage_page_speaks_the_users_language(world):
    client = _client()
    client.cookies["django_language"] = "en"
    with DOWN:
        response = client.get("/")
    assert response.status_code == 503
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "Your request was not saved" in body


def test_a_booking_post_during_the_outage_says_it_was_not_stored(world):
    client = _client()
    before = Booking.objects.count()
    with DOWN:
        response = client.post(f"/pesan/{world.a.centre.pk}/data/", {"name": "Kopi"})
    assert response.status_code == 503
    assert "tidak tersimpan" in response.content.decode()
    assert Booking.objects.count() == before


def test_the_api_answers_a_json_503(world):
    client = _client()
    client.force_login(world.national)
    with DOWN:
        response = client.get("/api/v1/sessions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "tidak tersimpan" in response.json()["detail"]


def test_any_other_failure_is_the_portals_own_500(world, monkeypatch):
    client = _client()
    monkeypatch.setattr(
        "plut.top.portal.views.centre_cards", mock.Mock(side_effect=RuntimeError("bug"))
    )
    response = client.get("/")
    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.content.decode()
    assert "Retry-After" not in response
