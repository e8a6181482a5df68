from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from plut.foundation.messaging.beat import beat_schedule_sync


class Command(BaseCommand):
    help = "Copy CELERY_BEAT_SCHEDULE into django-celery-beat, keeping entries edited in the admin."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Overwrite entries edited in the admin too."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, what in beat_schedule_sync(force=options["force"]).items():
            self.stdout.write(f"{name}: {what}")
