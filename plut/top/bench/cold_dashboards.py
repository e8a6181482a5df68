"""Cold first views of the dashboards: random filter combinations, the cache emptied before each.

Only the default view of each place is computed ahead (the hourly Celery job); an officer who
picks another period, area, mode, centre or regency waits for the figures to be computed in the
request. For each level (the nation, the bench centre's province, the bench centre) a seeded
random generator picks ``samples`` combinations of a period preset (or a custom range of up to
three years within the data's years), a service area, a mode, a centre (nation and province), a
regency of the place (province and centre) and a section of the level; the bench's cache is
emptied before each view, which is requested once as the national account, and the floor once
after it.
"""

from __future__ import annotations

import datetime
import random
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from clinics.models import Centre, ServiceArea
from mentoring.models import MentoringSession, Mode
from plut.foundation.regions.models import Regency
from plut.top.bench.harness import Client, Context, Result, Stats
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE
from plut.top.dashboards.periods import MAX_DAYS, PRESETS
from plut.top.dashboards.sections import sections_for

LEVELS = (NATIONAL, PROVINCE, CENTRE)
SEED = 22  # issue #22: the same combinations at every scale, so the growth column compares them
SLOW_MS = 1000.0  # the limit for any view
SLOWEST = 3


@dataclass(frozen=True)
class Choices:
    """What the filters of each level may be set to, read once from the data."""

    first_day: datetime.date  # 1 January of the data's first year
    today: datetime.date
    areas: list[str]
    modes: list[str]
    centres: dict[str, list[int]]  # by level
    regencies: list[str]  # of the bench centre's province

    @classmethod
    def of(cls, ctx: Context) -> Choices:
        first = MentoringSession.objects.aggregate(first=Min("starts_at"))["first"]
        today = timezone.localdate()
        return cls(
            first_day=datetime.date(first.year if first else today.year, 1, 1),
            today=today,
            areas=list(ServiceArea.objects.order_by("code").values_list("code", flat=True)),
            modes=list(Mode.values),
            centres={
                NATIONAL: list(Centre.objects.order_by("pk").values_list("pk", flat=True)),
                PROVINCE: list(
                    Centre.objects.filter(province_id=ctx.province_code)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
            },
            regencies=list(
                Regency.objects.filter(province_id=ctx.province_code)
                .order_by("code")
                .values_list("code", flat=True)
            ),
        )


def _maybe(rng: random.Random, values: list[Any]) -> Any:
    """One of ``values`` half of the time, else no filter (as most officers leave it)."""
    return rng.choice(values) if values and rng.random() < 0.5 else None


def _query(rng: random.Random, level: str, choices: Choices) -> dict[str, Any]:
    preset = rng.choice(list(PRESETS))
    query: dict[str, Any] = {"period": preset}
    if preset == "custom":
        span = (choices.today - choices.first_day).days
        start = choices.first_day + datetime.timedelta(days=rng.randint(0, span))
        end = min(start + datetime.timedelta(days=rng.randint(0, MAX_DAYS)), choices.today)
        query |= {"date_from": start.isoformat(), "date_to": end.isoformat()}
    picked = {
        "service_area": _maybe(rng, choices.areas),
        "mode": _maybe(rng, choices.modes),
        "centre": _maybe(rng, choices.centres.get(level, [])),
        "regency": _maybe(rng, choices.regencies) if level != NATIONAL else None,
    }
    return query | {name: value for name, value in picked.items() if value is not None}


def sample_urls(ctx: Context, *, samples: int, seed: int = SEED) -> dict[str, list[str]]:
    """``samples`` dashboard URLs per level, the same for the same seed and data."""
    rng, choices = random.Random(seed), Choices.of(ctx)
    keys = {NATIONAL: {}, PROVINCE: {"key": ctx.province_code}, CENTRE: {"key": ctx.centre_id}}
    urls: dict[str, list[str]] = {}
    for level in LEVELS:
        urls[level] = []
        for _ in range(samples):
            section = rng.choice(sections_for(level)).key
            kwargs = keys[level] | ({} if section == "overview" else {"section": section})
            query = _query(rng, level, choices)
            urls[level].append(
                f"{reverse(f'dashboards:{level}', kwargs=kwargs)}?{urlencode(query)}"
            )
    return urls


@dataclass
class View:
    url: str
    status: int
    ms: float
    queries: int | None
    floor_ms: float  # the floor requested right after it


def measure(
    client: Client,
    ctx: Context,
    *,
    samples: int,
    seed: int = SEED,
    empty_cache: Callable[[], None] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Each sampled view once, cold; the result as the JSON keeps it (``summary`` per level)."""
    floor_path = reverse("ping")
    views: dict[str, list[View]] = {}
    for level, urls in sample_urls(ctx, samples=samples, seed=seed).items():
        views[level] = []
        for url in urls:
            # The bench's own cache database (Redis db 12): nothing kept answers this view.
            (empty_cache or cache.clear)()
            reply = client.get(url)
            floor = client.get(floor_path)
            views[level].append(
                View(url, reply.status, reply.seconds * 1000, reply.queries, floor.seconds * 1000)
            )
        found = summary(views[level])
        log(
            f"cold dashboards, {level}: median {found['median_ms']:.0f} ms, max {found['max_ms']:.0f} ms"
        )
    return {
        "seed": seed,
        "samples": samples,
        "levels": {
            level: {"summary": summary(found), "views": [asdict(view) for view in found]}
            for level, found in views.items()
        },
    }


def summary(views: list[View]) -> dict[str, Any]:
    times = Stats.of([view.ms / 1000 for view in views])
    return {
        **asdict(times),
        "max_ms": max(view.ms for view in views),
        "floor_ms": statistics.median(view.floor_ms for view in views),
        "over_1s": sum(view.ms > SLOW_MS for view in views),
        "errors": sum(view.status != 200 for view in views),
    }


def table(cold: dict[str, Any], baseline: Result | None = None) -> str:
    """The printed block; ``baseline``: a run at another scale, for the growth column."""
    before = baseline.extra.get("dashboards_cold") if baseline else None
    growth = f"  growth vs {baseline.scale:g}" if baseline and before else ""
    lines = [
        f"\nCold first views of the dashboards: {cold['samples']} random filter combinations "
        f"per level (seed {cold['seed']}), the cache emptied before each, as the national account "
        "(errors: answers other than 200)",
        f"{'level':<10} {'n':>3} {'med ms':>8} {'p95 ms':>8} {'max ms':>8} {'fl ms':>6}"
        f" {'med/fl':>7} {'p95/fl':>7} {'max/fl':>7} {'>1 s':>5} {'errors':>6}" + growth,
    ]
    slowest = []
    for level, found in cold["levels"].items():
        numbers = found["summary"]
        floor = numbers["floor_ms"]
        row = (
            f"{level:<10} {numbers['count']:>3} {numbers['median_ms']:8.1f} "
            f"{numbers['p95_ms']:8.1f} {numbers['max_ms']:8.1f} {floor:6.1f} "
            f"{numbers['median_ms'] / floor:6.1f}x {numbers['p95_ms'] / floor:6.1f}x "
            f"{numbers['max_ms'] / floor:6.1f}x {numbers['over_1s']:>5} {numbers['errors']:>6}"
        )
        if before and level in before["levels"]:
            # In multiples of each run's own floor, as the pages' growth column.
            then = before["levels"][level]["summary"]
            ratio = (numbers["median_ms"] / floor) / (then["median_ms"] / then["floor_ms"])
            row += f"  {ratio:12.2f}x"
        lines.append(row)
        ordered = sorted(found["views"], key=lambda view: -view["ms"])[:SLOWEST]
        slowest += [f"  {level:<9} {view['ms']:8.0f} ms  {view['url']}" for view in ordered]
    lines.append(f"The slowest {SLOWEST} views of each level:")
    return "\n".join(lines + slowest)
