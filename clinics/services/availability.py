"""Writes for a consultant's availability (weekly hours, absences) and a centre's booking policy.

The booking engine (``mentoring.selectors.bookings.slots_for``) reads these rows as they are: a
window saved here is offered from the next page load, an absence closes its days at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from itertools import pairwise
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Absence, Centre, StaffMembership, Weekday, WorkingHours

BOOKING_POLICY_FIELDS = (
    "requires_confirmation",
    "min_notice_minutes",
    "buffer_minutes",
    "owner_change_cutoff_hours",
    "open_bookings_cap",
    "opening_hours",
)


class HoursWindow(NamedTuple):
    weekday: int  # Monday = 0
    starts: datetime.time
    ends: datetime.time


def hours_windows_check(windows: Iterable[HoursWindow]) -> list[HoursWindow]:
    """The windows sorted by day and time; ValidationError when one ends before it starts or
    two on the same day overlap (touching, 12:00 and 12:00, is fine)."""
    ordered = sorted(windows)
    problems = []
    for window in ordered:
        if window.ends <= window.starts:
            problems.append(
                _("%(day)s %(starts)s–%(ends)s: jam selesai harus setelah jam mulai.")
                % _labels(window)
            )
    for earlier, later in pairwise(ordered):
        if earlier.weekday == later.weekday and later.starts < earlier.ends:
            problems.append(
                _("%(day)s: %(first)s dan %(second)s bertumpang tindih.")
                % {
                    "day": Weekday(earlier.weekday).label,
                    "first": f"{earlier.starts:%H:%M}–{earlier.ends:%H:%M}",
                    "second": f"{later.starts:%H:%M}–{later.ends:%H:%M}",
                }
            )
    if problems:
        raise ValidationError(problems)
    return ordered


def _labels(window: HoursWindow) -> dict[str, Any]:
    return {
        "day": Weekday(window.weekday).label,
        "starts": f"{window.starts:%H:%M}",
        "ends": f"{window.ends:%H:%M}",
    }


@transaction.atomic
def availability_hours_set(
    *, membership: StaffMembership, windows: Iterable[HoursWindow]
) -> list[WorkingHours]:
    """Replace the consultant's weekly hours with ``windows``, all or nothing."""
    ordered = hours_windows_check(windows)
    # Lock the membership: two editors saving at once replace the set one after the other,
    # never interleaving into a mix of both.
    StaffMembership.objects.select_for_update().filter(pk=membership.pk).first()
    rows = [
        WorkingHours(membership=membership, weekday=w.weekday, starts=w.starts, ends=w.ends)
        for w in ordered
    ]
    for row in rows:
        row.full_clean(exclude=["membership"])
    WorkingHours.objects.filter(membership=membership).delete()
    return WorkingHours.objects.bulk_create(rows)


@transaction.atomic
def absence_add(
    *,
    membership: StaffMembership,
    starts_on: datetime.date,
    ends_on: datetime.date,
    kind: str,
    note: str = "",
) -> Absence:
    absence = Absence(
        membership=membership,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        note=note.strip(),
    )
    absence.full_clean()
    absence.save()
    return absence


def absence_remove(*, absence: Absence, today: datetime.date | None = None) -> None:
    """Remove an absence that has not ended yet; past ones stay as the record of what was."""
    today = today or timezone.localdate()
    if absence.ends_on < today:
        raise ValidationError(_("Ketidakhadiran yang sudah lewat tidak dapat dihapus."))
    absence.delete()


@transaction.atomic
def centre_booking_policy_set(*, centre: Centre, values: dict[str, Any]) -> Centre:
    """Save the centre's booking policy (only the policy fields, nothing else of the centre)."""
    unknown = set(values) - set(BOOKING_POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Not booking policy fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(centre, name, value)
    # Only the policy is checked: an imperfect address from the public sources must not stop
    # a manager from changing the minimum notice.
    centre.full_clean(
        exclude=[f.name for f in Centre._meta.fields if f.name not in BOOKING_POLICY_FIELDS],
        validate_unique=False,
    )
    centre.save(update_fields=list(values))
    return centre
