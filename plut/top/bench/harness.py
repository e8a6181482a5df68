"""The benchmark's measurements, independent of how the portal is served.

``measure`` takes a ``Client``: ``HttpClient`` talks to gunicorn over 127.0.0.1 (``make bench``);
``InProcessClient`` drives Django's test client in this process (the CI test on SQLite). Both
report the status, the body, the wall time and the SQL query count of each response (from the
``X-Query-Count`` header of ``plut.top.bench.middleware``), so the same code measures both.

Every page is timed a bounded number of times, after untimed warm-up requests (four per server
process), and reported as its
median and 95th percentile, in milliseconds and as a multiple of the floor (a logged-in page
that does nothing). Nothing here asserts a timing: a benchmark prints, it does not fail.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import random
import re
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin

from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse

HEADER = "X-Query-Count"
BENCH_PASSWORD = "bench-Pl0t-2026"  # a throwaway benchmark database


# --- Clients --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    text: str
    seconds: float
    queries: int | None
    location: str = ""


class Client(Protocol):
    def get(self, path: str) -> Reply: ...

    def post(self, path: str, data: dict[str, str]) -> Reply: ...

    def login(self, username: str, password: str) -> None: ...


class HttpClient:
    """A browser-like session against a served portal (cookies, CSRF token, no redirects)."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        # A GET on a kept-alive connection that the server has just closed is sent again
        # once (never a POST): with one thread per worker gunicorn closes idle connections,
        # and the floor's probe during the booking load died of it.
        self.session.mount(
            "http://", HTTPAdapter(max_retries=Retry(total=1, allowed_methods={"GET"}))
        )
        self.timeout = timeout

    def _reply(self, response: Any, seconds: float) -> Reply:
        count = response.headers.get(HEADER)
        return Reply(
            status=response.status_code,
            text=response.text,
            seconds=seconds,
            queries=int(count) if count is not None else None,
            location=response.headers.get("Location", ""),
        )

    def get(self, path: str) -> Reply:
        started = time.perf_counter()
        response = self.session.get(
            self.base_url + path, timeout=self.timeout, allow_redirects=False
        )
        return self._reply(response, time.perf_counter() - started)

    def post(self, path: str, data: dict[str, str]) -> Reply:
        token = self.session.cookies.get("csrftoken", "")
        started = time.perf_counter()
        response = self.session.post(
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base_url + path},
            timeout=self.timeout,
            allow_redirects=False,
        )
        return self._reply(response, time.perf_counter() - started)

    def login(self, username: str, password: str) -> None:
        login = reverse("login")
        self.get(login)
        reply = self.post(login, {"username": username, "password": password})
        if reply.status != 302:
            raise RuntimeError(f"Login of {username} failed: HTTP {reply.status}")


class InProcessClient:
    """Django's test client: the same middleware and views, without a server."""

    def __init__(self) -> None:
        from django.test import Client as DjangoClient

        self.client = DjangoClient()

    def _reply(self, response: Any, seconds: float) -> Reply:
        count = response.headers.get(HEADER)
        body = b"".join(response) if response.streaming else response.content
        return Reply(
            status=response.status_code,
            text=body.decode(errors="replace"),
            seconds=seconds,
            queries=int(count) if count is not None else None,
            location=response.headers.get("Location", ""),
        )

    def get(self, path: str) -> Reply:
        started = time.perf_counter()
        response = self.client.get(path)
        return self._reply(response, time.perf_counter() - started)

    def post(self, path: str, data: dict[str, str]) -> Reply:
        started = time.perf_counter()
        response = self.client.post(path, data)
        return self._reply(response, time.perf_counter() - started)

    def login(self, username: str, password: str) -> None:
        from plut.foundation.accounts.models import User

        self.client.force_login(User.objects.get(username=username))


# --- Statistics -----------------------------------------------------------------------------


@dataclass
class Stats:
    median_ms: float
    p95_ms: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Stats:
        ordered = sorted(seconds)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return cls(statistics.median(ordered) * 1000, p95 * 1000, len(ordered))


