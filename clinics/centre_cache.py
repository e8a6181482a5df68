"""The centres, with their provinces, the service areas and the regencies, kept in each
process's memory.

Every row of the session list, an enterprise's timeline and its profile shows a centre: its
name, and the time in its province's zone; every list's filters offer the centres and the
service areas; every client's profile its regency. There are about a hundred centres, six
areas and 514 regencies for the whole country and they change a few times a year, yet reading
them cost each page a query or a join (which PostgreSQL took longer to plan than to run): a
noticeable share of a list page (docs/performance.md#measurements-behind-the-codes-shape).

So each process keeps them, under the data version of their tables
(``plut.foundation.core.versions``): any committed write to centres, provinces, service areas or
regencies moves the version, and the next read loads them again (one query each). Checking the
version is one cache read (Redis). What a transaction reads after writing those tables is not kept:
it may yet be rolled back. With the per-process memory cache (``make run``), another process's
writes would not move this process's version, so ``CENTRE_CACHE`` is off there and every read
queries; so does a read while the cache is unreachable.

Each centre's bookable consultants and their weekly hours (``bookable_staff``), which every
free-slot page and every booking reads twice over, are kept the same way under a version of
their own: staff memberships, their areas, working hours, and the users' active flag and role
(a sign-in, which writes last_login, does not move it).

The public directory's centres (with their regencies and service areas), the provinces and
regencies its filters offer, and what a page builds of them (``kept_with_centres``) are kept the
same way, so the home page reads nothing but the two versions.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import F

from clinics.models import Centre, ServiceArea, StaffMembership, WorkingHours
from plut.foundation.accounts.models import Role
from plut.foundation.core import versions
from plut.foundation.regions.models import Province, Regency

logger = logging.getLogger(__name__)

VERSIONS = "centres"
STAFF_VERSIONS = "centre_staff"
# What moves STAFF_VERSIONS (clinics.apps): the users' columns bookable_staff() reads.
STAFF_USER_COLUMNS = ("is_active", "role")

T = TypeVar("T")

# {kind: (version, data)}; each entry replaced whole, so a thread reads an old or a new pair.
_kept: dict[str, tuple[str, Any]] = {}


def _read(
    kind: str,
    load: Callable[[], T],
    fits: Callable[[T], bool] | None = None,
    group: str | tuple[str, ...] = VERSIONS,
) -> T:
    """What ``load()`` returns, kept under the current version of ``group`` (or of each of
    several groups); loaded again once a version moved, or when what is kept does not ``fit``.
    With ``CENTRE_CACHE`` off, loaded each time."""
    if not settings.CENTRE_CACHE:
        return load()
    groups = (group,) if isinstance(group, str) else group
    try:
        current = tuple(versions.version(name) for name in groups)
    except Exception:  # each cache backend raises its own connection errors
        # Redis restarting: read the database, as with the cache off, rather than fail the page.
        logger.warning("%s read from the database: the cache is unreachable.", kind)
        return load()
    kept = _kept.get(kind)
    if kept is not None and kept[0] == current and (fits is None or fits(kept[1])):
        return kept[1]
    data = load()
    if not any(versions.written_in_transaction(name) for name in groups):
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


def all_regencies() -> list[Regency]:
    """Every regency, with its province, in code order (the rows regencies_by_code() keeps)."""
    return list(_read("regencies", Regency.objects.select_related("province").in_bulk).values())


def provinces() -> list[Province]:
    """Every province, in code order."""
    return _read("provinces", lambda: list(Province.objects.all()))


def service_areas() -> list[ServiceArea]:
    """Every service area, active or not, in their order."""
    return _read("areas", lambda: list(ServiceArea.objects.all()))


def _load_public_centres() -> list[Centre]:
    return list(
        _centres()
        .filter(is_active=True)
        .select_related("regency")
        .prefetch_related("service_areas")
    )


def public_centres() -> list[Centre]:
    """The active centres, in their order, each with its province, its regency and all its
    service areas (active or not): what the public directory lists."""
    return _read("public_centres", _load_public_centres)


def kept_with_centres(kind: str, build: Callable[[], T]) -> T:
    """What ``build()`` makes of the centres, their areas and regions and who takes their
    bookings, kept in this process like them: built again once the version of the centres or
    of their staff moves, and each time with ``CENTRE_CACHE`` off. ``kind`` names it, with
    whatever else it depends on (the language, say). It may be a dict its caller fills as it
    goes (the home page's cards, drawn as they are first shown)."""
    return _read(f"built:{kind}", build, group=(VERSIONS, STAFF_VERSIONS))


Window = tuple[int, datetime.time, datetime.time]  # weekday (Monday = 0), start, end


@dataclass(frozen=True)
class BookableStaff:
    """Who may take a centre's bookings in one service area, and when they work."""

    # Membership id -> user id: the active consultants who cover the area. Empty when none
    # does: the area then offers no slots (a booking nobody holds would hold no capacity).
    pool: dict[int, int]
    hours: dict[int, tuple[Window, ...]]  # user id -> weekly windows


def _load_bookable_staff(centre_id: int, area_id: int) -> BookableStaff:
    pool = dict(
        StaffMembership.objects.filter(
            centre_id=centre_id,
            user__is_active=True,
            user__role=Role.CONSULTANT,
            areas=area_id,
        ).values_list("pk", "user_id")
    )
    hours: dict[int, list[Window]] = defaultdict(list)
    # Plain rows, not models: a centre's week is a few hundred of them.
    for membership_id, weekday, starts, ends in WorkingHours.objects.filter(
        membership_id__in=pool
    ).values_list("membership_id", "weekday", "starts", "ends"):
        hours[pool[membership_id]].append((weekday, starts, ends))
    return BookableStaff(pool, {user_id: tuple(windows) for user_id, windows in hours.items()})


def bookable_staff(centre_id: int, area_id: int) -> BookableStaff:
    """The consultants of ``centre_id`` who take bookings in ``area_id``, with their hours."""
    return _read(
        f"staff:{centre_id}:{area_id}",
        lambda: _load_bookable_staff(centre_id, area_id),
        group=STAFF_VERSIONS,
    )


def _load_taking_bookings() -> frozenset[int]:
    return frozenset(
        StaffMembership.objects.filter(
            user__is_active=True,
            user__role=Role.CONSULTANT,
            working_hours__isnull=False,
            areas__is_active=True,
            areas__centres=F("centre_id"),
        )
        .values_list("centre_id", flat=True)
        .distinct()
    )


def taking_bookings() -> frozenset[int]:
    """The ids of the centres that take online bookings: an active consultant there covers
    one of the centre's active service areas and keeps weekly hours. Kept under the versions
    of both the centres (their areas) and their staff (memberships, hours, users)."""
    return _read("taking_bookings", _load_taking_bookings, group=(VERSIONS, STAFF_VERSIONS))
