"""A small fixed-window rate limiter on Django's cache.

Each key gets a counter per window (``window_seconds`` long, aligned to the epoch). ``cache.add``
creates the counter only if it is missing and ``cache.incr`` bumps it; both are atomic on Redis
and on the local-memory cache, so two requests at the same moment never both see "first".
A fixed window lets a burst of up to twice the limit straddle a boundary; for stopping spam
bookings that is fine, and it is one cache round trip in the common case.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

PREFIX = "ratelimit"


def _cache_key(key: str, window: int) -> str:
    # Keys may hold a phone number or an email: hash them, so the cache holds no personal data
    # and no character a cache backend refuses.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{PREFIX}:{digest}:{window}"


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True while the window's count stays within ``limit``."""
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
    return int(cache.get(_cache_key(key, window), 0))
