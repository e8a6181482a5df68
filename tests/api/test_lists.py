"""Lists: filters, ordering, cursor pagination, the error body for bad input, masking of
personal data, and query counts that do not grow with the rows."""

from __future__ import annotations

import base64
import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cooperatives.masking import nik_mask
from cooperatives.models import Enterprise, NikView, Person
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from plut.foundation.accounts.models import User
from plut.foundation.core.phone import phone_mask
from plut.top.api.services import token_create
from tests.conftest import World
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import (
    BookingFactory,
    FollowUpFactory,
    OutcomeFactory,
    SessionFactory,
)

NIK = "1871014507850001"
PHONE = "+6281234567890"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# --- Bad input: 4xx with a message, never 500 -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/enterprises/?cursor=garbage", "cursor"),
        ("/api/v1/enterprises/?cursor=" + base64.b64encode(b"p=abc&o=1").decode(), "cursor"),
        (
            "/api/v1/enterprises/?ordering=updated_at&cursor="
            + base64.b64encode(b"p=not-a-date").decode(),
            "cursor",
        ),
        ("/api/v1/sessions/?starts_after=kemarin", "starts_after"),
        ("/api/v1/enterprises/?updated_since=2026-13-45", "updated_since"),
        # Past the last moment a database can hold, once in UTC.
        ("/api/v1/enterprises/?updated_since=9999-12-31T23:00:00-10:00", "updated_since"),
        ("/api/v1/follow-ups/?due_after=31/31/2026", "due_after"),
        ("/api/v1/bookings/?status=unknown", "status"),
        ("/api/v1/enterprises/?centre=abc", "centre"),
        ("/api/v1/cooperatives/?status=maybe", "status"),
        ("/api/v1/open/?by=planet", "by"),
        ("/api/v1/open/?months=0", "months"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(as_user, url: str, field: str) -> None:
    error = _error(as_user("national").get(url), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert error["fields"][field][0]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/enterprises/abc/",
        "/api/v1/enterprises/99999999/",
        "/api/v1/bookings/-1/confirm/",
        "/api/v1/no-such-thing/",
    ],
)
def test_bad_ids_are_404_with_the_error_body(as_user, url: str) -> None:
    method = "post" if url.endswith("confirm/") else "get"
    error = _error(getattr(as_user("manager_a"), method)(url), 404)
    assert error["message"] == "Data tidak ditemukan."


def test_offsets_the_database_would_refuse_are_converted_to_utc(as_user) -> None:
    """PostgreSQL refuses a -22:39 offset that Python accepts (found by schemathesis)."""
    response = as_user("national").get(
        "/api/v1/enterprises/?" + urlencode({"updated_since": "2026-01-01T00:00:00-22:39"})
    )
    assert response.status_code == 200


def test_messages_are_indonesian_by_default(as_user) -> None:
    error = _error(as_user("national").get("/api/v1/sessions/?starts_after=x"), 400)
    assert "Masukkan" in error["fields"]["starts_after"][0]  # Django's Indonesian catalogue


