"""Indonesia's public holidays, the days every centre is closed: the free slots skip them, the
dashboards leave them out of working days, reminders move past them.

Each year's are computed once per process and kept (they change only with a new release of
the holidays package): the first call loads its ~280 country modules and computes the lunar
dates, 0,7 s without compiled bytecode, and the free-slot page asked for them on every request
(docs/performance.md, session 9).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("ID", years=year))


def closed_days(first: datetime.date, last: datetime.date) -> frozenset[datetime.date]:
    """The public holidays of every year from ``first``'s to ``last``'s."""
    return frozenset().union(*(public_holidays(year) for year in range(first.year, last.year + 1)))
