from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from plut.top.demo.generator import DEMO_PASSWORD
from plut.top.demo.services import demo_load, demo_logins


class Command(BaseCommand):
    help = "Create the demo data and one account per role (DEMO_MODE and DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_load()
        self.stdout.write("Demo data created." if created else "Demo data already present.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<11} {login.role} - {login.scope}")
