"""Every GET page of the URL configuration, opened as every role.

The key pages (``harness.PAGES``) are picked by hand for their special cases (deep pages,
searches); this walk adds every other route x role, so a page someone adds is measured without
anyone listing it. Each route is reversed with real ids: for each URL keyword the newest object
of the generated data the role may see (``plut.foundation.accounts.scope.visible_to``), the
bench centre's where it has one. What a role may open is what the portal answers: 200 is timed
like a key page; 403 and 404 (and being sent to sign in) mean "not open to that role", 405 a
form's POST-only endpoint. Nothing a route needs is dropped silently: a keyword no id can fill
is listed as "skipped: no id for <kwarg>".
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.db import models
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.urls.resolvers import RoutePattern

from clinics.models import Centre, ServiceArea, StaffMembership
from cooperatives.models import Cooperative, Enterprise, Person
from mentoring.models import (
    Booking,
    FollowUp,
    MentoringSession,
    Outcome,
    OutcomeCheckIn,
    SatisfactionSurvey,
)
from mentoring.selectors.bookings import manage_token
from mentoring.services.checkins import check_in_token
from mentoring.services.surveys import survey_token
from plut.foundation.accounts.models import User
from plut.foundation.accounts.scope import scope_of, visible_to
from plut.foundation.exports.models import ExportJob
from plut.foundation.regions.models import Province, Regency
from plut.top.api.models import ApiToken, ImportJob
from plut.top.bench.data import ACCOUNTS
from plut.top.bench.harness import Client, Context, PageResult, PageSpec, Reply, measure_page
from plut.top.dashboards.sections import sections_for
from plut.top.privacy.models import ErasureRequest
from plut.top.reports.models import Report

# The roles in the order the table shows them; "anonymous" is a visitor who has not signed in.
ROLES = ("national", "provincial", "manager", "consultant", "owner", "anonymous")
# A route is timed at most this often, and for at most this long after its warm-up.
ROUTE_REQUESTS = 10
ROUTE_BUDGET_SECONDS = 15.0


# --- The routes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "mentoring:follow_up_list"; an unnamed route is named by its path
    kwargs: tuple[str, ...]  # the keywords its URL captures
    defaults: dict[str, Any] = field(hash=False, compare=False)  # e.g. a dashboard's level
    named: bool = True
    path: str = ""  # an unnamed route's URL (it has no keywords: those are left out)
    label: str = ""  # the name, with its keywords where several routes share the name

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        return self.name, frozenset(self.kwargs)


@dataclass
class Walk:
    """The routes to open, and those left out by rule (a reason each, shown in the output)."""

    routes: list[Route] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


ADMIN_NOTE = "the admin (its session changelist is a key page)"
DOWNLOAD_NOTE = "file downloads (the session export is measured apart: --export)"
# Left out by name: signing out would end the client's session; the floor is the bench's own.
LEFT_OUT_NAMES = {
    "logout": "logout",
    "ping": "the floor (the bench's own page)",
    "exports:download": DOWNLOAD_NOTE,
}


def _left_out(name: str, path: str, kwargs: tuple[str, ...]) -> str:
    """Why a route is not opened, or "" when it is."""
    files = [(url or "").lstrip("/") for url in (settings.STATIC_URL, settings.MEDIA_URL)]
    if name.startswith("admin:") or (not name and path.startswith("admin/")):
        return ADMIN_NOTE
    if any(prefix and path.startswith(prefix) for prefix in files):
        return "static and media files"
    if name in LEFT_OUT_NAMES:
        return LEFT_OUT_NAMES[name]
    if "format" in kwargs:
        return "format suffixes (the same views as without one)"
    if "fmt" in kwargs:  # lists, dashboards and reports as CSV, XLSX or PDF files
        return DOWNLOAD_NOTE
    if not name and kwargs:
        return "unnamed routes with keywords (nothing to reverse them by)"
    return ""


def _patterns(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[tuple[str, str, tuple[str, ...], URLPattern]]:
    """(full name, full route, keywords, pattern) of every pattern, namespaces included."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        names = tuple(_keywords(pattern))
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            for name, full, kwargs, found in _patterns(pattern.url_patterns, route, inner):
                yield name, full, names + kwargs, found
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or "", route, names, pattern


