"""The OpenAPI schema is generated once per process for each language, version and format:
what is served is byte for byte what drf-spectacular generates, and the view still asks
for whatever permission it asks for."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from plut.top.api.schema import SchemaView
from tests.conftest import World

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
VARIANTS = [{}, {"format": "json"}, {"lang": "en"}, {"lang": "en", "format": "json"}]


@pytest.fixture(autouse=True)
def nothing_kept(monkeypatch) -> None:
    monkeypatch.setattr(SchemaView, "_kept", {})


@pytest.fixture
def generated(monkeypatch) -> list[int]:
    """Counts the schemas drf-spectacular generates."""
    calls: list[int] = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return calls


def _uncached(params: dict[str, str], language: str = settings.LANGUAGE_CODE):
    """drf-spectacular's own view, as the portal served it before."""
    request = RequestFactory().get(SCHEMA, params)
    request.user = AnonymousUser()
    with translation.override(language):
        response = SpectacularAPIView.as_view()(request)
        response.render()
    return response


@pytest.mark.parametrize("params", VARIANTS, ids=lambda params: "&".join(params) or "yaml")
@pytest.mark.parametrize("user_name", ["anonymous", "national", "owner_a"])
def test_the_kept_schema_is_the_generated_one(client, world: World, params, user_name):
    if user := world.user(user_name):
        client.force_login(user)
    expected = _uncached(params)
    for _ in range(2):  # generated, then kept
        response = client.get(SCHEMA, params)
        assert response.status_code == 200
        assert response.content == expected.content
        for header in ("Content-Type", "Content-Disposition", "Allow"):
            assert response[header] == expected[header]
        assert "Accept" in response["Vary"]


def test_it_is_generated_once_per_language_and_format(client, db, generated):
    for params in VARIANTS * 3:
        client.get(SCHEMA, params)
    assert len(generated) == len(VARIANTS)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(SCHEMA)
    assert len(generated) == len(VARIANTS)  # the English YAML, kept for ?lang=en
    assert english.content == _uncached({}, "en").content


def test_the_readers_language_is_the_schemas(client, db):
    indonesian = client.get(SCHEMA).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(SCHEMA).content.decode()
    assert "Token API pribadi" in indonesian  # the token scheme's description
    assert english != indonesian


@pytest.mark.parametrize(
    "params", [{"lang": "xx"}, {"version": "9"}], ids=["unknown language", "unknown version"]
)
def test_what_the_portal_does_not_offer_is_generated_each_time(client, db, generated, params):
    for _ in range(2):
        assert client.get(SCHEMA, params).status_code == 200
    assert len(generated) == 2
    assert SchemaView._kept == {}


def test_an_accept_header_with_parameters_is_generated_each_time(client, db, generated):
    for _ in range(2):
        response = client.get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json; indent=2")
        assert response.status_code == 200
    assert len(generated) == 2
    assert SchemaView._kept == {}


def test_a_kept_schema_still_asks_for_the_views_permission(client, world: World, monkeypatch):
    monkeypatch.setattr(SchemaView, "permission_classes", [IsAuthenticated])
    client.force_login(world.national)
    assert client.get(SCHEMA).status_code == 200
    assert SchemaView._kept
    client.logout()
    assert client.get(SCHEMA).status_code in (401, 403)
