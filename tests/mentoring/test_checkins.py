"""Outcome check-ins: 3 and 6 months after the first session the owner is asked what changed;
the answer is a self-reported outcome that the centre's staff can verify."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from mentoring.models import Outcome, OutcomeCheckIn, OutcomeSource
from mentoring.services.checkins import check_in_from_token, check_in_token, check_ins_queue
from plut.foundation.messaging.models import Message
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

FIRST = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(world):
    """Side A's enterprise, reachable by email, first served on 10 March 2026."""
    world.a.person.email = "pemilik@contoh.id"
    world.a.person.save()
    world.a.session.starts_at = FIRST
    world.a.session.ends_at = FIRST + datetime.timedelta(hours=1)
    world.a.session.save()
    # A later session does not move the first one.
    SessionFactory(
        consultant=world.a.consultant,
        enterprises=[world.a.enterprise],
        starts_at=FIRST + datetime.timedelta(days=40),
    )
    # Side B's enterprise was first served long ago: too old to ask at all.
    world.b.session.starts_at = FIRST - datetime.timedelta(days=400)
    world.b.session.ends_at = world.b.session.starts_at + datetime.timedelta(hours=1)
    world.b.session.save()
    world.b.person.email = "b@contoh.id"
    world.b.person.save()
    return world.a.enterprise


def test_check_ins_go_out_at_3_and_6_months_once_each(owner):
    with time_machine.travel(datetime.datetime(2026, 6, 10, 1, 0, tzinfo=datetime.UTC)):
        assert check_ins_queue() == 0
    with time_machine.travel(datetime.datetime(2026, 6, 10, 3, 0, tzinfo=datetime.UTC)):
        assert check_ins_queue() == 1
        assert check_ins_queue() == 0
    with time_machine.travel(datetime.datetime(2026, 9, 10, 3, 0, tzinfo=datetime.UTC)):
        assert check_ins_queue() == 1
        assert check_ins_queue() == 0
    assert sorted(Message.objects.values_list("key", flat=True)) == [
        f"check-in:{owner.pk}:3m",
        f"check-in:{owner.pk}:6m",
    ]
    assert sorted(OutcomeCheckIn.objects.values_list("months", flat=True)) == [3, 6]
    message = Message.objects.get(kind="check-in-3m")
    link = re.search(r"/kabar-usaha/(\S+)/", message.body)
    with time_machine.travel(datetime.datetime(2026, 6, 20, tzinfo=datetime.UTC)):
        assert check_in_from_token(link.group(1)).months == 3


def test_a_check_in_missed_while_the_portal_was_off_is_caught_up_once(owner):
    # Beat was off at the 3-month mark; at 4 months, only the 3-month check-in is due.
    with time_machine.travel(datetime.datetime(2026, 7, 10, tzinfo=datetime.UTC)):
        assert check_ins_queue() == 1
    assert OutcomeCheckIn.objects.get().months == 3


@pytest.fixture
def check_in(owner):
    return OutcomeCheckIn.objects.create(enterprise=owner, months=3)


def _url(check_in):
    return reverse("booking:check_in", args=[check_in_token(check_in)])


ANSWER = {
    "turnover": "750000000",
    "employees": "6",
    "financing_amount": "50000000",
    "financing_source": "kur",
    "obtained_pirt": "on",
}


def test_the_check_in_page_needs_no_login_and_one_query(
    client, check_in, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get(_url(check_in))
    assert response.status_code == 200
    assert check_in.enterprise.name in response.content.decode()


def test_an_answer_becomes_one_self_reported_outcome(client, check_in):
    before = Outcome.objects.count()
    response = client.post(_url(check_in), ANSWER)
    assert response.status_code == 200
    assert "Terima kasih" in response.content.decode()
    check_in.refresh_from_db()
    outcome = check_in.outcome
    assert outcome.source == OutcomeSource.SELF_REPORTED
    assert (outcome.turnover, outcome.employees, outcome.financing_amount) == (
        750_000_000,
        6,
        50_000_000,
    )
    assert outcome.obtained_pirt and not outcome.obtained_halal
    assert outcome.verified_at is None and outcome.reported_by is None
    # A second submit (another tab, a forwarded link) adds nothing.
    client.post(_url(check_in), ANSWER | {"employees": "60"})
    assert Outcome.objects.count() == before + 1


def test_financing_needs_its_source_and_an_empty_answer_is_refused(client, check_in):
    client.post(_url(check_in), {"financing_amount": "1000"})
    client.post(_url(check_in), {})
    check_in.refresh_from_db()
    assert check_in.answered_at is None


def test_a_forged_check_in_link_is_not_found(client, check_in):
    assert client.get(_url(check_in).replace(":", "x", 1)).status_code == 404


# --- Staff verify what owners reported -------------------------------------------------------


@pytest.fixture
def reported(client, check_in):
    client.post(_url(check_in), ANSWER)
    check_in.refresh_from_db()
    return check_in.outcome


@pytest.mark.parametrize(
    ("user_name", "status"),
    [
        ("anonymous", 302),
        ("owner_a", 403),
        ("consultant_b", 404),  # outside their centre: not even found
        ("manager_b", 404),
        ("officer_a", 403),  # sees the province, but the figures are the centre's to confirm
        ("consultant_a", 302),
        ("manager_a", 302),
        ("national", 302),
    ],
)
def test_who_may_verify_a_self_reported_outcome(client, world, reported, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.post(reverse("mentoring:outcome_verify", args=[reported.pk]))
    assert response.status_code == status
    reported.refresh_from_db()
    if user_name in ("consultant_a", "manager_a", "national"):
        assert reported.verified_by == user and reported.verified_at is not None
    else:
        assert reported.verified_at is None


def test_verification_is_a_post_and_only_for_self_reported_outcomes(client, world):
    client.force_login(world.a.consultant)
    staff_outcome = world.a.outcome
    url = reverse("mentoring:outcome_verify", args=[staff_outcome.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403


def test_the_profile_shows_the_verify_button_then_who_verified(client, world, reported):
    client.force_login(world.a.consultant)
    profile = reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])
    body = client.get(profile).content.decode()
    assert reverse("mentoring:outcome_verify", args=[reported.pk]) in body
    client.post(reverse("mentoring:outcome_verify", args=[reported.pk]))
    body = client.get(profile).content.decode()
    assert reverse("mentoring:outcome_verify", args=[reported.pk]) not in body
    assert "Diverifikasi oleh" in body
    # The officer sees the outcome but no button.
    client.force_login(world.a.officer)
    body = client.get(profile).content.decode()
    assert "Dilaporkan sendiri oleh pelaku usaha" in body
