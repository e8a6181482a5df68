"""base.html's links are drawn once per process for each role and language ("fragments"
cache): every role must still get exactly its own links, in its own language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plut.foundation.accounts.models import Role

STAFF_PAGE = reverse("mentoring:staff_home")


def _links(client, user, language="id"):
    user.language = language  # a signed-in user's own language wins over the cookie
    user.save(update_fields=["language"])
    client.force_login(user)
    page = client.get(STAFF_PAGE if user.role != Role.OWNER else reverse("owner:home")).text
    # The top bar and the workspace's links: after <body>, before <main>.
    body = page.split("<body")[1].split('<main id="main">')[0]
    links = {
        "team": "clinics:team_list",
        "import": "api_pages:import_upload",
        "availability": "clinics:availability",
        "dashboards": "dashboards:home",
        "workspace": "mentoring:session_list",
        "my account": "owner:home",
    }
    shown = {name: f'href="{reverse(url)}"' in body for name, url in links.items()}
    # Each of the two cached parts, in English.
    english = ">Change password<" in body and (user.role == Role.OWNER or "Sessions" in body)
    return {**shown, "english": english}


# In an order that would hand a role the links cached for the one before it.
EXPECTED = [
    ("manager_a", {"team", "import", "availability", "dashboards", "workspace"}),
    ("consultant_a", {"availability", "workspace"}),
    ("officer_a", {"dashboards", "workspace"}),
    ("owner_a", {"my account"}),
    ("national", {"dashboards", "workspace"}),
    ("manager_b", {"team", "import", "availability", "dashboards", "workspace"}),
]


def test_each_role_gets_its_own_links_whoever_came_before(client, world):
    for name, expected in EXPECTED + EXPECTED[::-1]:
        shown = {link for link, present in _links(client, world.user(name)).items() if present}
        assert shown == expected, name


@pytest.mark.parametrize("first", ["id", "en"])
def test_each_language_gets_its_own_links(client, world, first):
    other = "en" if first == "id" else "id"
    _links(client, world.a.manager, first)
    assert _links(client, world.a.manager, other)["english"] == (other == "en")
    assert _links(client, world.a.manager, first)["english"] == (first == "en")
