from __future__ import annotations

import datetime
from dataclasses import fields
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from plut.foundation.regions.models import Province
from plut.top.demo.scale import FULL, Sizes, generate_scale


class Command(BaseCommand):
    help = (
        "Fill the database with national-scale, deterministic data for benchmarks "
        "(PostgreSQL COPY for the big tables). Defaults: the whole country over five years."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Shrink the client and work tables by this factor (0.01 = 1 %%).",
        )
        for field in fields(Sizes):
            parser.add_argument(
                f"--{field.name}",
                type=int,
                default=None,
                help=f"Exact number of {field.name} (default {getattr(FULL, field.name):,}, "
                "times --scale).",
            )
        parser.add_argument("--seed", type=int, default=2017)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = FULL.scaled(options["scale"])
        exact = {f.name: options[f.name] for f in fields(Sizes) if options[f.name] is not None}
        sizes = Sizes(**{**sizes.__dict__, **exact})
        if not Province.objects.exists():
            call_command("load_reference_data", stdout=self.stdout)
        self.stdout.write(f"Generating {sizes}")
        report = generate_scale(sizes=sizes, seed=options["seed"], today=options["today"])
        for label, rows in report.rows.items():
            seconds = report.seconds[label]
            self.stdout.write(f"  {label:<20} {rows:>12,} rows {seconds:8.1f} s")
        facts = report.seconds["dashboard facts"]
        self.stdout.write(f"  {'dashboard facts':<20} {'':>12}      {facts:8.1f} s")
        self.stdout.write(f"Done in {report.total_seconds:.1f} s.")
