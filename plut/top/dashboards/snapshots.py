"""Dashboard figures kept ready: each section's result for a place, its filters and the
reader's scope, computed once and then read many times.

At national scale one section aggregates millions of sessions (seconds to a minute of
PostgreSQL), while the figures change only when someone records something. So a computed
section is kept in the cache (Redis in production) together with the *data version* it was
computed at. The data version is a token replaced after every commit that writes one of the
figures' source tables (``plut.foundation.core.versions`` watches the SQL, so bulk writes count
too; what writes with COPY calls ``versions.copied()`` itself).

- A snapshot of the current data version is served as it is: the same numbers the selectors
  would compute now.
- After a change, with ``DASHBOARD_SERVE_STALE`` on (production), the last snapshot is still
  served, labelled with the moment it was computed and "being updated", while a Celery task
  recomputes it (one task per snapshot at a time). With it off (the tests), it is recomputed
  in the request.
- No snapshot: computed in the request and kept.
- ``DASHBOARD_SNAPSHOTS`` off (the default with a per-process cache, as in ``make run``): every
  section is computed in the request, since another process's writes could not mark them. An hourly
  beat job computes the default view of every place ahead (``precompute_defaults``), so the first
  officer of the day does not wait.

Nothing here changes a number: a snapshot is the selectors' own output, never an estimate.
When the cache is unreachable every section is computed live, as before.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from clinics.models import Centre
from plut.foundation.core import versions
from plut.foundation.core.calendar import today_in
from plut.foundation.core.db_router import reading_from_replica
from plut.foundation.regions.models import Province
from plut.top.dashboards.facts import keep
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, Filters, Place, SystemReader
from plut.top.dashboards.periods import DEFAULT_PRESET, Period, preset_period
from plut.top.dashboards.sections import Section, sections_for

logger = logging.getLogger(__name__)

PREFIX = "dashboards:v1"


@dataclass(frozen=True)
class Figures:
    """A section's data and where it came from."""

    data: dict[str, Any]
    computed_at: datetime.datetime
    stale: bool = False  # an older snapshot, shown while a newer one is computed


# --- The data version (plut.foundation.core.versions: apps.py names the tables) ---------------

VERSIONS = "dashboards"


def data_version() -> str:
    return versions.version(VERSIONS)


def data_changed(using: str | None = None) -> None:
    """Mark every snapshot as out of date (plut.foundation.core.versions.changed)."""
    versions.changed(VERSIONS, using=using)


# --- Keys ---------------------------------------------------------------------------------


def _filters_key(filters: Filters) -> tuple:
    # The preset only names the period in links; the dates are what the figures depend on, so
    # "last month" on the page and the monthly report of that month share a snapshot.
    period = filters.period
    return (
        period.start.isoformat(),
        period.end.isoformat(),
        period.months_step,
        filters.service_area,
        filters.mode,
        filters.centre,
        filters.regency,
    )


def _sort_key(section: Section, sort: str) -> str:
    """The sort as the section understands it: nothing for a section without columns, and
    for any unknown value the name order the selectors fall back to, so that no value of
    ?sort= costs a snapshot of its own."""
    if not section.columns or not sort:
        return ""
    known = {key for key, _label in section.columns}
    return sort if sort.lstrip("-") in known else "name"


def snapshot_key(place: Place, section: Section, filters: Filters, sort: str) -> str:
    """The reader is not part of the key: a dashboard's place always lies inside its reader's
    scope (``place_for`` answers 404 otherwise), and inside it every reader's scoped querysets
    hold the same rows, so the figures of a place are the same for all who may see it. The
    language is: service areas' names and the charts' labels are stored as text."""
    raw = repr(
        (
            place.level,
            place.key,
            section.key,
            _filters_key(filters),
            sort,
            translation.get_language(),
        )
    )
    return f"{PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


# --- Reading ------------------------------------------------------------------------------


def section_figures(
    user: Any,
    place: Place,
    section: Section,
    filters: Filters,
    sort: str = "",
    *,
    stale_ok: bool = True,
) -> Figures:
    """The section's figures for this reader, place and filters: from a snapshot when there is
    one (see the module's docstring), computed otherwise. ``stale_ok=False`` is for documents
    of record (the monthly reports): only current figures."""
    # The facts first (facts/keep.py): a view works in the few changes Celery has not taken
    # yet; a document of record waits for all of them.
    if stale_ok:
        current = keep.catch_up()
    else:
        keep.drain()
        current = True
    figures = _figures(user, place, section, filters, _sort_key(section, sort), stale_ok)
    return figures if current else dataclasses.replace(figures, stale=True)


def _figures(
    user: Any, place: Place, section: Section, filters: Filters, sort: str, stale_ok: bool
) -> Figures:
    if filters.invalid or not settings.DASHBOARD_SNAPSHOTS:
        # An invalid filter shows nothing, at once: nothing worth keeping.
        return Figures(section.compute(user, place, filters, sort), timezone.now())
    key = snapshot_key(place, section, filters, sort)
    try:
        version = data_version()
        kept = cache.get(key)
    except Exception:
        logger.warning("Dashboard snapshots unavailable: the cache is unreachable.")
        return Figures(section.compute(user, place, filters, sort), timezone.now())
    if kept and kept["version"] == version:
        return Figures(kept["data"], kept["computed_at"])
    if kept and stale_ok and settings.DASHBOARD_SERVE_STALE:
        _refresh_later(key, place, section, filters, sort)
        return Figures(kept["data"], kept["computed_at"], stale=True)
    return _compute_and_keep(key, version, user, place, section, filters, sort)