@dataclass
class PageResult:
    label: str
    path: str
    status: int
    queries: int | None
    stats: Stats | None
    note: str = ""
    floor: Stats | None = None  # timed alternately with this page (see measure_page)

    def ratio_floor(self, overall: Stats) -> Stats:
        return self.floor or overall


@dataclass
class BookingResult:
    clients: int
    seconds: float
    attempts: int
    booked: int
    taken: int
    errors: int
    stats: Stats | None
    double_bookings: int
    # The floor page timed during the load by one more client: what any request waits then.
    floor_under_load: Stats | None = None
    # Clients that stopped because the centre's calendar had no free slot left.
    no_slots: int = 0
    # Seconds each client waited between its steps (lowest, highest): 0 is an overload, where
    # 50 clients queue for 2 cores and the p95 is the queue's length; people read the slots
    # and fill in the form between requests.
    think: tuple[float, float] = (0.0, 0.0)

    @property
    def per_second(self) -> float:
        return self.booked / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    scale: float
    floor: Stats
    pages: list[PageResult] = field(default_factory=list)
    booking: BookingResult | None = None  # the overload: no pause between steps
    booking_paced: BookingResult | None = None  # owners pausing as people do
    worker_peak_rss_mb: float | None = None
    generation_seconds: float | None = None
    rows: dict[str, int] = field(default_factory=dict)
    server: str = ""  # how gunicorn served the pages, e.g. "gunicorn, 5 workers (sync)"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    @classmethod
    def from_json(cls, text: str) -> Result:
        raw = json.loads(text)
        pages = [
            PageResult(
                **{
                    **p,
                    "stats": Stats(**p["stats"]) if p["stats"] else None,
                    "floor": Stats(**p["floor"]) if p.get("floor") else None,
                }
            )
            for p in raw.pop("pages")
        ]
        bookings = {key: _booking_from(raw.pop(key, None)) for key in ("booking", "booking_paced")}
        return cls(**{**raw, "floor": Stats(**raw["floor"]), "pages": pages, **bookings})


def _booking_from(raw: dict[str, Any] | None) -> BookingResult | None:
    if not raw:
        return None
    loaded = raw.get("floor_under_load")
    return BookingResult(
        **{
            **raw,
            "stats": Stats(**raw["stats"]) if raw["stats"] else None,
            "floor_under_load": Stats(**loaded) if loaded else None,
            "think": tuple(raw.get("think", (0.0, 0.0))),
        }
    )


# --- What is measured -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The ids the pages are opened with, found in the generated data."""

    centre_id: int
    province_code: str
    enterprise_id: int
    area_code: str  # an area the centre's consultants cover: the free-slot page has slots
    filter_area: str  # the first area of all: the filtered list is the same page at any scale
    search: str  # a common word: one session in ten
    search_middling: str  # names about one client in a hundred
    search_rare: str  # one client's whole name
    month: str  # "2026-10": the last full month, for reports


@dataclass(frozen=True)
class PageSpec:
    label: str
    user: str  # which bench account opens it: "national" or "manager"
    url: Callable[[Context], str]
    # Follow "next" links this many times first and measure that page (a deep page).
    follow: int = 0


def _url(name: str, *args: Any, query: dict[str, Any] | None = None) -> Callable[[Context], str]:
    def build(ctx: Context) -> str:
        resolved = [a(ctx) if callable(a) else a for a in args]
        values = {k: v(ctx) if callable(v) else v for k, v in (query or {}).items()}
        path = reverse(name, args=resolved)
        return path + ("?" + urlencode(values) if values else "")

    return build


def _first(*names: str, query: dict[str, Any] | None = None) -> Callable[[Context], str]:
    """The first of several URL names that exists (the API's names are still settling)."""

    def build(ctx: Context) -> str:
        for name in names:
            try:
                return _url(name, query=query)(ctx)
            except NoReverseMatch:
                continue
        raise NoReverseMatch(f"none of {names}")

    return build


def _centre(ctx: Context) -> int:
    return ctx.centre_id


