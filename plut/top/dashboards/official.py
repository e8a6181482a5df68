"""Published official counts of active cooperatives (BPS, or a province's Dinas Koperasi, as
the press reported them), shipped with their sources in
plut/reference_data/cooperative_stats_partial.csv, shown beside the portal's own registered
counts so an officer sees how much of the movement the portal covers.

The table is partial (a national total and some provinces, 2014 to 2024) and its years and
publishers are not comparable with each other: BPS's 2024 count of active cooperatives is far
stricter (plut/reference_data/SOURCES.md). Each figure is shown with its publisher, year and
source, and the total it is a part of when the publisher gave one.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from plut.top.dashboards.selectors import rate_percent

STATS_FILE = Path(settings.BASE_DIR) / "plut" / "reference_data" / "cooperative_stats_partial.csv"


@cache
def _published() -> dict[str, list[dict[str, Any]]]:
    """{province code, "" for the nation: [{year, active, total, publisher, sources}], latest
    year first}."""
    published: dict[str, list[dict[str, Any]]] = {}
    with STATS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            published.setdefault(row["province_code"], []).append(
                {
                    "year": int(row["year"]),
                    "active": int(row["active_cooperatives"]),
                    "total": int(row["total_cooperatives"]) if row["total_cooperatives"] else None,
                    "publisher": row["publisher"],
                    "sources": [url.strip() for url in row["source"].split(";") if url.strip()],
                }
            )
    for figures in published.values():
        figures.sort(key=lambda figure: figure["year"], reverse=True)
    return published


def official_active(province_code: str | None) -> list[dict[str, Any]]:
    """The published counts of active cooperatives for a province (None: the nation), latest
    year first; empty where none was published (or shipped)."""
    return _published().get(province_code or "", [])


def coverage(registered_active: int, published: list[dict[str, Any]]) -> float | None:
    """The portal's active cooperatives as a share (in percent) of the latest published count,
    as the dashboards give rates."""
    if not published:
        return None
    return rate_percent(registered_active, published[0]["active"])