def _keywords(pattern: URLPattern | URLResolver) -> list[str]:
    if isinstance(pattern.pattern, RoutePattern):
        return list(pattern.pattern.converters)
    return list(pattern.pattern.regex.groupindex)  # a re_path() (the API router's)


def url_routes() -> Walk:
    """Every route of the URL configuration, the first of any that shadow each other."""
    walk, seen = Walk(), set()
    for name, path, kwargs, pattern in _patterns(get_resolver().url_patterns, "", ""):
        reason = _left_out(name, path, kwargs)
        if reason:
            walk.left_out[reason].append(name or path)
            continue
        route = Route(
            name=name or "/" + path,
            kwargs=kwargs,
            defaults=dict(pattern.default_args),
            named=bool(name),
            path="" if name else "/" + path,
        )
        if route.key not in seen:  # else shadowed: the first of a name and keywords answers
            seen.add(route.key)
            walk.routes.append(route)
    shared = Counter(route.name for route in walk.routes)
    walk.routes = [
        replace(route, label=f"{route.name} ({', '.join(route.kwargs)})")
        if shared[route.name] > 1 and route.kwargs
        else replace(route, label=route.name)
        for route in walk.routes
    ]
    return walk


# --- The ids the routes are opened with ------------------------------------------------------


@dataclass(frozen=True)
class Visible:
    """``column`` of the newest row of ``model`` the role may see, the bench centre's if any."""

    model: type[models.Model]
    column: str = "pk"


@dataclass(frozen=True)
class Own:
    """The user's own row (downloads and API tokens are their requester's alone)."""

    model: type[models.Model]
    user_field: str


@dataclass(frozen=True)
class Token:
    """A signed link to the bench centre's first row of ``model`` (the owner's links)."""

    model: type[models.Model]
    sign: Callable[[Any], str]


Source = Visible | Own | Token


def _same(ids: dict[str, Source], *names: str) -> dict[str, dict[str, Source]]:
    """The same ids for several routes (a record's pages and its API detail)."""
    return dict.fromkeys(names, ids)


