"""The fixed-window rate limiter on the cache."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache

from plut.foundation.core.ratelimit import hit

# 10:00:00 UTC: a window of an hour starts exactly now.
START = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    cache.clear()


def test_hits_are_allowed_up_to_the_limit_then_refused():
    results = [hit("booking:ip:10.0.0.1", limit=3, window_seconds=3600) for _ in range(5)]
    assert results == [True, True, True, False, False]


def test_keys_are_counted_separately():
    assert hit("a", limit=1, window_seconds=60)
    assert not hit("a", limit=1, window_seconds=60)
    assert hit("b", limit=1, window_seconds=60)


def test_the_next_window_starts_afresh(_clean_cache):
    assert hit("a", limit=1, window_seconds=3600)
    _clean_cache.shift(datetime.timedelta(minutes=59))
    assert not hit("a", limit=1, window_seconds=3600)
    _clean_cache.shift(datetime.timedelta(minutes=1))
    assert hit("a", limit=1, window_seconds=3600)


def test_a_counter_that_expires_between_add_and_incr_starts_again():
    assert hit("a", limit=1, window_seconds=60)
    with mock.patch.object(cache, "incr", side_effect=ValueError("gone")):
        assert hit("a", limit=1, window_seconds=60)


def test_the_cache_holds_no_phone_or_email():
    from unittest import mock

    # Whatever the backend (memory here, Redis in CI), look at the keys handed to it.
    with mock.patch.object(cache, "add", wraps=cache.add) as add:
        hit("booking:email:pemilik@example.id", limit=5, window_seconds=60)
        hit("booking:phone:+6281244445555", limit=5, window_seconds=60)
    keys = " ".join(str(call.args[0]) for call in add.call_args_list)
    assert keys
    assert "pemilik@example.id" not in keys
    assert "6281244445555" not in keys
