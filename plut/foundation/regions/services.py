"""Loading the Kemendagri region reference from the shipped CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from plut.foundation.core.dates import TimeZone
from plut.foundation.core.reference import REFERENCE_DIR, LoadResult, sync_rows
from plut.foundation.regions.models import Province, Regency

ZONE_BY_LABEL = {zone.label: zone.value for zone in TimeZone}


@transaction.atomic
def regions_load(*, path: Path = REFERENCE_DIR / "regions.csv") -> LoadResult:
    """Load provinces and regencies idempotently: a second run changes nothing."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    provinces, regencies = {}, {}
    for row in rows:
        if row["level"] == "province":
            if row["timezone"] not in ZONE_BY_LABEL:
                raise ValueError(f"Province {row['code']}: unknown time zone {row['timezone']!r}")
            provinces[row["code"]] = {
                "name": row["name"],
                "timezone": ZONE_BY_LABEL[row["timezone"]],
            }
        else:
            regencies[row["code"]] = {"name": row["name"], "province_id": row["province_code"]}
    # Provinces first: every regency points at one.
    province_result = sync_rows(Province, "code", provinces)[0]
    regency_result = sync_rows(Regency, "code", regencies)[0]
    return province_result + regency_result