# What each route's ``pk`` (or other id) names. A route missing here is listed as
# "skipped: no id for <kwarg>" until someone adds it.
IDS: dict[str, dict[str, Source]] = {
    **_same(
        {"pk": Visible(MentoringSession)},
        "mentoring:session_detail",
        "mentoring:session_update",
        "mentoring:session_delete",
        "api:session-detail",
    ),
    **_same(
        {"pk": Visible(FollowUp)},
        "mentoring:follow_up_done",
        "mentoring:follow_up_delete",
        "api:follow-up-detail",
    ),
    **_same(
        {"pk": Visible(Enterprise)},
        "mentoring:enterprise_profile",
        "mentoring:outcome_create",
        "mentoring:enterprise_merge",
        "cooperatives:enterprise_edit",
        "api:enterprise-detail",
    ),
    **_same(
        {"pk": Visible(Outcome)},
        "mentoring:outcome_verify",
        "mentoring:outcome_update",
        "mentoring:outcome_delete",
        "api:outcome-detail",
    ),
    **_same(
        {"pk": Visible(Cooperative)},
        "mentoring:cooperative_profile",
        "cooperatives:cooperative_edit",
        "api:cooperative-detail",
    ),
    **_same(
        {"pk": Visible(Booking)},
        "mentoring:booking_detail",
        "mentoring:booking_delete",
        "mentoring:booking_action",
        "api:booking-detail",
        "api:booking-cancel",
        "api:booking-confirm",
        "api:booking-no-show",
        "api:booking-reschedule",
    ),
    **_same({"pk": Visible(Person)}, "cooperatives:person_edit", "api:person-detail"),
    **_same(
        {"pk": Visible(Centre)},
        "directory:centre_detail",
        "clinics:centre_edit",
        "clinics:centre_staff",
        "clinics:centre_whatsapp",
        "api:centre-detail",
        "api:centre-slots",
    ),
    # A staff member's pages are named by their user's id.
    **_same(
        {"pk": Visible(StaffMembership, "user_id")}, "clinics:team_member", "clinics:team_move"
    ),
    "clinics:availability_member": {"user_pk": Visible(StaffMembership, "user_id")},
    "booking:start": {"centre_pk": Visible(Centre)},
    "booking:details": {"centre_pk": Visible(Centre)},
    **_same(
        {"token": Token(Booking, manage_token)},
        "booking:done",
        "booking:manage",
        "booking:calendar",
    ),
    "booking:survey": {"token": Token(SatisfactionSurvey, survey_token)},
    "booking:check_in": {"token": Token(OutcomeCheckIn, check_in_token)},
    "privacy:nik_show": {"person_pk": Visible(Person)},
    "privacy:erasure_complete": {"pk": Visible(ErasureRequest)},
    "exports:job": {"pk": Own(ExportJob, "user")},
    "api_pages:token_revoke": {"pk": Own(ApiToken, "owner")},
    "api_pages:import_detail": {"pk": Visible(ImportJob)},
    "api:import-detail": {"pk": Visible(ImportJob)},
    "dashboards:reports:detail": {"pk": Visible(Report)},
    "dashboards:province": {"key": Visible(Province)},
    "dashboards:centre": {"key": Visible(Centre)},
    "api:province-detail": {"pk": Visible(Province)},
    "api:regency-detail": {"pk": Visible(Regency)},
    "api:service-area-detail": {"code": Visible(ServiceArea, "code")},
}


# Query parameters a route cannot answer without (a 400 otherwise), from the bench's context.
QUERIES: dict[str, Callable[[Context], dict[str, Any]]] = {
    "api:centre-slots": lambda ctx: {"area": ctx.area_code},
}


def _sees_through_scope(user: User, model: type[models.Model]) -> bool:
    """Whether the role's scope decides which rows of ``model`` it sees. Where it does not (a
    centre or a region for an owner, a model without scope paths), the rows are public or not
    the role's at all: the bench centre's is used, and the page answers for itself."""
    paths = getattr(model, "scope_paths", None)
    scope = scope_of(user)
    if paths is None:
        return False
    if scope.national:
        return True
    if scope.province_code:
        return paths.province is not None
    if scope.centre_id:
        return paths.centre is not None
    return scope.owner_user_id is not None and paths.owner is not None


def _bench_centres(model: type[models.Model], rows: models.QuerySet, centre: Centre) -> Any:
    """``rows`` of the bench centre (else of its province) where the model says how."""
    paths = getattr(model, "scope_paths", None)
    if paths is not None and paths.centre:
        return rows.filter(**{paths.centre: centre.pk})
    if paths is not None and paths.province:
        return rows.filter(**{paths.province: centre.province_id})
    if model is Regency:
        return rows.filter(province=centre.province_id)
    return rows


