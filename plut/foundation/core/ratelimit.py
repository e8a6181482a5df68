"""A small fixed-window rate limiter on Django's cache.

Each key gets a counter per window (``window_seconds`` long, aligned to the epoch). ``cache.add``
creates the counter only if it is missing and ``cache.incr`` bumps it; both are atomic on Redis
and on the local-memory cache, so two requests at the same moment never both see "first".
A fixed window lets a burst of up to twice the limit straddle a boundary; for stopping spam
bookings that is fine, and it is one cache round trip in the common case.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

PREFIX = "ratelimit"

logger = logging.getLogger(__name__)
T = TypeVar("T")


def fail_open(count: Callable[[], T], *, fallback: T) -> T:
    """Run a counter against the cache, or give ``fallback`` when the cache is down.

    The cache is Redis in production. A limit that cannot be counted for a few minutes is a
    smaller harm than every booking, login link and API call failing with a 500 while Redis
    restarts, so counting fails open (and says so in the log, without the key: it may hold a
    phone number or an email).
    """
    try:
        return count()
    except Exception:  # each cache backend raises its own connection errors
        logger.warning("Rate limit not counted: the cache is unreachable.", exc_info=True)
        return fallback


def _cache_key(key: str, window: int) -> str:
    # Keys may hold a phone number or an email: hash them, so the cache holds no personal data
    # and no character a cache backend refuses.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{PREFIX}:{digest}:{window}"


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True while the window's count stays within ``limit``."""
    return fail_open(lambda: _hit(key, limit=limit, window_seconds=window_seconds), fallback=True)


def _hit(key: str, *, limit: int, window_seconds: int) -> bool:
    window = int(time.time() // window_seconds)
    cache_key = _cache_key(key, window)
    count = 1
    if not cache.add(cache_key, count, timeout=window_seconds):
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # The counter expired between add and incr: this hit opens a new one.
            cache.add(cache_key, count, timeout=window_seconds)
    return count <= limit


def count(key: str, *, window_seconds: int) -> int:
    """Hits on ``key`` so far in the current window, without counting one more: for limits
    that only count failures but must refuse before the next attempt is checked."""
    window = int(time.time() // window_seconds)
    return fail_open(lambda: int(cache.get(_cache_key(key, window), 0)), fallback=0)