def test_messages_follow_the_users_language(as_user, world: World) -> None:
    world.national.language = "en"
    world.national.save()
    _token, secret = token_create(owner=world.national, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    error = _error(client.get("/api/v1/sessions/?starts_after=x"), 400)
    assert "Enter a valid" in error["fields"]["starts_after"][0]


# --- Filters, ordering, pagination -----------------------------------------------------------


def test_filters_narrow_within_the_scope(as_user, world: World) -> None:
    national = as_user("national")

    def ids(url: str) -> set[int]:
        return {row["id"] for row in national.get(url).json()["results"]}

    province_a = world.a.centre.province_id
    assert ids(f"/api/v1/enterprises/?province={province_a}") == {world.a.enterprise.pk}
    assert ids(f"/api/v1/sessions/?centre={world.b.centre.pk}") == {world.b.session.pk}
    regency = world.a.enterprise.regency_id
    assert world.a.enterprise.pk in ids(f"/api/v1/enterprises/?regency={regency}")
    assert ids("/api/v1/sessions/?area=financing") == {world.a.session.pk, world.b.session.pk}
    assert ids("/api/v1/sessions/?area=marketing") == set()
    assert ids("/api/v1/bookings/?status=requested") == {world.a.booking.pk, world.b.booking.pk}
    assert ids("/api/v1/bookings/?status=confirmed") == set()
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert ids("/api/v1/enterprises/?" + urlencode({"updated_since": future})) == set()
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert len(ids("/api/v1/enterprises/?" + urlencode({"updated_since": past}))) == 2
    assert ids("/api/v1/follow-ups/?status=open") == {world.a.follow_up.pk, world.b.follow_up.pk}
    assert ids("/api/v1/follow-ups/?status=done") == set()
    # A filter cannot reach outside the scope: side b's centre gives nothing to manager_a.
    manager = as_user("manager_a")
    assert manager.get(f"/api/v1/sessions/?centre={world.b.centre.pk}").json()["results"] == []


def test_cursor_pages_walk_every_row_once(as_user, world: World) -> None:
    EnterpriseFactory.create_batch(7, centre=world.a.centre)
    client = as_user("national")
    seen: list[int] = []
    url = "/api/v1/enterprises/?page_size=3&ordering=updated_at"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == Enterprise.objects.count() == 9


def test_ordering_by_id_descending_is_the_default(as_user, world: World) -> None:
    rows = as_user("national").get("/api/v1/sessions/").json()["results"]
    assert [row["id"] for row in rows] == sorted((row["id"] for row in rows), reverse=True)


# --- Personal data ---------------------------------------------------------------------------


@pytest.fixture
def identified(world: World) -> Person:
    person = world.a.person
    Person.objects.filter(pk=person.pk).update(nik=NIK, phone=PHONE, gender="P")
    return person


@pytest.mark.parametrize(
    ("user", "full"),
    [
        ("national", False),
        ("officer_a", False),
        ("manager_a", True),
        ("consultant_a", True),
        ("owner_a", True),
    ],
)
def test_nik_and_phone_are_masked_for_roles_that_do_not_need_them(
    as_user, identified: Person, world: World, user: str, full: bool
) -> None:
    client = as_user(user)
    person = client.get(f"/api/v1/persons/{identified.pk}/").json()
    owner = client.get(f"/api/v1/enterprises/{world.a.enterprise.pk}/").json()["owner"]
    expected = (NIK, PHONE) if full else (nik_mask(NIK), phone_mask(PHONE))
    assert (person["nik"], person["phone"]) == expected
    assert (owner["nik"], owner["phone"]) == expected
    # Each response that showed the full NIK is in the NIK view log, and only those.
    logged = NikView.objects.filter(person=identified, channel=NikView.Channel.API)
    assert logged.count() == (2 if full else 0)
    assert all(view.viewer == world.user(user) for view in logged)


def test_consultant_of_another_centre_sees_a_masked_nik(
    as_user, identified: Person, world: World
) -> None:
    """A client served by centre b whose person record still belongs to centre a (a board
    member of b's cooperative, say) is masked for b's staff."""
    world.b.cooperative.board_members.add(identified)
    Person.objects.filter(pk=identified.pk).update(centre=world.a.centre)
    cooperative = as_user("consultant_b").get(f"/api/v1/cooperatives/{world.b.cooperative.pk}/")
    assert cooperative.status_code == 200
    # Persons are scoped by their own centre: b's consultant does not list a's person.
    assert as_user("consultant_b").get(f"/api/v1/persons/{identified.pk}/").status_code == 404


# --- Query counts: the same with 1 and with 50 rows -------------------------------------------


def _grow(world: World, n: int) -> None:
    centre = world.a.centre
    for _ in range(n):
        enterprise = EnterpriseFactory(centre=centre)
        session = SessionFactory(consultant=world.a.consultant, enterprises=[enterprise])
        FollowUpFactory(session=session)
        OutcomeFactory(enterprise=enterprise).sessions.add(session)
        BookingFactory(enterprise=enterprise)
        CooperativeFactory(centre=centre)


LISTS = [
    "persons",
    "enterprises",
    "cooperatives",
    "sessions",
    "follow-ups",
    "outcomes",
    "bookings",
    "provinces",
    "regencies",
    "centres",
    "imports",
]


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_counts_do_not_grow_with_rows(as_user, world: World) -> None:
    client = as_user("national")
    few = {name: _count(client, f"/api/v1/{name}/") for name in LISTS}
    _grow(world, 49)
    assert MentoringSession.objects.count() >= 50
    assert Booking.objects.count() >= 50
    assert FollowUp.objects.count() >= 50 and Outcome.objects.count() >= 50
    many = {name: _count(client, f"/api/v1/{name}/") for name in LISTS}
    assert many == few
    # One query for the page, plus one per prefetched relation.
    assert few["enterprises"] == 1
    assert few["sessions"] == 3
    assert few["outcomes"] == 2


def test_scoped_list_query_count_for_a_centre_user(world: World, django_assert_num_queries) -> None:
    def fresh_client() -> APIClient:
        # A user loaded afresh, as each request gets one: its scope is not cached yet.
        client = APIClient()
        client.force_authenticate(User.objects.get(pk=world.a.manager.pk))
        return client

    for rows in (1, 11):
        # The scope's membership lookup, the page, the one insert logging the NIKs shown.
        client = fresh_client()
        with django_assert_num_queries(3):
            results = client.get("/api/v1/enterprises/").json()["results"]
        assert len(results) == rows
        _grow(world, 10)


def test_a_session_lists_its_clients_ids_in_their_names_order(as_user, world: World) -> None:
    session = world.a.session
    zebra = EnterpriseFactory(centre=world.a.centre, name="Zebra Tenun")
    alpha = EnterpriseFactory(centre=world.a.centre, name="Alpha Kopi")
    session.enterprises.add(zebra, alpha)
    cooperative = CooperativeFactory(centre=world.a.centre, name="Koperasi Aman")
    session.cooperatives.add(cooperative)
    expected = sorted([world.a.enterprise, zebra, alpha], key=lambda e: (e.name, e.pk))
    client = as_user("manager_a")
    listed = {row["id"]: row for row in client.get("/api/v1/sessions/").json()["results"]}
    detail = client.get(f"/api/v1/sessions/{session.pk}/").json()
    for row in (listed[session.pk], detail):
        assert row["enterprises"] == [e.pk for e in expected]
        assert row["cooperatives"] == [cooperative.pk]
    # Another side's session lists its own clients only.
    other = as_user("manager_b").get(f"/api/v1/sessions/{world.b.session.pk}/").json()
    assert other["enterprises"] == [world.b.enterprise.pk]
    assert other["cooperatives"] == []