def _compute_and_keep(
    key: str,
    version: str,
    user: Any,
    place: Place,
    section: Section,
    filters: Filters,
    sort: str,
) -> Figures:
    started = time.monotonic()
    computed_at = timezone.now()
    data = section.compute(user, place, filters, sort)
    if reading_from_replica():
        # The replica may not have the commit that set this version yet: keep the figures as
        # out of date, so the next view has Celery recompute them on the primary.
        version = f"replica:{version}"
    snapshot = {"version": version, "computed_at": computed_at, "data": data}
    try:
        cache.set(key, snapshot, timeout=settings.DASHBOARD_SNAPSHOT_TTL)
    except Exception:
        logger.warning("Dashboard snapshot not kept: the cache is unreachable.")
    logger.info(
        "Dashboard snapshot %s/%s/%s computed in %s s",
        place.level,
        place.key or "",
        section.key,
        # Preformatted: the personal-data log filter masks numeric arguments as text.
        f"{time.monotonic() - started:.1f}",
    )
    return Figures(data, computed_at)


def _refresh_later(key: str, place: Place, section: Section, filters: Filters, sort: str) -> None:
    """Queue one recomputation per snapshot: the lock expires if a worker dies on it."""
    from plut.top.dashboards.tasks import dashboard_snapshot_refresh

    lock = f"{key}:refreshing"
    if not cache.add(lock, 1, timeout=settings.DASHBOARD_REFRESH_LOCK_SECONDS):
        return

    def queue() -> None:
        try:
            dashboard_snapshot_refresh.delay(
                level=place.level,
                place_key=place.key,
                section=section.key,
                filters=_filters_key(filters),
                sort=sort,
                language=translation.get_language(),
            )
        except Exception:
            # The broker is down: the page still shows the kept figures, and the next view
            # tries again instead of waiting for the lock to expire.
            logger.warning("Dashboard refresh not queued: the broker is unreachable.")
            cache.delete(lock)

    transaction.on_commit(queue)


# --- Background: refresh one, and compute the default views ahead -------------------------


def _place(level: str, key: Any) -> Place:
    if level == NATIONAL:
        return Place(NATIONAL)
    if level == PROVINCE:
        return Place(PROVINCE, province=Province.objects.get(code=key))
    centre = Centre.objects.select_related("province").get(pk=key)
    return Place(CENTRE, province=centre.province, centre=centre)


def refresh(
    *,
    level: str,
    place_key: Any,
    section: str,
    filters: tuple,
    sort: str,
    language: str = settings.LANGUAGE_CODE,
) -> None:
    """Recompute one snapshot (the Celery task's body), as the national reader: the figures of
    a place are the same for every reader who may see it (``snapshot_key``)."""
    from plut.top.dashboards.sections import SECTIONS

    start, end, months_step, service_area, mode, centre, regency = filters
    chosen = Filters(
        period=Period(
            datetime.date.fromisoformat(start), datetime.date.fromisoformat(end), months_step
        ),
        service_area=service_area,
        mode=mode,
        centre=centre,
        regency=regency,
    )
    place, current = _place(level, place_key), SECTIONS[section]
    keep.drain()  # the write that made the snapshot old is in the facts first
    with translation.override(language):
        key = snapshot_key(place, current, chosen, sort)
        try:
            _compute_and_keep(key, data_version(), SystemReader(), place, current, chosen, sort)
        finally:
            cache.delete(f"{key}:refreshing")


def default_filters(place: Place, today: datetime.date | None = None) -> Filters:
    """What a dashboard shows before anyone touches its filters (today on the place's clock)."""
    if today is None:
        today = today_in(place.zone)
    return Filters(period=preset_period(DEFAULT_PRESET, today), preset=DEFAULT_PRESET)


def precompute_defaults() -> int:
    """Compute every place's sections with the default filters, in the portal's default
    language, unless a current snapshot exists (the beat job, hourly: each place's day begins
    on its own clock); returns how many were computed."""
    places = [Place(NATIONAL)]
    provinces = Province.objects.filter(code__in=Centre.objects.values("province"))
    places += [Place(PROVINCE, province=p) for p in provinces.order_by("code")]
    places += [
        Place(CENTRE, province=c.province, centre=c)
        for c in Centre.objects.select_related("province").order_by("pk")
    ]
    reader, computed = SystemReader(), 0
    keep.drain()
    with translation.override(settings.LANGUAGE_CODE):
        for place in places:
            computed += _precompute(reader, place)
    return computed


def _precompute(reader: SystemReader, place: Place) -> int:
    computed, filters = 0, default_filters(place)
    for section in sections_for(place.level):
        key = snapshot_key(place, section, filters, "")
        version = data_version()
        kept = cache.get(key)
        if kept and kept["version"] == version:
            continue
        _compute_and_keep(key, version, reader, place, section, filters, "")
        computed += 1
    return computed
