"""The centres, with their provinces, the service areas and the regencies, kept in each
process's memory.

Every row of the session list, an enterprise's timeline and its profile shows a centre: its
name, and the time in its province's zone; every list's filters offer the centres and the
service areas; every client's profile its regency. There are about a hundred centres, six
areas and 514 regencies for the whole country and they change a few times a year, yet reading them cost each page a query or a join (which
PostgreSQL took longer to plan than to run): ~2 ms of a ~16 ms page (docs/performance.md,
sessions 7 and 8).

So each process keeps them, under the data version of their tables (``plut.core.versions``):
any committed write to centres, provinces, service areas or regencies moves the version, and the next
read loads them again (one query each). Checking the version is one cache read (Redis). What a
transaction reads after writing those tables is not kept: it may yet be rolled back. With the
per-process memory cache (``make run``), another process's writes would not move this
process's version, so ``CENTRE_CACHE`` is off there and every read queries; so does a read
while the cache is unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings

from clinics.models import Centre, ServiceArea
from plut.core import versions
from plut.regions.models import Regency

logger = logging.getLogger(__name__)

VERSIONS = "centres"

T = TypeVar("T")

# {kind: (version, data)}; each entry replaced whole, so a thread reads an old or a new pair.
_kept: dict[str, tuple[str, Any]] = {}


def _read(kind: str, load: Callable[[], T], fits: Callable[[T], bool] | None = None) -> T:
    """What ``load()`` returns, kept under the current version; loaded again once the version
    moved, or when what is kept does not ``fit``. With ``CENTRE_CACHE`` off, loaded each time."""
    if not settings.CENTRE_CACHE:
        return load()
    try:
        current = versions.version(VERSIONS)
    except Exception:  # each cache backend raises its own connection errors
        # Redis restarting: read the database, as with the cache off, rather than fail the page.
        logger.warning("%s read from the database: the cache is unreachable.", kind)
        return load()
    kept = _kept.get(kind)
    if kept is not None and kept[0] == current and (fits is None or fits(kept[1])):
        return kept[1]
    data = load()
    if not versions.written_in_transaction(VERSIONS):
        _kept[kind] = (current, data)
    return data


def _centres():
    # In the centres' own order (Meta.ordering), which the dropdowns list them in.
    return Centre.objects.select_related("province")


def _every_centre() -> dict[int, Centre]:
    return _centres().in_bulk()


def centres_by_id(ids: Iterable[int]) -> dict[int, Centre]:
    """The centres of ``ids`` (those that exist), each with its province."""
    wanted = set(ids)
    if not wanted:
        return {}
    if not settings.CENTRE_CACHE:
        return _centres().in_bulk(wanted)
    return _read("centres", _every_centre, lambda kept: wanted <= kept.keys())


def all_centres() -> list[Centre]:
    """Every centre, with its province, in the centres' order."""
    return list(_read("centres", _every_centre).values())


def regencies_by_code(codes: Iterable[str]) -> dict[str, Regency]:
    """The regencies of ``codes`` (those that exist), each with its province."""
    wanted = set(codes)
    if not wanted:
        return {}
    regencies = Regency.objects.select_related("province")
    if not settings.CENTRE_CACHE:
        return regencies.in_bulk(wanted)
    return _read("regencies", regencies.in_bulk, lambda kept: wanted <= kept.keys())


def service_areas() -> list[ServiceArea]:
    """Every service area, active or not, in their order."""
    return _read("areas", lambda: list(ServiceArea.objects.all()))
