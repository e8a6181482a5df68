from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from clinics.services.centres import centres_load, service_areas_load
from plut.foundation.regions.services import regions_load


class Command(BaseCommand):
    help = (
        "Load provinces, regencies/cities, service areas and the known PLUT centres. "
        "Idempotent: running it again changes nothing."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        # Order matters: centres point at regions and are given the service areas.
        for label, loader in (
            ("regions", regions_load),
            ("service areas", service_areas_load),
            ("centres", centres_load),
        ):
            result = loader()
            self.stdout.write(f"{label}: {result.created} created, {result.updated} updated")
