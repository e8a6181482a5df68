"""Open data: anonymised aggregates of the centres' work, for the ministry's open-data portal.

Counts only, over every centre (no scope: nothing here identifies anyone), grouped by one
dimension. Small cells are suppressed: a group with fewer than ``SMALL_CELL`` sessions or
enterprises shows no figures at all, so a single enterprise's visits cannot be read off.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import BaseRenderer

from mentoring.models import MentoringSession
from plut.foundation.core.exports import neutralise

SMALL_CELL = 5

# dimension: (key column, label column)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "province": ("centre__province_id", "centre__province__name"),
    "centre": ("centre_id", "centre__name"),
    "area": ("service_area__code", "service_area__name_id"),
    "month": ("month", "month"),
}
OPEN_DATA_DIMENSIONS = [
    ("province", _("Provinsi")),
    ("centre", _("PLUT")),
    ("area", _("Bidang layanan")),
    ("month", _("Bulan")),
]
COLUMNS = ["key", "label", "sessions", "enterprises", "contact_hours", "suppressed"]


def _first_day(months: int) -> datetime.date:
    today = timezone.localdate()
    month_index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def open_data_rows(*, by: str, months: int) -> list[dict[str, Any]]:
    """One GROUP BY query: the figures of the last ``months`` calendar months per ``by``."""
    key, label = DIMENSIONS[by]
    sessions = MentoringSession.objects.filter(starts_at__date__gte=_first_day(months))
    if by == "month":
        sessions = sessions.annotate(month=TruncMonth("starts_at"))
    groups = sessions.order_by().values(key, label)
    # Two queries: summing minutes over the join with enterprises would count a group
    # session once per enterprise.
    work = groups.annotate(sessions=Count("pk"), minutes=Sum("contact_minutes")).order_by(key)
    served = dict(
        groups.annotate(served=Count("enterprises", distinct=True)).values_list(key, "served")
    )
    rows = []
    for group in work:
        raw_key = group[key]
        enterprises = served.get(raw_key, 0)
        if isinstance(raw_key, datetime.date):  # datetimes too
            raw_key = raw_key.strftime("%Y-%m")
        small = group["sessions"] < SMALL_CELL or enterprises < SMALL_CELL
        rows.append(
            {
                "key": str(raw_key),
                "label": str(raw_key) if by == "month" else group[label],
                "sessions": None if small else group["sessions"],
                "enterprises": None if small else enterprises,
                "contact_hours": None if small else round((group["minutes"] or 0) / 60, 1),
                "suppressed": small,
            }
        )
    return rows


class OpenDataCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict) and "rows" in data:
            writer.writerow(COLUMNS)
            for row in data["rows"]:
                writer.writerow([neutralise(row[column]) for column in COLUMNS])
        else:  # an error body
            error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            writer.writerow(["error", "message"])
            writer.writerow([error.get("code", ""), neutralise(error.get("message", ""))])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