def _province(ctx: Context) -> str:
    return ctx.province_code


DEEP = 20
# The key pages. A page whose URL does not exist (yet) is reported as "n/a", not an error.
PAGES: list[PageSpec] = [
    PageSpec("dashboard: national", "national", _url("dashboards:national")),
    PageSpec("dashboard: province", "national", _url("dashboards:province", _province)),
    PageSpec("dashboard: centre", "manager", _url("dashboards:centre", _centre)),
    PageSpec("sessions: first page", "national", _url("mentoring:session_list")),
    PageSpec("sessions: deep page", "national", _url("mentoring:session_list"), follow=DEEP),
    PageSpec(
        "sessions: search",
        "national",
        _url("mentoring:session_list", query={"q": lambda ctx: ctx.search}),
    ),
    PageSpec(
        "sessions: search, middling",
        "national",
        _url("mentoring:session_list", query={"q": lambda ctx: ctx.search_middling}),
    ),
    PageSpec(
        "sessions: search, rare",
        "national",
        _url("mentoring:session_list", query={"q": lambda ctx: ctx.search_rare}),
    ),
    PageSpec(
        "sessions: filtered",
        "national",
        _url(
            "mentoring:session_list",
            query={"centre": _centre, "service_area": lambda ctx: ctx.filter_area},
        ),
    ),
    PageSpec("sessions: centre staff", "manager", _url("mentoring:session_list")),
    PageSpec("enterprises: first page", "national", _url("cooperatives:enterprise_list")),
    PageSpec("cooperatives: first page", "national", _url("cooperatives:cooperative_list")),
    PageSpec(
        "enterprise profile",
        "national",
        _url("mentoring:enterprise_profile", lambda ctx: ctx.enterprise_id),
    ),
    PageSpec(
        "free slots (public)",
        "national",
        _url(
            "booking:start",
            _centre,
            query={"area": lambda ctx: ctx.area_code, "mode": "in_person"},
        ),
    ),
    PageSpec(
        "admin: session changelist", "national", _url("admin:mentoring_mentoringsession_changelist")
    ),
    PageSpec("api: sessions", "national", _first("api:session-list", "api:mentoringsession-list")),
    PageSpec(
        "api: sessions deep",
        "national",
        _first("api:session-list", "api:mentoringsession-list"),
        follow=DEEP,
    ),
    PageSpec("api: enterprises", "national", _first("api:enterprise-list")),
    PageSpec("api: enterprises deep", "national", _first("api:enterprise-list"), follow=DEEP),
    PageSpec("api: bookings", "national", _first("api:booking-list")),
]

_NEXT_HTML = re.compile(r'href="([^"]*[?&](?:amp;)?cursor=[^"]+)"')


def next_link(reply: Reply, current: str) -> str | None:
    """The next page of a list: a JSON API's ``next``, or an HTML page's cursor link."""
    text = reply.text.lstrip()
    if text.startswith("{"):
        try:
            following = json.loads(text).get("next")
        except ValueError:
            return None
        if not following:
            return None
        return re.sub(r"^https?://[^/]+", "", following)
    for match in _NEXT_HTML.finditer(reply.text):
        link = html.unescape(match.group(1))
        # The "first page" link drops the cursor; "next" carries a non-empty one.
        if re.search(r"[?&]cursor=[^&]", link):
            return urljoin(current, link)
    return None


# A page is timed at most this long (after its warm-up): a slow page gets fewer requests.
PAGE_BUDGET_SECONDS = 60.0


