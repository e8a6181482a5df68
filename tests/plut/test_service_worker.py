"""/sw.js: the service worker, served from the site's root, and offline.js on staff pages only."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.templatetags.static import static

from plut.foundation.core.pwa import OFFLINE_ASSETS

pytestmark = pytest.mark.django_db


def test_the_worker_is_served_from_the_root_as_javascript_not_to_be_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert "no-cache" in response["Cache-Control"]
    # The page's policy applies to the worker too: it may only fetch from the portal.
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_worker_knows_the_assets_by_their_served_names_and_its_addresses(client):
    first, code = client.get("/sw.js").content.decode().split("\n", 1)
    assert first.startswith("const SETTINGS = ")
    known = json.loads(first.removeprefix("const SETTINGS = ").removesuffix(";"))
    assert known == {
        "assets": [static(name) for name in OFFLINE_ASSETS],
        "pages": "/staff/offline/pages/",
        "logout": "/accounts/logout/",
    }
    source = (settings.BASE_DIR / "static" / "js" / "sw.js").read_text(encoding="utf-8")
    assert code == source


def test_every_precached_asset_exists(client):
    for path in (static(name) for name in OFFLINE_ASSETS):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("user", ["consultant_a", "manager_a", "officer_a", "national"])
def test_staff_pages_load_offline_js_for_the_signed_in_user(client, world, user):
    staff = world.user(user)
    client.force_login(staff)
    page = client.get("/staff/").content.decode()
    assert "js/offline.js" in page
    assert f'data-user="{staff.pk}"' in page


@pytest.mark.parametrize("user", ["owner_a", "anonymous"])
def test_owners_and_visitors_get_no_worker(client, world, user):
    if user != "anonymous":
        client.force_login(world.user(user))
    assert "js/offline.js" not in client.get("/").content.decode()
