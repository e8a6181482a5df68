"""Fixtures for the API tests: a client acting as any user of the ``world``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.conftest import World


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(world: World) -> Callable[[str], APIClient]:
    """``as_user("manager_a")``: an API client authenticated as that world user
    ("anonymous" for none)."""

    def make(name: str) -> APIClient:
        client = APIClient()
        user = world.user(name)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