def measure_page(
    client: Client,
    path: str,
    requests: int,
    floor_path: str,
    warmups: int = 1,
    *,
    floor_client: Client | None = None,
    budget: float = PAGE_BUDGET_SECONDS,
) -> tuple[Reply, Stats | None, Stats | None]:
    """The page's times and, alternately with them, the floor's through the same client (or
    ``floor_client``: the floor of a signed-in user, beside a page for anonymous visitors).

    The floor drifts widely from one minute to the next on this hardware, with the same code
    (docs/performance.md#measurements-behind-the-codes-shape): a floor timed once at the start
    made every ratio depend on when it was taken. Taken request by request beside the page, both
    see the same machine.

    ``warmups`` untimed requests first (the last one's status and query count are reported):
    each server process opens its database connection and loads what it keeps on its first
    request of a kind, and with several processes one warm-up would leave the others cold.
    They too stop after ``budget`` seconds: a page that slow is slow, warm or not, and twenty
    routes of seconds would hold the walk of every route for an hour.
    """
    deadline = time.monotonic() + budget
    for _ in range(warmups):
        first = client.get(path)
        if first.status != 200:
            return first, None, None
        if time.monotonic() > deadline:
            break
    count = max(1, min(requests, int(budget / max(first.seconds, 1e-3))))
    page, floor = [], []
    for _ in range(count):
        page.append(client.get(path).seconds)
        floor.append((floor_client or client).get(floor_path).seconds)
    return first, Stats.of(page), Stats.of(floor)


def measure(
    clients: dict[str, Client],
    ctx: Context,
    *,
    requests: int,
    pages: Sequence[PageSpec] = PAGES,
    only: Sequence[str] = (),
    warmups: int = 1,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[Stats, list[PageResult]]:
    ping = reverse("ping")
    floor_reply, floor, _again = measure_page(
        clients["national"], ping, requests, ping, warmups=warmups
    )
    if floor is None:
        raise RuntimeError(f"The floor page answered HTTP {floor_reply.status}: not logged in?")
    log(f"floor: median {floor.median_ms:.1f} ms, p95 {floor.p95_ms:.1f} ms")
    results = []
    for spec in pages:
        if only and not any(word in spec.label for word in only):
            continue
        try:
            path = spec.url(ctx)
        except NoReverseMatch:
            results.append(PageResult(spec.label, "", 0, None, None, "n/a: no such URL yet"))
            continue
        client = clients[spec.user]
        note = ""
        for depth in range(spec.follow):
            following = next_link(client.get(path), path)
            if following is None:
                note = f"only {depth + 1} pages"
                break
            path = following
        reply, stats, beside = measure_page(client, path, requests, ping, warmups=warmups)
        if stats is None:
            note = note or f"HTTP {reply.status}"
        results.append(
            PageResult(spec.label, path, reply.status, reply.queries, stats, note, beside)
        )
        shown = f"{stats.median_ms:.1f} ms (floor {beside.median_ms:.1f})" if stats else note
        log(f"{spec.label}: {shown}, {reply.queries} queries")
    return floor, results


def monthly_report(province_code: str, month: datetime.date, repeats: int) -> tuple[Stats, Stats]:
    """The monthly report of one province, computed as its Celery task does (every section's
    figures and rows), timed in this process: the files' rendering is left out.

    Two numbers: computed from the data (the data version is moved before each run, so no
    snapshot answers), and read from the dashboard snapshots Celery keeps (the first run
    keeps them, the others are timed)."""
    from plut.foundation.regions.models import Province
    from plut.top.dashboards.snapshots import data_changed
    from plut.top.reports.models import ReportLevel
    from plut.top.reports.services import report_request, report_sections

    report = report_request(
        level=ReportLevel.PROVINCE, month=month, province=Province.objects.get(pk=province_code)
    )
    cold = []
    for _ in range(repeats):
        data_changed()
        started = time.perf_counter()
        report_sections(report)
        cold.append(time.perf_counter() - started)
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        report_sections(report)
        warm.append(time.perf_counter() - started)
    return Stats.of(cold), Stats.of(warm)


def warm_dashboards(ctx: Context) -> dict[str, float]:
    """Compute the measured dashboards' default views the way the hourly Celery job does, and
    how long each place took (seconds): what an officer waits for when no snapshot exists."""
    from clinics.models import Centre
    from plut.foundation.regions.models import Province
    from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, Place, SystemReader
    from plut.top.dashboards.sections import sections_for
    from plut.top.dashboards.snapshots import data_changed, default_filters, section_figures

    centre = Centre.objects.select_related("province").get(pk=ctx.centre_id)
    places = {
        "national": Place(NATIONAL),
        "province": Place(PROVINCE, province=Province.objects.get(pk=ctx.province_code)),
        "centre": Place(CENTRE, province=centre.province, centre=centre),
    }
    data_changed()
    seconds = {}
    for label, place in places.items():
        started = time.perf_counter()
        for section in sections_for(place.level):
            section_figures(SystemReader(), place, section, default_filters(place), stale_ok=False)
        seconds[label] = round(time.perf_counter() - started, 1)
    return seconds


# --- Booking under load ---------------------------------------------------------------------

# A slot in a link of the public page: slot=2026-12-01T01%3A00%3A00Z (UTC, URL-encoded).
_SLOT = re.compile(r"slot=(\d{4}-\d{2}-\d{2}T[0-9:%A]+Z)")


def _slots(reply: Reply) -> list[str]:
    found = []
    for raw in _SLOT.findall(reply.text):
        value = raw.replace("%3A", ":")
        if value not in found:
            found.append(value)
    return found


def double_bookings(since: datetime.datetime) -> int:
    """Active bookings of one consultant that overlap, buffers included (what each holds),
    among those made since ``since``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*) FROM mentoring_booking a
            JOIN mentoring_booking b
              ON b.consultant_id = a.consultant_id AND b.id <> a.id
             AND b.status IN ('requested', 'confirmed')
             AND b.starts_at < a.held_until AND a.starts_at < b.held_until
            WHERE a.created_at >= %s AND a.consultant_id IS NOT NULL
              AND a.status IN ('requested', 'confirmed')
            """,
            [connection.ops.adapt_datetimefield_value(since)],
        )
        return cursor.fetchone()[0]


