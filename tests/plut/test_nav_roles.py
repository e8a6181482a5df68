"""base.html offers each role exactly the pages it may open: every link in the header answers
200 for the user it is shown to, and every link of the navigation it is not shown answers
403. The rule is the page's own (accounts/nav.py reads role_required's); these tests hold
the navigation to it for every role, a superuser included."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from plut.foundation.accounts.models import User
from plut.foundation.accounts.nav import GROUPS, links_for

ROLES = ["national", "officer_a", "manager_a", "consultant_a", "owner_a", "superuser", "root"]


def _user(world, name: str) -> User:
    if name == "superuser":  # the national administrator, who also has the admin
        User.objects.filter(pk=world.national.pk).update(is_superuser=True, is_staff=True)
        return User.objects.get(pk=world.national.pk)
    if name == "root":  # createsuperuser's account: the default role, an owner
        return User.objects.create_superuser("root", "root@example.id", "rahasia-123")
    return world.user(name)


def _header_links(client, user: User) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("portal:home")).content.decode()
    header = page.split('<header class="topbar">')[1].split("</header>")[0]
    return set(re.findall(r'href="([^"]+)"', header))


def _status(client, url: str) -> int:
    return client.get(url, follow=True).status_code


@pytest.mark.parametrize("name", ROLES)
def test_every_link_a_role_is_shown_opens_and_every_other_is_refused(client, world, name):
    user = _user(world, name)
    shown = _header_links(client, user)
    every = {reverse(link.url_name) for group in GROUPS.values() for link in group}
    assert shown <= every, "a header link outside the navigation's definition"
    opened = {url: _status(client, url) for url in sorted(every)}
    assert {url for url, status in opened.items() if status == 200} == shown, opened
    assert {status for url, status in opened.items() if url not in shown} <= {403}


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("officer_a", False),
        ("national", False),
        ("superuser", False),  # no centre to log a session at
        ("manager_a", True),
        ("consultant_a", True),
    ],
)
def test_log_a_session_is_offered_only_to_who_can_log_one(client, world, name, offered):
    user = _user(world, name)
    create = reverse("mentoring:session_create")
    assert (create in _header_links(client, user)) is offered
    assert _status(client, create) == (200 if offered else 403)


def test_a_manager_sees_their_centres_profile_and_an_officer_the_centres(world):
    manager = {link.label for link in links_for(world.a.manager, "staff")}
    officer = {link.label for link in links_for(world.a.officer, "staff")}
    assert "Profil PLUT" in manager and "PLUT" not in manager
    assert "PLUT" in officer and "Profil PLUT" not in officer


def test_a_visitor_is_offered_only_public_pages(client, world):
    page = client.get(reverse("portal:home")).content.decode()
    header = page.split('<header class="topbar">')[1].split("</header>")[0]
    assert set(re.findall(r'href="([^"]+)"', header)) == {
        reverse("portal:home"),
        reverse("login"),
    }
    assert "menu-toggle" not in header  # three links fit a phone's bar


def test_a_refused_page_is_the_portals_own(client, world, settings):
    settings.DEBUG = False
    client.force_login(world.a.officer)
    response = client.get(reverse("mentoring:session_create"))
    body = response.content.decode()
    assert response.status_code == 403
    assert '<main id="main"' in body and "Tidak boleh dibuka" in body
    assert 'class="topbar"' in body  # with the navigation, to go on from there
