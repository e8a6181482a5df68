"""The centre's own calendar, for factories and tests.

Rows are placed on "today", "this week" or "this month" as the centre's staff see them (WIB,
WITA or WIT), never at "now minus three days": a session three days ago is last week on a
Monday and last month on the 2nd, and the suite then fails by the calendar, not by a bug.
CI runs the suite at adversarial instants to keep it so (docs/testing.md, "Time").
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinics.models import Centre


def zone(centre: Centre | None) -> ZoneInfo:
    """The centre's zone; the portal's own (WIB) for a record without a centre."""
    return ZoneInfo(centre.timezone) if centre else timezone.get_default_timezone()


def local_now(centre: Centre | None) -> datetime.datetime:
    return timezone.localtime(timezone.now(), zone(centre))


def local_today(centre: Centre | None) -> datetime.date:
    return local_now(centre).date()


def at(
    centre: Centre | None, day: datetime.date, hour: int = 9, minute: int = 0
) -> datetime.datetime:
    """``day`` at ``hour``:``minute`` on the centre's clock."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone(centre))


def week_start(centre: Centre | None) -> datetime.datetime:
    """Monday 00:00 of the centre's current week."""
    today = local_today(centre)
    return at(centre, today - datetime.timedelta(days=today.weekday()), 0)


def month_start(centre: Centre | None) -> datetime.datetime:
    return at(centre, local_today(centre).replace(day=1), 0)


def earlier_this_week(centre: Centre | None) -> datetime.datetime:
    """A past moment of the centre's current week: three days ago, or the week's first minute
    when that is later (on a Monday just after midnight, a few minutes ago)."""
    return max(timezone.now() - datetime.timedelta(days=3), week_start(centre))


def earlier_this_month(centre: Centre | None) -> datetime.datetime:
    """A past moment of the centre's current month (on the 1st just after midnight, a few
    minutes ago)."""
    return max(timezone.now() - datetime.timedelta(days=3), month_start(centre))


def mid_last_month(centre: Centre | None) -> datetime.datetime:
    """Noon on the 15th of the centre's previous month: inside every zone's twelve months
    up to now, whichever zone's calendar a national figure is read by (at 23:30 WIB on 30
    April it is already May in WITA, and no moment is this month for both)."""
    first = local_today(centre).replace(day=1)
    return at(centre, (first - datetime.timedelta(days=1)).replace(day=15), 12)


def days_ahead(centre: Centre | None, days: int, hour: int = 9) -> datetime.datetime:
    """``hour`` o'clock on the centre's clock, ``days`` days from its today."""
    return at(centre, local_today(centre) + datetime.timedelta(days=days), hour)
