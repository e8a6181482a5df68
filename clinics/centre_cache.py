"""The centres, with their provinces, kept in each process's memory.

Every row of the session list, an enterprise's timeline and its profile shows a centre: its
name, and the time in its province's zone. There are about a hundred centres for the whole
country and they change a few times a year, yet reading them cost each page a query (or a
join of two more tables, which PostgreSQL took longer to plan than to run): ~2 ms of a
~16 ms page (docs/performance.md, session 7).

So each process keeps all of them, under the data version of their tables
(``plut.core.versions``): any committed write to centres or provinces moves the version, and
the next read loads them again (one query). Checking the version is one cache read (Redis).
What a transaction reads after writing those tables is not kept: it may yet be rolled back.
With the per-process memory cache (``make run``), another process's writes would not move
this process's version, so ``CENTRE_CACHE`` is off there and every read queries; so does a
read while the cache is unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings

from clinics.models import Centre
from plut.core import versions

logger = logging.getLogger(__name__)

VERSIONS = "centres"

# (version, {id: centre}); replaced whole, so a thread reads either the old or the new pair.
_kept: tuple[str, dict[int, Centre]] | None = None


def centres_by_id(ids: Iterable[int]) -> dict[int, Centre]:
    """The centres of ``ids`` (those that exist), each with its province."""
    global _kept
    wanted = set(ids)
    if not wanted:
        return {}
    if not settings.CENTRE_CACHE:
        return _query().in_bulk(wanted)
    try:
        current = versions.version(VERSIONS)
    except Exception:  # each cache backend raises its own connection errors
        # Redis restarting: read the database, as with the cache off, rather than fail the page.
        logger.warning("Centres read from the database: the cache is unreachable.")
        return _query().in_bulk(wanted)
    if _kept is not None and _kept[0] == current and wanted <= _kept[1].keys():
        return _kept[1]
    centres = _query().in_bulk()
    if not versions.written_in_transaction(VERSIONS):
        _kept = (current, centres)
    return centres


def _query():
    return Centre.objects.select_related("province")
