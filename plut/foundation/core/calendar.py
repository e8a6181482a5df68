"""The calendar every centre lives by: Indonesia's public holidays, the days every centre is
closed (the free slots skip them, the dashboards leave them out of working days, reminders move
past them), and each centre's own today in its zone (WIB, WITA or WIT).

Each year's are computed once per process and kept (they change only with a new release of
the holidays package): the first call loads its ~280 country modules and computes the lunar
dates, slowly without compiled bytecode, and the free-slot page asked for them on every request
(docs/performance.md#measurements-behind-the-codes-shape).
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone


@lru_cache(maxsize=16)
def public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("ID", years=year))


def closed_days(first: datetime.date, last: datetime.date) -> frozenset[datetime.date]:
    """The public holidays of every year from ``first``'s to ``last``'s."""
    return frozenset().union(*(public_holidays(year) for year in range(first.year, last.year + 1)))


def today_in(zone: str) -> datetime.date:
    """Today on the clock of ``zone`` (a centre's IANA zone): a centre's "today", "overdue" and
    "this week" are its own, not the server's (WIT is two hours ahead of WIB)."""
    return timezone.localtime(timezone.now(), ZoneInfo(zone)).date()


def local_midnight(day: datetime.date, zone: str) -> datetime.datetime:
    """The first instant of ``day`` on the clock of ``zone``."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(zone))


def day_bounds(now: datetime.datetime, zone: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instants of today and of tomorrow on the clock of ``zone``, as of ``now``."""
    today = timezone.localtime(now, ZoneInfo(zone)).date()
    return local_midnight(today, zone), local_midnight(today + datetime.timedelta(days=1), zone)
