"""``python -m plut.top.bench --scale 0.01`` (``make bench SCALE=0.01``): the benchmark, end to end.

1. Creates the PostgreSQL database ``BENCH_DATABASE_URL`` (default: one per scale on
   127.0.0.1) if missing, migrates it, and generates the data at the scale unless present.
2. Serves the portal with gunicorn on 127.0.0.1 (PostgreSQL, Redis cache and broker, DEBUG off,
   the query-count header on), logs in as every role, and measures the floor and every key
   page; exports all sessions (``--export``, plut/top/bench/exports.py); opens every other GET
   route as every role (``--routes``, plut/top/bench/routes.py); and times cold first views of
   random dashboard filters (``--dashboard-samples``, plut/top/bench/cold_dashboards.py).
3. Books under load (``--booking-clients`` owners for ``--booking-seconds``) and counts double
   bookings in SQL; reads the peak memory of the gunicorn workers.
4. Times the bulk import of ``--import-rows`` enterprises against PostgreSQL COPY of the same
   rows, then against importing the same file again and a changed one (plut/top/bench/imports.py),
   rolled back.
5. Prints the table, saves it as JSON under var/bench/, and compares with a saved run at
   another scale (the growth column).

It never fails on a timing: only on a broken setup (a page that errors still gets a row).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "var" / "bench"
STATEMENT_TIMEOUT_MS = 120_000


def _scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_").replace("-", "_")


def _environment(args: argparse.Namespace) -> dict[str, str]:
    database = os.environ.get(
        "BENCH_DATABASE_URL",
        f"postgres://postgres@127.0.0.1:5432/plut_bench_{_scale_tag(args.scale)}",
    )
    return {
        "DATABASE_URL": database,
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", secrets.token_urlsafe(48)),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        # 50 owners book from one address: the per-address limit would stop the test itself.
        "RATELIMIT_BOOKING_PER_IP": "100000000",
        "RATELIMIT_BOOKING_PER_CONTACT": "100000000",
        "LOG_LEVEL": "ERROR",
        # Static files come from the source folders (plut.top.bench.settings); an empty root
        # keeps WhiteNoise from warning about a missing one.
        "STATIC_ROOT": str(OUT / "static"),
    }


def _with_statement_timeout(url: str) -> str:
    """The served portal's database URL with a statement timeout, so a page that would scan
    for an hour costs --page-timeout seconds of the machine, then shows as an error row."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-c%20statement_timeout%3D{STATEMENT_TIMEOUT_MS}"


def _create_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start listening")


