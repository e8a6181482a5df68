"""Staff can install their workspace on a phone's home screen: a web app manifest with
icons, a theme colour and /staff/ as the start, linked from the staff pages."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def _manifest(client) -> dict:
    response = client.get(reverse("web_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def test_the_manifest_starts_the_app_in_the_staff_workspace(client):
    manifest = _manifest(client)
    assert manifest["start_url"] == manifest["scope"] == "/staff/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5cab"
    assert manifest["name"] and manifest["short_name"]
    assert manifest["lang"] == "id"


def test_its_icons_exist_at_the_sizes_it_claims(client):
    icons = _manifest(client)["icons"]
    assert {icon["sizes"] for icon in icons} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in icons)
    for icon in icons:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert "x".join(map(str, image.size)) == icon["sizes"]


def test_the_manifest_speaks_the_readers_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    manifest = _manifest(client)
    assert manifest["lang"] == "en"


def test_staff_pages_link_the_manifest_and_public_pages_do_not(client, world):
    link = f'<link rel="manifest" href="{reverse("web_manifest")}"'
    assert link not in client.get("/").content.decode()
    client.force_login(world.a.consultant)
    assert link in client.get(reverse("mentoring:staff_home")).content.decode()
    client.force_login(world.a.owner)
    assert link not in client.get(reverse("owner:home")).content.decode()