# The businesses the load's owners register, and nothing else, are named so.
LOAD_BUSINESS = "Usaha Uji "


def _remove_load(ctx: Context, since: datetime.datetime | None = None) -> None:
    """Take the run's bookings (and the businesses it registered) out again, once counted:
    left in place they would fill the centre's calendar, and the next run find no slot.
    Without ``since``, those of any run: one that was interrupted left them (session 9's
    next run found its overload out of slots after 94 bookings)."""
    from cooperatives.models import Enterprise, Person
    from mentoring.models import Booking

    made = Booking.objects.filter(
        centre_id=ctx.centre_id, enterprise__name__startswith=LOAD_BUSINESS
    )
    if since is not None:
        made = made.filter(created_at__gte=since)
    enterprises = Enterprise.objects.filter(
        pk__in=made.values("enterprise_id"), name__startswith=LOAD_BUSINESS
    )
    owners = Person.objects.filter(
        pk__in=enterprises.values("owner_id"), full_name__startswith="Pemilik Uji "
    )
    with transaction.atomic():
        owner_ids = list(owners.values_list("pk", flat=True))
        enterprise_ids = list(enterprises.values_list("pk", flat=True))
        made.delete()
        Enterprise.objects.filter(pk__in=enterprise_ids).delete()
        Person.objects.filter(pk__in=owner_ids).delete()