class Ids:
    """The value of each URL keyword for each role, looked up once."""

    def __init__(self, accounts: dict[str, User | None], centre: Centre) -> None:
        self.accounts = accounts
        self.centre = centre
        self._known: dict[tuple[Source, str], Any] = {}

    def value(self, source: Source, role: str) -> Any:
        if (source, role) not in self._known:
            self._known[source, role] = self._look_up(source, self.accounts.get(role))
        return self._known[source, role]

    def _look_up(self, source: Source, user: User | None) -> Any:
        if isinstance(source, Own):
            if user is None:
                return None
            rows = source.model._default_manager.filter(**{source.user_field: user})
            return rows.order_by("-pk").values_list("pk", flat=True).first()
        rows = source.model._default_manager.all()
        if isinstance(source, Token):  # a link works for whoever holds it
            pk = self._newest(source.model, rows, "pk")
            return None if pk is None else source.sign(rows.get(pk=pk))
        if user is not None and _sees_through_scope(user, source.model):
            rows = visible_to(user, rows)
        return self._newest(source.model, rows, source.column)

    def _newest(self, model: type[models.Model], rows: models.QuerySet, column: str) -> Any:
        """``column`` of the newest of ``rows`` at the bench centre, else of all of them."""
        for candidates in (_bench_centres(model, rows, self.centre), rows):
            value = candidates.order_by("-pk").values_list(column, flat=True).first()
            if value is not None:
                return value
        return None

    def kwargs(self, route: Route, role: str) -> tuple[dict[str, Any], str]:
        """The route's keywords for the role, or the first that no id fills."""
        filled: dict[str, Any] = {}
        sources = IDS.get(route.name, {})
        for name in route.kwargs:
            if name == "section" and "level" in route.defaults:
                # The route without the keyword shows the first section: open the next one.
                filled[name] = sections_for(route.defaults["level"])[1].key
                continue
            source = sources.get(name)
            value = None if source is None else self.value(source, role)
            if value is None:
                return filled, name
            filled[name] = value
        return filled, ""


# --- Measuring ------------------------------------------------------------------------------


def covered(pages: Sequence[PageSpec], ctx: Context) -> set[tuple[str, frozenset[str], str]]:
    """The (route, keywords, role) the key pages measure already."""
    keys = set()
    for spec in pages:
        try:
            match = resolve(spec.url(ctx).split("?")[0])
        except (NoReverseMatch, Resolver404):  # a key page whose URL does not exist (yet)
            continue
        keys.add((match.view_name, frozenset(match.captured_kwargs), spec.user))
    return keys


@dataclass
class RouteReport:
    """What the walk found beside the timed pages (those are PageResult rows of the table)."""

    routes: int = 0
    timed: int = 0
    left_out: dict[str, list[str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # "route [role]" -> where to
    post_only: list[str] = field(default_factory=list)
    not_open: dict[str, list[str]] = field(default_factory=dict)  # role -> routes
    skipped: dict[str, list[str]] = field(default_factory=dict)  # "no id for pk" -> "route [role]"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def answered(self, route: Route, role: str, reply: Reply) -> bool:
        """File an answer that was not a page to time; False for an error."""
        if reply.status in (401, 403, 404) or (
            reply.status in (301, 302) and urlparse(reply.location).path == reverse("login")
        ):
            self.not_open.setdefault(role, []).append(route.label)
        elif reply.status == 405:
            if route.label not in self.post_only:
                self.post_only.append(route.label)
        elif reply.status in (301, 302):
            self.redirects[f"{route.label} [{role}]"] = reply.location
        else:
            return False
        return True

    def skip(self, reason: str, item: str) -> None:
        self.skipped.setdefault(reason, []).append(item)


def accounts_by_role() -> dict[str, User | None]:
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS.values())}
    return {role: users.get(ACCOUNTS.get(role, "")) for role in ROLES}


def _path(route: Route, role: str, ids: Ids, ctx: Context, report: RouteReport) -> str | None:
    """The route's URL for the role, or None when it is skipped (and the report says why)."""
    kwargs, missing = ids.kwargs(route, role)
    if missing:
        report.skip(f"no id for {missing}", f"{route.label} [{role}]")
        return None
    if not route.named:
        return route.path
    try:
        path = reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:  # the route's pattern refuses the id (e.g. a dotted code)
        given = ", ".join(f"{name}={value}" for name, value in kwargs.items())
        report.skip("its pattern refuses the id", f"{route.label} [{role}] {given}")
        return None
    query = QUERIES[route.name](ctx) if route.name in QUERIES else {}
    return path + (f"?{urlencode(query)}" if query else "")


