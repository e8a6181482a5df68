"""Work the pending changes into the dashboards' facts, or build them all again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from plut.top.dashboards.facts import keep


class Command(BaseCommand):
    help = (
        "Work pending changes into the dashboards' facts (what Celery does after each "
        "commit), or with --rebuild compute every fact again from the sessions and bookings "
        "(after loading data with the triggers off, moving a centre to another province or "
        "a province to another time zone)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild", action="store_true", help="compute every fact again")

    def handle(self, *args: Any, rebuild: bool = False, **options: Any) -> None:
        started = time.monotonic()
        if rebuild:
            months = keep.rebuild_all()
            done = f"{months} centre-months rebuilt"
        else:
            done = f"{keep.drain()} changes worked in"
        self.stdout.write(f"Dashboard facts: {done} in {time.monotonic() - started:.1f} s.")
