"""The pages the service worker keeps for a visit without signal (/staff/offline/pages/)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from mentoring.views.offline import RECENT_SESSIONS
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

URL = "/staff/offline/pages/"


def _urls(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return [page["url"] for page in response.json()["pages"]]


def _profile(enterprise) -> str:
    return reverse("mentoring:enterprise_profile", args=[enterprise.pk])


def test_a_consultant_keeps_today_the_form_and_the_clients_of_their_last_sessions(client, world):
    consultant = world.a.consultant
    world.a.session.cooperatives.add(world.a.cooperative)
    urls = _urls(client, consultant)
    assert urls == [
        "/staff/",
        "/staff/sessions/new/",
        _profile(world.a.enterprise),
        reverse("mentoring:cooperative_profile", args=[world.a.cooperative.pk]),
    ]


def test_only_the_last_sessions_clients_are_kept(client, world):
    consultant = world.a.consultant
    start = world.a.session.starts_at
    old = EnterpriseFactory(centre=world.a.centre, name="Usaha Lama")
    SessionFactory(
        consultant=consultant, enterprises=[old], starts_at=start - datetime.timedelta(days=30)
    )
    recent = [EnterpriseFactory(centre=world.a.centre) for _ in range(RECENT_SESSIONS)]
    for hours, enterprise in enumerate(recent, start=1):
        SessionFactory(
            consultant=consultant,
            enterprises=[enterprise],
            starts_at=start + datetime.timedelta(hours=hours),
        )
    urls = _urls(client, consultant)
    assert {_profile(e) for e in recent} <= set(urls)
    assert _profile(old) not in urls
    assert _profile(world.a.enterprise) not in urls  # its session is now the 11th


def test_a_colleagues_and_another_centres_clients_are_not_kept(client, world):
    colleague_client = EnterpriseFactory(centre=world.a.centre)
    SessionFactory(consultant=world.a.manager, enterprises=[colleague_client])
    urls = _urls(client, world.a.consultant)
    assert _profile(colleague_client) not in urls
    assert _profile(world.b.enterprise) not in urls


def test_an_officer_keeps_only_today(client, world):
    assert _urls(client, world.a.officer) == ["/staff/"]
    assert _urls(client, world.national) == ["/staff/"]


@pytest.mark.parametrize("user, status", [("owner_a", 403), ("anonymous", 302)])
def test_owners_and_visitors_get_no_list(client, world, user, status):
    if user != "anonymous":
        client.force_login(world.user(user))
    assert client.get(URL).status_code == status


@pytest.mark.parametrize("rows", [1, 12])
def test_the_list_costs_the_same_queries_for_1_and_12_sessions(
    client, world, django_assert_num_queries, rows
):
    for _ in range(rows - 1):
        SessionFactory(
            consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
        )
    client.force_login(world.a.consultant)
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.json()["pages"]) == 2 + min(rows, RECENT_SESSIONS)
