"""Writes for centres, service areas and staff."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from clinics.models import Centre, CentreLevel, ServiceArea, StaffMembership
from plut.accounts.models import CENTRE_ROLES, User
from plut.core.reference import REFERENCE_DIR, LoadResult, sync_rows

# The six areas of the seed (DOMAIN.md). Codes are stable identifiers used by reports and the
# API; the names are data so a province can rename them or add a seventh in the admin.
SEED_SERVICE_AREAS: tuple[tuple[str, str, str], ...] = (
    ("institutional", "Kelembagaan", "Institutional / legal form"),
    ("financing", "Akses Pembiayaan", "Access to financing"),
    ("hr", "Sumber Daya Manusia (SDM)", "Human resources"),
    ("production", "Produksi", "Production"),
    ("marketing", "Pemasaran / Kemitraan Usaha", "Marketing and business partnership"),
    ("it", "Akses IT / Digital", "IT and digital access"),
)


@transaction.atomic
def service_areas_load() -> LoadResult:
    rows = {
        code: {"name_id": name_id, "name_en": name_en, "order": order}
        for order, (code, name_id, name_en) in enumerate(SEED_SERVICE_AREAS, start=1)
    }
    return sync_rows(ServiceArea, "code", rows)[0]


@transaction.atomic
def centres_load(*, path: Path = REFERENCE_DIR / "plut_centres.csv") -> LoadResult:
    """Load the centres known from public sources, keyed by name.

    A new centre offers every active area; an existing one keeps what an administrator set.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = {
            row["name"]: {
                "level": CentreLevel(row["level"]),
                "province_id": row["province_code"],
                "regency_id": row["regency_code"] or None,
                "city": row["city"],
                "source_url": row["source"],
            }
            for row in csv.DictReader(handle)
        }
    result, created = sync_rows(Centre, "name", rows)
    areas = list(ServiceArea.objects.filter(is_active=True))
    through = Centre.service_areas.through
    through.objects.bulk_create(
        through(centre_id=centre.pk, servicearea_id=area.pk) for centre in created for area in areas
    )
    return result


@transaction.atomic
def staff_member_place(
    *, user: User, centre: Centre, areas: list[ServiceArea] | None = None
) -> StaffMembership:
    """Put a manager or consultant at a centre (moving them if they were elsewhere)."""
    if user.role not in CENTRE_ROLES:
        raise ValueError(f"{user} is not a centre role ({user.role})")
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, defaults={"centre": centre}
    )
    if areas is not None:
        membership.areas.set(areas)
    return membership