def booking_load(
    make_client: Callable[[], Client],
    ctx: Context,
    *,
    clients: int,
    seconds: float,
    regency_id: str,
    floor_client: Client | None = None,
    think: tuple[float, float] = (0.0, 0.0),
    log: Callable[[str], None] = lambda line: None,
) -> BookingResult:
    """``clients`` owners at once, for ``seconds``, each booking one of the first few free slots
    of one centre and area (so they collide), through the public pages, waiting a random
    ``think`` (seconds, lowest and highest) before each step."""
    from django.utils import timezone

    start_path = (
        reverse("booking:start", args=[ctx.centre_id])
        + "?"
        + urlencode({"area": ctx.area_code, "mode": "in_person"})
    )
    details = reverse("booking:details", args=[ctx.centre_id])
    _remove_load(ctx)  # what an interrupted run left
    since = timezone.now()
    latencies: list[float] = []
    counts = {"attempts": 0, "booked": 0, "taken": 0, "errors": 0, "no_slots": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def owner(number: int) -> None:
        rng = random.Random(number)
        client = make_client()
        attempt = 0

        def pause() -> None:
            if think[1]:
                time.sleep(rng.uniform(*think))

        try:
            while time.monotonic() < deadline:
                reply = client.get(start_path)
                slots = _slots(reply)[:4]
                if not slots:
                    with lock:
                        counts["no_slots" if reply.status == 200 else "errors"] += 1
                    break
                slot = rng.choice(slots)
                query = urlencode({"area": ctx.area_code, "mode": "in_person", "slot": slot})
                pause()  # choosing a slot
                client.get(f"{details}?{query}")  # the form, and its CSRF cookie
                pause()  # filling it in
                attempt += 1
                reply = client.post(
                    f"{details}?{query}",
                    {
                        "name": f"{LOAD_BUSINESS}{number}-{attempt}",
                        "nib": "",
                        "regency": regency_id,
                        "owner_name": f"Pemilik Uji {number}",
                        "phone": f"+62813{number:03d}{attempt:05d}",
                        "email": "",
                        "description": "Uji beban pemesanan.",
                        "consent": "on",
                        "website": "",
                    },
                )
                with lock:
                    counts["attempts"] += 1
                    latencies.append(reply.seconds)
                    if reply.status == 302:
                        counts["booked"] += 1
                    elif reply.status in (200, 409):  # the slot went to someone else
                        counts["taken"] += 1
                    else:
                        counts["errors"] += 1
        finally:
            connection.close()  # in-process clients open one per thread

    floor_latencies: list[float] = []

    def floor_probe() -> None:
        try:
            while time.monotonic() < deadline:
                floor_latencies.append(floor_client.get(reverse("ping")).seconds)
                time.sleep(0.2)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=owner, args=(n,)) for n in range(clients)]
    if floor_client is not None:
        threads.append(threading.Thread(target=floor_probe))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    result = BookingResult(
        clients=clients,
        seconds=elapsed,
        stats=Stats.of(latencies) if latencies else None,
        double_bookings=double_bookings(since),
        floor_under_load=Stats.of(floor_latencies) if floor_latencies else None,
        think=think,
        **counts,
    )
    _remove_load(ctx, since)
    log(
        f"booking: {result.booked} booked, {result.taken} taken, {result.errors} errors "
        f"in {elapsed:.1f} s; double bookings: {result.double_bookings}"
    )
    return result


# --- The table ------------------------------------------------------------------------------


def _booking_lines(b: BookingResult, floor: Stats) -> list[str]:
    how = (
        f"each pausing {b.think[0]:g}-{b.think[1]:g} s before each step"
        if b.think[1]
        else "no pause between steps (an overload)"
    )
    lines = [
        f"\nBooking under load: {b.clients} clients for {b.seconds:.0f} s, {how}: "
        f"{b.attempts} attempts, {b.booked} booked ({b.per_second:.1f}/s), "
        f"{b.taken} found their slot taken, {b.no_slots} found no free slot left, "
        f"{b.errors} errors"
    ]
    if b.stats:
        lines.append(
            f"  POST median {b.stats.median_ms:.0f} ms, p95 {b.stats.p95_ms:.0f} ms "
            f"= {b.stats.p95_ms / floor.median_ms:.1f}x the floor"
        )
    if b.stats and b.floor_under_load:
        loaded = b.floor_under_load
        lines.append(
            f"  the floor during the load: median {loaded.median_ms:.0f} ms, "
            f"p95 {loaded.p95_ms:.0f} ms; POST p95 = "
            f"{b.stats.p95_ms / loaded.median_ms:.1f}x that median"
        )
    lines.append(f"  double bookings (SQL): {b.double_bookings}")
    return lines