def measure(
    clients: dict[str, Client],
    ctx: Context,
    centre: Centre,
    *,
    requests: int,
    pages: Sequence[PageSpec],
    match: str = "",
    warmups: int = 1,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[list[PageResult], RouteReport]:
    """Open every route as every role (``match``: only routes whose label holds it), except
    those the key ``pages`` measure already."""
    walk = url_routes()
    ids, done, ping = Ids(accounts_by_role(), centre), covered(pages, ctx), reverse("ping")
    report = RouteReport(routes=len(walk.routes), left_out=dict(walk.left_out))
    results: list[PageResult] = []
    warm: set[tuple[str, frozenset[str]]] = set()
    for route in walk.routes:
        for role in ROLES:
            label = f"route {route.label} [{role}]"
            if (match and match not in label) or (*route.key, role) in done:
                continue
            path = _path(route, role, ids, ctx, report)
            if path is None:
                continue
            reply, stats, beside = measure_page(
                clients[role],
                path,
                min(requests, ROUTE_REQUESTS),
                ping,
                # The first role to open a route warms every worker (its code and templates);
                # the next roles' pages are the same view, and a quarter of that suffices.
                warmups=max(1, warmups // 4) if route.key in warm else warmups,
                # An anonymous visitor's page is divided by a signed-in user's floor: the floor
                # page itself asks to sign in.
                floor_client=clients["national"] if role == "anonymous" else None,
                budget=ROUTE_BUDGET_SECONDS,
            )
            if stats is not None:
                warm.add(route.key)
                results.append(
                    PageResult(label, path, reply.status, reply.queries, stats, "", beside)
                )
                log(f"{label}: {stats.median_ms:.1f} ms, {reply.queries} queries")
            elif not report.answered(route, role, reply):
                # An error: a row of the table, so nobody misses it.
                note = f"HTTP {reply.status}"
                results.append(PageResult(label, path, reply.status, reply.queries, None, note))
    report.timed = sum(1 for page in results if page.stats is not None)
    report.post_only.sort()
    report.not_open = {role: report.not_open[role] for role in ROLES if role in report.not_open}
    return results, report


# --- The table ------------------------------------------------------------------------------


def _wrapped(head: str, items: Sequence[str]) -> list[str]:
    return textwrap.wrap(
        f"{head}: {', '.join(items)}",
        width=110,
        initial_indent="  ",
        subsequent_indent="      ",
        break_on_hyphens=False,
    )


def table(report: dict[str, Any]) -> str:
    """The walk's lines beside the table: what was left out, not open, or skipped, and why."""
    not_open = report["not_open"]
    closed = sum(len(routes) for routes in not_open.values())
    skipped = sum(len(items) for items in report["skipped"].values())
    lines = [
        f"\nRoutes of the URL configuration: {report['routes']} routes; {report['timed']} "
        f"route x role pages timed (the 'route' rows above), {len(report['redirects'])} "
        f"redirects, {len(report['post_only'])} POST only, {closed} not open to the role, "
        f"{skipped} skipped"
    ]
    for reason, names in report["left_out"].items():
        shown = [f"{len(names)} routes"] if reason == ADMIN_NOTE else sorted(set(names))
        lines += _wrapped(f"left out, {reason}", shown)
    if report["redirects"]:
        lines += _wrapped(
            "redirects (not timed)",
            [f"{route} -> {where}" for route, where in report["redirects"].items()],
        )
    if report["post_only"]:
        lines += _wrapped("POST only (405, not timed)", report["post_only"])
    roles_of: dict[str, set[str]] = defaultdict(set)
    for role, routes in not_open.items():
        for route in routes:
            roles_of[route].add(role)
    nobody = sorted(route for route, roles in roles_of.items() if len(roles) == len(ROLES))
    if nobody:
        lines += _wrapped("not open to any role", nobody)
    for role, routes in not_open.items():
        rest = [route for route in routes if route not in nobody]
        if rest:
            lines += _wrapped(f"not open to {role} (403, 404 or sign in first)", rest)
    for reason, items in sorted(report["skipped"].items()):
        lines += _wrapped(f"skipped: {reason}", items)
    return "\n".join(lines)