def _workers(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def _started_workers(master: int, seconds: float = 30) -> int:
    """How many workers the master runs once it has started them all (its port opens first)."""
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        latest = len(_workers(master))
        if latest and latest == count:
            return count
        count = latest
        time.sleep(0.5)
    return count


def _peak_rss_mb(pids: list[int]) -> float | None:
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(peaks) if peaks else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plut.top.bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn worker processes (default: the image's, plut/deploy/gunicorn.conf.py)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread workers)"
    )
    parser.add_argument("--booking-clients", type=int, default=50)
    parser.add_argument("--booking-seconds", type=float, default=60)
    parser.add_argument(
        "--booking-think",
        default="2,6",
        help="lowest,highest seconds an owner pauses before each step of the paced run "
        "(choosing a slot, filling in the form); 0 skips the paced run",
    )
    parser.add_argument(
        "--baseline-scale", type=float, default=0.01, help="scale of the growth column's base"
    )
    parser.add_argument("--only", default="", help="comma-separated words: measure matching pages")
    parser.add_argument(
        "--import-rows", type=int, default=20_000, help="rows of the import benchmark (0: skip)"
    )
    parser.add_argument(
        "--routes",
        default="all",
        help="every GET route of the URL configuration as every role: 'all', 'none', or only "
        "those whose row label holds this text (e.g. 'mentoring:' or '[owner]')",
    )
    parser.add_argument(
        "--dashboard-samples",
        type=int,
        default=20,
        help="cold first views of random dashboard filters per level (0: skip)",
    )
    parser.add_argument(
        "--dashboard-seed",
        type=int,
        default=22,  # cold_dashboards.SEED: the same filters at every scale, for the growth
        help="seed of the random dashboard filters",
    )
    parser.add_argument(
        "--export",
        type=int,
        choices=(0, 1),
        help="export all sessions as the national user (default: 1 at scale 0.01 and above)",
    )
    args = parser.parse_args(argv)
    if args.export is None:
        args.export = int(args.scale >= 0.01)

    env = _environment(args)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "plut.top.bench.settings"
    (OUT / "static").mkdir(parents=True, exist_ok=True)
    _create_database(env["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from plut.top.bench import cold_dashboards, data, harness, routes
    from plut.top.bench import exports as export_bench
    from plut.top.bench import imports as import_bench

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    log(f"== database {urlparse(env['DATABASE_URL']).path.lstrip('/')}, scale {args.scale:g}")
    # The bench's own cache database: what an earlier run (maybe at another scale, with the
    # same place keys) left there must not answer for this one.
    from django.core.cache import cache

    cache.clear()
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    sizes = data.sizes_for(args.scale)
    generation_seconds, rows = data.ensure_data(sizes)
    log(f"vacuumed (dead rows of earlier runs): {data.vacuum_dead_rows() or 'nothing'}")
    centre = data.bench_accounts()
    ctx = data.context_for(centre)
    regency_id = centre.regency_id or centre.province.regencies.values_list("pk", flat=True)[0]

    port = _free_port()
    # The production image's server (its config file), on 127.0.0.1 and with a timeout past the
    # statement timeout's, so a slow page is measured rather than killed.
    server = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "plut.wsgi:application",
        f"--config={ROOT / 'plut' / 'deploy' / 'gunicorn.conf.py'}",
        f"--bind=127.0.0.1:{port}",
        f"--timeout={STATEMENT_TIMEOUT_MS // 1000 + 120}",
        "--access-logfile=/dev/null",
        "--log-level=warning",
    ]
    if args.workers:
        server.append(f"--workers={args.workers}")
    if args.threads > 1:
        server += ["--worker-class=gthread", f"--threads={args.threads}"]
    gunicorn = subprocess.Popen(
        server,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _with_statement_timeout(env["DATABASE_URL"])},
    )
    try:
        _wait_for(port, gunicorn)
        kind = f"{args.threads} threads each" if args.threads > 1 else "sync"
        workers = _started_workers(gunicorn.pid)
        server_shape = f"gunicorn, {workers} workers ({kind})"
        log(f"server: {server_shape}")
        base = f"http://127.0.0.1:{port}"
        clients = {}
        for role, username in data.ACCOUNTS.items():
            clients[role] = harness.HttpClient(base, timeout=STATEMENT_TIMEOUT_MS / 1000 + 60)
            clients[role].login(username, harness.BENCH_PASSWORD)
        clients["anonymous"] = harness.HttpClient(base, timeout=STATEMENT_TIMEOUT_MS / 1000 + 60)
        only = [word.strip() for word in args.only.split(",") if word.strip()]
        # As in production, where Celery computes every place's default dashboard ahead.
        warmed = harness.warm_dashboards(ctx)
        log(f"dashboard snapshots computed ahead: {warmed}")
        # Each request goes to whichever worker is free: with four warm-ups per worker, the
        # chance that one of five workers saw none of a page's is about 6 %.
        floor, pages = harness.measure(
            clients, ctx, requests=args.requests, only=only, warmups=4 * workers, log=log
        )
        result = harness.Result(
            scale=args.scale,
            floor=floor,
            pages=pages,
            generation_seconds=generation_seconds,
            rows=rows,
            server=server_shape,
            extra={"dashboard_snapshots": warmed},
        )
        if args.export:
            # Before the route walk, so the job's page has an id to be opened with.
            exported = export_bench.measure(clients["national"], log=log)
            result.extra["export"] = exported.as_dict()
        if args.routes != "none":
            walked, report = routes.measure(
                clients,
                ctx,
                centre,
                requests=args.requests,
                pages=harness.PAGES,
                match="" if args.routes == "all" else args.routes,
                warmups=4 * workers,
                log=log,
            )
            result.pages += walked
            result.extra["routes"] = report.as_dict()
        if args.dashboard_samples:
            # After the pages: emptying the cache drops the snapshots they were read from.
            result.extra["dashboards_cold"] = cold_dashboards.measure(
                clients["national"],
                ctx,
                samples=args.dashboard_samples,
                seed=args.dashboard_seed,
                log=log,
            )
        if args.booking_clients and args.booking_seconds:
            parts = [float(part) for part in args.booking_think.split(",")]
            think = (parts[0], parts[-1])
            runs = {"booking": (0.0, 0.0), "booking_paced": think if any(think) else None}
            for name, pause in runs.items():
                if pause is None:
                    continue
                booked = harness.booking_load(
                    lambda: harness.HttpClient(base),
                    ctx,
                    clients=args.booking_clients,
                    seconds=args.booking_seconds,
                    regency_id=regency_id,
                    floor_client=clients["manager"],
                    think=pause,
                    log=log,
                )
                setattr(result, name, booked)
        result.worker_peak_rss_mb = _peak_rss_mb(_workers(gunicorn.pid))
        data.vacuum_dead_rows()  # the booking load's deleted rows
        month = datetime.date.fromisoformat(f"{ctx.month}-01")
        report, from_snapshots = harness.monthly_report(ctx.province_code, month, repeats=3)
        result.extra["monthly_report"] = asdict(report)
        result.extra["monthly_report_snapshots"] = asdict(from_snapshots)
        log(f"monthly report: median {report.median_ms:.0f} ms")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    imported, reimported = None, None
    if args.import_rows:
        imported = import_bench.measure(centre, args.import_rows, log=log)
        result.extra["import"] = imported.as_dict()
        data.vacuum_dead_rows()  # the rolled-back import's rows
        reimported = import_bench.measure_reimport(centre, args.import_rows, log=log)
        # Under "import", which the harness's table leaves to the import blocks.
        result.extra["import"]["again"] = [asdict(phase) for phase in reimported]
        data.vacuum_dead_rows()

    (OUT / f"result-{_scale_tag(args.scale)}.json").write_text(result.to_json())
    # Growth: against the saved run at --baseline-scale (1 %), when this run is another scale.
    saved = OUT / f"result-{_scale_tag(args.baseline_scale)}.json"
    baseline = None
    if args.baseline_scale != args.scale and saved.exists():
        baseline = harness.Result.from_json(saved.read_text())
    print(harness.table(result, baseline))
    if "routes" in result.extra:
        print(routes.table(result.extra["routes"]))
    if "dashboards_cold" in result.extra:
        print(cold_dashboards.table(result.extra["dashboards_cold"], baseline))
    if "export" in result.extra:
        print(export_bench.table(result.extra["export"]))
    if imported is not None:
        print(import_bench.table(imported))
    if reimported:
        print(import_bench.reimport_table(reimported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