def _times(stats: Stats | None, floor: Stats) -> str:
    if stats is None:
        return ""
    return (
        f"{stats.median_ms:8.1f} {stats.p95_ms:8.1f} {floor.median_ms:6.1f} "
        f"{stats.median_ms / floor.median_ms:6.1f}x {stats.p95_ms / floor.median_ms:6.1f}x"
    )


def table(result: Result, baseline: Result | None = None) -> str:
    """The printed report. ``baseline``: a run at another scale, for the growth column."""
    base = {p.label: p for p in baseline.pages} if baseline else {}
    growth_head = f" growth vs {baseline.scale:g}" if baseline else ""
    # The route walk's labels ("route mentoring:follow_up_list [provincial]") are longer.
    width = max([28, *(len(page.label) for page in result.pages)])
    lines = [
        f"Scale {result.scale:g}"
        + (f", rows: {sum(result.rows.values()):,}" if result.rows else "")
        + (
            f", generated in {result.generation_seconds:.0f} s" if result.generation_seconds else ""
        ),
        *([f"Server: {result.server}"] if result.server else []),
        f"Floor (logged-in trivial page): median {result.floor.median_ms:.1f} ms, "
        f"p95 {result.floor.p95_ms:.1f} ms ({result.floor.count} requests); each page's ratios"
        " divide by the floor timed alternately with it (fl ms)",
        "",
        f"{'page':<{width}} {'SQL':>4} {'n':>3} {'med ms':>8} {'p95 ms':>8} {'fl ms':>6}"
        f" {'med/fl':>7} {'p95/fl':>7}" + growth_head,
    ]
    for page in result.pages:
        queries = "" if page.queries is None else str(page.queries)
        count = str(page.stats.count) if page.stats else ""
        row = (
            f"{page.label:<{width}} {queries:>4} {count:>3} "
            f"{_times(page.stats, page.ratio_floor(result.floor)) or page.note}"
        )
        previous = base.get(page.label)
        if previous and previous.stats and page.stats:
            # Growth in multiples of each run's own floor, so a busier machine does not count.
            ratio = (page.stats.median_ms / page.ratio_floor(result.floor).median_ms) / (
                previous.stats.median_ms / previous.ratio_floor(baseline.floor).median_ms
            )
            row += f"   {ratio:5.2f}x"
        if page.note and page.stats:
            row += f"  ({page.note})"
        lines.append(row)
    pages = {p.label: p for p in result.pages}
    admin, workspace = pages.get("admin: session changelist"), pages.get("sessions: first page")
    if admin and workspace and admin.stats and workspace.stats:
        lines.append(
            f"\nAdmin changelist / workspace session list: "
            f"{admin.stats.median_ms / workspace.stats.median_ms:.1f}x (median)"
        )
    for b in (result.booking, result.booking_paced):
        if b is not None:
            lines += _booking_lines(b, result.floor)
    if result.worker_peak_rss_mb:
        lines.append(f"\nPeak RSS of a gunicorn worker: {result.worker_peak_rss_mb:.0f} MB")
    warmed = result.extra.get("dashboard_snapshots")
    if warmed:
        lines.append(
            "\nDashboard snapshots computed ahead (every section, default filters; Celery): "
            + ", ".join(f"{place} {seconds:.1f} s" for place, seconds in warmed.items())
        )
    for key, how in (
        ("monthly_report", "computed from the data"),
        ("monthly_report_snapshots", "from the snapshots Celery keeps"),
    ):
        report = result.extra.get(key)
        if not report:
            continue
        line = f"Monthly report, one province, {how}: median {report['median_ms']:.0f} ms"
        if baseline and baseline.extra.get(key):
            ratio = report["median_ms"] / baseline.extra[key]["median_ms"]
            line += f", {ratio:.2f}x the {baseline.scale:g} run"
        lines.append(line)
    # These have their own blocks (plut.top.bench: imports, routes, cold_dashboards, exports).
    shown = {
        "monthly_report",
        "monthly_report_snapshots",
        "dashboard_snapshots",
        "import",
        "routes",
        "dashboards_cold",
        "export",
    }
    for key, value in result.extra.items():
        if key not in shown:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
