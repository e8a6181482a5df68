"""Who may open and post the pages that correct mistakes: edit or delete an outcome, delete a
session, a booking or a follow-up (mentoring.views.corrections)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from tests.factories import calendar
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import FollowUpFactory, OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db

PAGES = ["session_delete", "booking_delete", "follow_up_delete", "outcome_update", "outcome_delete"]
MODELS = {
    "session_delete": MentoringSession,
    "booking_delete": Booking,
    "follow_up_delete": FollowUp,
    "outcome_update": Outcome,
    "outcome_delete": Outcome,
}
REASON = {"reason": "Dicatat dua kali."}


def _record(world, page: str):
    return {
        "session_delete": world.a.session,
        "booking_delete": world.a.booking,
        "follow_up_delete": world.a.follow_up,
        "outcome_update": world.a.outcome,
        "outcome_delete": world.a.outcome,
    }[page]


def _url(world, page: str) -> str:
    return reverse(f"mentoring:{page}", args=[_record(world, page).pk])


def _data(world, page: str) -> dict:
    if page == "outcome_update":
        return {
            "recorded_on": calendar.local_today(world.a.centre).isoformat(),
            "turnover": "700.000.000",
            "employees": "5",
        }
    return REASON


# (user, method, page, status). Centre staff pages: other roles are refused the kind of page
# (403), outsiders do not find the record (404). Side a's session, follow-up and booking are
# the consultant's, just recorded; its outcome was recorded by nobody on staff (the factory),
# and a booking is only ever deleted by the manager.
TABLE = [
    *[("anonymous", method, page, 302) for method in ("get", "post") for page in PAGES],
    *[
        (user, method, page, 403)
        for user in ("owner_a", "national", "officer_a", "officer_b")
        for method in ("get", "post")
        for page in PAGES
    ],
    *[
        (user, method, page, 404)
        for user in ("manager_b", "consultant_b")
        for method in ("get", "post")
        for page in PAGES
    ],
    *[("manager_a", "get", page, 200) for page in PAGES],
    *[("manager_a", "post", page, 302) for page in PAGES],
    *[
        ("consultant_a", method, page, status)
        for page in ("session_delete", "follow_up_delete")
        for method, status in (("get", 200), ("post", 302))
    ],
    *[
        ("consultant_a", method, page, 403)
        for page in ("booking_delete", "outcome_update", "outcome_delete")
        for method in ("get", "post")
    ],
    *[("manager_a", "put", page, 405) for page in PAGES],
]


@pytest.mark.parametrize(("user_name", "method", "page", "status"), TABLE)
def test_permissions(client, world, user_name, method, page, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    record = _record(world, page)
    url = _url(world, page)
    if method == "post":
        response = client.post(url, _data(world, page))
    else:
        response = getattr(client, method)(url)
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))
    still_there = MODELS[page].objects.filter(pk=record.pk).exists()
    deleted = method == "post" and status == 302 and user is not None and "delete" in page
    assert still_there is not deleted


# --- The rules behind the table ---------------------------------------------------------------


@pytest.mark.parametrize("page", ["session_delete", "follow_up_delete"])
def test_a_consultant_corrects_their_own_only_within_the_window(client, world, page):
    client.force_login(world.a.consultant)
    url = _url(world, page)
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        client.force_login(world.a.consultant)
        assert client.get(url).status_code == 403
        assert client.post(url, REASON).status_code == 403
        client.force_login(world.a.manager)
        assert client.get(url).status_code == 200
    assert MODELS[page].objects.filter(pk=_record(world, page).pk).exists()


def test_a_consultant_may_not_delete_a_colleagues_session_or_follow_up(client, world):
    colleague = StaffFactory(centre=world.a.centre).user
    session = SessionFactory(consultant=colleague, enterprises=[world.a.enterprise])
    follow_up = FollowUpFactory(session=session)
    client.force_login(world.a.consultant)
    for url in (
        reverse("mentoring:session_delete", args=[session.pk]),
        reverse("mentoring:follow_up_delete", args=[follow_up.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, REASON).status_code == 403
    assert MentoringSession.objects.filter(pk=session.pk).exists()


def test_a_consultant_corrects_an_outcome_they_recorded(client, world):
    outcome = OutcomeFactory(enterprise=world.a.enterprise, reported_by=world.a.consultant)
    client.force_login(world.a.consultant)
    assert client.get(reverse("mentoring:outcome_update", args=[outcome.pk])).status_code == 200
    url = reverse("mentoring:outcome_delete", args=[outcome.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, REASON).status_code == 302
    assert not Outcome.objects.filter(pk=outcome.pk).exists()


def test_the_pages_link_only_what_the_user_may_correct(client, world):
    session_url = reverse("mentoring:session_detail", args=[world.a.session.pk])
    booking_url = reverse("mentoring:booking_detail", args=[world.a.booking.pk])
    delete_session = reverse("mentoring:session_delete", args=[world.a.session.pk])
    delete_follow_up = reverse("mentoring:follow_up_delete", args=[world.a.follow_up.pk])
    delete_booking = reverse("mentoring:booking_delete", args=[world.a.booking.pk])
    client.force_login(world.a.officer)
    body = client.get(session_url).content.decode()
    assert delete_session not in body and delete_follow_up not in body
    assert delete_booking not in client.get(booking_url).content.decode()
    client.force_login(world.a.consultant)
    body = client.get(session_url).content.decode()
    assert delete_session in body and delete_follow_up in body
    assert delete_booking not in client.get(booking_url).content.decode()
    follow_ups = client.get(reverse("mentoring:follow_up_list")).content.decode()
    assert delete_follow_up in follow_ups
    client.force_login(world.a.manager)
    assert delete_booking in client.get(booking_url).content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_post_without_the_csrf_token_is_refused(world, page):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.manager)
    response = client.post(_url(world, page), _data(world, page))
    assert response.status_code == 403
    assert MODELS[page].objects.filter(pk=_record(world, page).pk).exists()


def test_the_timeline_filter_answers_as_the_pages_do(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    snippet = Template(
        "{% load corrections %}{% if outcome|outcome_correctable_by:user %}yes{% else %}no{% endif %}"
    )
    outcome = Outcome.objects.select_related("enterprise").get(pk=world.a.outcome.pk)
    expected = {"manager_a": "yes", "consultant_a": "no", "officer_a": "no", "manager_b": "no"}
    for name, answer in expected.items():
        user = world.user(name)
        getattr(user, "staff_membership", None)  # loaded once, as the scope does per request
        with django_assert_num_queries(0):
            assert snippet.render(Context({"outcome": outcome, "user": user})) == answer
    assert snippet.render(Context({"outcome": outcome, "user": AnonymousUser()})) == "no"
