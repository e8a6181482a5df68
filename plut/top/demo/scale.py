"""National-scale data: the whole country's work for years, for benchmarks.

``generate_scale`` writes centres, consultants, cooperatives, enterprises (with their owners),
mentoring sessions (with their attendance), follow-ups, outcomes and bookings, deterministically
for a seed and a ``today``. It reuses the demo generator's vocabulary (names, business kinds,
topics, advice, office hours) so both look alike.

Speed: the small tables (centres, consultants) go through the ORM; the big ones are streamed as
rows with explicit primary keys, on PostgreSQL through ``COPY ... FROM STDIN`` (one statement
per table, fed by a generator, never a file or a list in memory), elsewhere (SQLite in tests)
through batched ``executemany``. Raw rows skip ``save()``, signals and the audit log, so this
module writes every column itself, leaves out generated columns (``Enterprise.scale``, which
PostgreSQL computes) and never places two overlapping bookings on one consultant (PostgreSQL's
exclusion constraint, mentoring migration 0004).
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from clinics.models import Centre, CentreLevel, ServiceArea, StaffMembership, WorkingHours
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    Mode,
    Outcome,
    OutcomeSource,
    SessionEnterprise,
    SessionFormat,
)
from plut.foundation.accounts.models import Role, User
from plut.foundation.core.copy import copy_rows
from plut.foundation.regions.models import Province, Regency
from plut.top.dashboards.facts import keep
from plut.top.demo.generator import (
    ADVICE,
    BUSINESS_KINDS,
    BUSINESS_SUFFIXES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    OFFICE_HOURS,
    TOPICS,
)

UTC = datetime.UTC
# Start hours of bookable slots inside OFFICE_HOURS (08-12, 13-16): seven a day.
SLOT_HOURS = tuple(hour for starts, ends in OFFICE_HOURS for hour in range(starts.hour, ends.hour))


@dataclass(frozen=True)
class Sizes:
    centres: int = 100
    consultants: int = 1_000
    cooperatives: int = 130_000
    enterprises: int = 1_000_000
    sessions: int = 5_000_000
    bookings: int = 1_000_000
    years: int = 5

    def scaled(self, factor: float) -> Sizes:
        """The client and work tables shrink with ``factor``; centres and staff stay national.

        Keeping ~100 centres and their consultants at every scale keeps the shape (rows per
        centre, per consultant) proportional, which is what makes 1 % comparable to 100 %.
        """

        def shrink(value: int) -> int:
            return max(1, round(value * factor))

        return replace(
            self,
            consultants=max(self.centres, shrink(self.consultants)),
            cooperatives=shrink(self.cooperatives),
            enterprises=shrink(self.enterprises),
            sessions=shrink(self.sessions),
            bookings=shrink(self.bookings),
        )


FULL = Sizes()


class Progress:
    """One line on stderr per table, rewritten in place: rows done, share, rows per second."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        # A terminal gets a bar redrawn in place; a log (CI, the benchmark) only the result.
        self.live = self.stream.isatty()
        self._next = max(1000, total // 100) if self.live else total + 1

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done >= self._next:
            self._next = self.done + max(1000, self.total // 100)
            self._draw("\r")

    def finish(self) -> float:
        self._draw("\r" if self.live else "")
        self.stream.write("\n")
        return time.monotonic() - self.started

    def _draw(self, prefix: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        share = self.done / self.total if self.total else 1
        bar = "#" * int(share * 30)
        self.stream.write(
            f"{prefix}{self.label:<28} [{bar:<30}] {self.done:>10,}/{self.total:,} "
            f"{self.done / elapsed:>9,.0f} rows/s {elapsed:6.1f}s"
        )
        self.stream.flush()


@dataclass
class Report:
    rows: dict[str, int]
    seconds: dict[str, float]
    # Where each table's progress line goes while the report fills (stderr by default).
    stream: TextIO | None = dataclasses.field(default=None, repr=False)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


# --- Writing rows ---------------------------------------------------------------------------


def _columns(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], list[Any]]:
    """The table's columns in insert order: the given fields, then every other stored field
    with its default (so a field someone adds later does not break the raw insert)."""
    names = list(given)
    extra_values = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.GeneratedField) or field.attname in names:
            continue
        # The field's default, or "" for a blank text field, or NULL for a nullable one.
        value = field.get_default()
        if value is None and not field.null:
            raise ValueError(f"{model.__name__}.{field.name} needs a value in the scale generator")
        names.append(field.attname)
        extra_values.append(value)
    return [model._meta.get_field(n).column if n != "id" else "id" for n in names], extra_values


def _write(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    total: int,
    report: Report,
    label: str | None = None,
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, primary key first) into the model's table."""
    label = label or model._meta.label
    columns, extra = _columns(model, columns)
    progress = Progress(label, total, report.stream)
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)

    def counted() -> Iterator[tuple]:
        for row in rows:
            progress.advance()
            yield (*row, *extra) if extra else row

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, _indexes_rebuilt_after(cursor, model, total):
            # One COPY per table; a crash leaves that table's rows out entirely, never half.
            copy_rows(model._meta.db_table, columns, counted())
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"
        adapt = _adapter()
        batch: list[tuple] = []
        with transaction.atomic(), connection.cursor() as cursor:
            for row in counted():
                batch.append(tuple(map(adapt, row)))
                if len(batch) >= 2000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    report.rows[label] = progress.done
    report.seconds[label] = progress.finish()


# Below this many rows, keeping the indexes while loading is cheaper than rebuilding them.
REBUILD_INDEXES_FROM = 100_000


@contextmanager
def _indexes_rebuilt_after(cursor: Any, model: type[models.Model], total: int) -> Iterator[None]:
    """Drop the table's plain indexes for a big load and build them again afterwards.

    Building an index once, sorted, is far cheaper than updating it for every row in random
    order. Indexes behind constraints (primary key, unique, the bookings' exclusion) stay, so
    every invariant is checked while the rows arrive.
    """
    if total < REBUILD_INDEXES_FROM:
        yield
        return
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = %s
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c
              WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
          )
        """,
        [model._meta.db_table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        cursor.execute("SET maintenance_work_mem TO '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")


def _adapter() -> Callable[[Any], Any]:
    ops = connection.ops

    def adapt(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    return adapt


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# --- The country ----------------------------------------------------------------------------


def _centres(count: int) -> list[Centre]:
    """The known centres first (from the reference data), then one per regency, spread over
    every province in turn, until there are ``count``. Provinces with no centre come first."""
    known = list(Centre.objects.filter(is_active=True).order_by("province_id", "pk"))
    if len(known) >= count:
        # Spread the chosen few across provinces rather than taking one province's.
        by_province: dict[str, list[Centre]] = {}
        for centre in known:
            by_province.setdefault(centre.province_id, []).append(centre)
        chosen: list[Centre] = []
        while len(chosen) < count:
            for group in by_province.values():
                if group and len(chosen) < count:
                    chosen.append(group.pop(0))
        return chosen
    covered = {c.province_id for c in known}
    taken = {c.regency_id for c in known if c.regency_id}
    provinces = sorted(Province.objects.all(), key=lambda p: (p.code in covered, p.code))
    free = {
        p.code: [
            r for r in Regency.objects.filter(province=p).order_by("code") if r.code not in taken
        ]
        for p in provinces
    }
    names = set(Centre.objects.values_list("name", flat=True))
    new = []
    while len(known) + len(new) < count and any(free.values()):
        for province in provinces:
            if free[province.code] and len(known) + len(new) < count:
                regency = free[province.code].pop(0)
                name = f"PLUT KUMKM {regency.name}"
                if name in names:
                    continue
                names.add(name)
                new.append(
                    Centre(
                        name=name,
                        level=CentreLevel.REGENCY,
                        province=province,
                        regency=regency,
                        city=regency.name,
                        opening_hours="Senin–Jumat 08.00–16.00",
                        requires_confirmation=False,
                    )
                )
    created = Centre.objects.bulk_create(new)
    areas = list(ServiceArea.objects.filter(is_active=True))
    through = Centre.service_areas.through
    through.objects.bulk_create(
        [through(centre_id=c.pk, servicearea_id=a.pk) for c in created for a in areas]
    )
    return list(
        Centre.objects.filter(pk__in=[c.pk for c in [*known, *created]])
        .select_related("province")
        .order_by("pk")
    )


def _consultants(rng: random.Random, centres: Sequence[Centre], count: int) -> dict[int, list[int]]:
    """Consultant accounts (no usable password), placed round-robin, with Mon-Fri hours."""
    areas = list(ServiceArea.objects.filter(is_active=True))
    offset = User.objects.filter(username__startswith="skp-").count()
    users = []
    for index in range(count):
        centre = centres[index % len(centres)]
        user = User(
            username=f"skp-{centre.pk}-{offset + index + 1}",
            first_name=rng.choice(FIRST_NAMES_M + FIRST_NAMES_F),
            last_name=rng.choice(LAST_NAMES),
            role=Role.CONSULTANT,
            password="!",  # unusable: these accounts exist to own work, not to log in
        )
        users.append(user)
    users = User.objects.bulk_create(users, batch_size=2000)
    memberships = StaffMembership.objects.bulk_create(
        [
            StaffMembership(user=user, centre=centres[index % len(centres)])
            for index, user in enumerate(users)
        ],
        batch_size=2000,
    )
    through = StaffMembership.areas.through
    through.objects.bulk_create(
        [
            through(staffmembership_id=m.pk, servicearea_id=area.pk)
            for m in memberships
            for area in rng.sample(areas, k=min(3, len(areas)))
        ],
        batch_size=5000,
    )
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(membership=m, weekday=weekday, starts=starts, ends=ends)
            for m in memberships
            for weekday in range(5)
            for starts, ends in OFFICE_HOURS
        ],
        batch_size=5000,
    )
    by_centre: dict[int, list[int]] = {c.pk: [] for c in centres}
    for membership in memberships:
        by_centre[membership.centre_id].append(membership.user_id)
    return by_centre


def _nik(rng: random.Random, regency_code: str, serial: int, female: bool) -> str:
    """A well-formed NIK, unique for every ``serial`` below 39 million (serial, district and
    birth year all come from it; only day and month are random)."""
    day = rng.randint(1, 28) + (40 if female else 0)
    number = serial % 9999 + 1
    district = (serial // 9999) % 99 + 1
    year = 60 + (serial // (9999 * 99)) % 40
    return f"{regency_code.replace('.', '')}{district:02d}{day:02d}{rng.randint(1, 12):02d}{year:02d}{number:04d}"


def generate_scale(
    *,
    sizes: Sizes = FULL,
    seed: int = 2017,
    today: datetime.date | None = None,
    stream: TextIO | None = None,
) -> Report:
    """Fill the database at ``sizes``. Needs the reference data (load_reference_data).

    Every step draws from the one seeded generator in turn, so this order is part of the data:
    reordering the steps (or the draws inside one) changes every row after it.
    """
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now().replace(microsecond=0)
    if sizes.consultants < sizes.centres or sizes.enterprises < sizes.centres:
        raise ValueError("Every centre needs at least one consultant and one enterprise.")
    report = Report(rows={}, seconds={}, stream=stream)
    started = time.monotonic()
    _prepare_bulk_load()
    run = _Run.staff(rng=rng, sizes=sizes, today=today, now=now, report=report, started=started)
    run.write_people()
    run.write_cooperatives()
    run.write_board_members()
    run.write_enterprises()
    run.write_sessions()
    run.write_attendance()
    run.write_follow_ups()
    run.write_outcomes()
    run.write_bookings()
    _settle(report)
    return report


def _prepare_bulk_load() -> None:
    """On PostgreSQL, set the session up for a bulk load; elsewhere nothing to do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Losing the last moments of a bulk load in a crash is fine: it is rerun whole.
            cursor.execute("SET synchronous_commit TO off")
            # Rows are consistent by construction (every key is allocated here), so a superuser
            # skips the per-row foreign-key triggers, which cost more than the COPY itself.
            # Unique, check and exclusion constraints are indexes and still hold.
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role TO replica")


def _workdays(today: datetime.date, years: int) -> list[datetime.date]:
    """Monday to Friday from ``years`` before ``today`` to four weeks after it: sessions fill
    the past ones, bookings reach into the weeks ahead."""
    first_day = today - datetime.timedelta(days=365 * years)
    return [
        first_day + datetime.timedelta(days=offset)
        for offset in range(365 * years + 29)
        if (first_day + datetime.timedelta(days=offset)).weekday() < 5
    ]


@dataclass
class _Run:
    """What the steps of one ``generate_scale`` share.

    The seeded generator, the country (centres, their consultants, areas, regencies, zones),
    the first id of each client table (ids are allocated here, not by the database, so rows can
    point at rows not yet written), and the lists one step fills for a later one. Those lists
    are emptied as soon as they are used: at full scale they hold millions of entries.
    """

    rng: random.Random
    sizes: Sizes
    today: datetime.date
    now: datetime.datetime
    report: Report
    centres: list[Centre]
    n_centres: int
    consultants: dict[int, list[int]]  # user ids by centre pk
    areas: list[ServiceArea]
    regencies: dict[int, list[str]]  # by centre pk: the regency codes its clients live in
    offsets: dict[int, datetime.timedelta]  # by centre pk: its zone's offset from UTC
    workdays: list[datetime.date]
    person_id: int
    coop_id: int
    enterprise_id: int
    # Centre of client i is centres[i % n_centres]: the pool of a centre is arithmetic, so
    # sessions and bookings pick a client of their centre without holding a million ids.
    # Enterprises of centre c: enterprise_id + c + k * n_centres, k < per_centre[c].
    per_centre: list[int]
    # Names of enterprises and of their owners, by enterprise position: the sessions' search
    # text holds them (written here, as the database's triggers would, which COPY skips).
    owner_names: list[str] = dataclasses.field(default_factory=list)
    enterprise_names: list[str] = dataclasses.field(default_factory=list)
    # By enterprise position, for the outcomes.
    turnovers: list[int] = dataclasses.field(default_factory=list)
    # (session id, its clients in id order), for the attendance.
    attendance: list[tuple[int, list[int]]] = dataclasses.field(default_factory=list)
    # (session id, its centre, its start, its consultant), for the follow-ups.
    follow_ups: list[tuple[int, int, datetime.datetime, int]] = dataclasses.field(
        default_factory=list
    )

    @classmethod
    def staff(
        cls,
        *,
        rng: random.Random,
        sizes: Sizes,
        today: datetime.date,
        now: datetime.datetime,
        report: Report,
        started: float,
    ) -> _Run:
        """Write the centres and their consultants (through the ORM: a few thousand rows at
        most), then gather the country and the first ids the other steps share."""
        centres = _centres(sizes.centres)
        consultants = _consultants(rng, centres, sizes.consultants)
        areas = list(ServiceArea.objects.filter(is_active=True).order_by("pk"))
        report.seconds["centres+staff"] = time.monotonic() - started
        report.rows["centres+staff"] = len(centres) + sizes.consultants
        regencies: dict[int, list[str]] = {}
        for centre in centres:
            codes = list(
                Regency.objects.filter(province_id=centre.province_id).values_list(
                    "code", flat=True
                )
            )
            # A regency's centre serves mostly its own regency.
            regencies[centre.pk] = (
                [centre.regency_id] * len(codes) + codes if centre.regency_id else codes
            )
        n_centres = len(centres)
        return cls(
            rng=rng,
            sizes=sizes,
            today=today,
            now=now,
            report=report,
            centres=centres,
            n_centres=n_centres,
            consultants=consultants,
            areas=areas,
            regencies=regencies,
            offsets={
                c.pk: datetime.timedelta(hours=_utc_hours(c.province.timezone)) for c in centres
            },
            workdays=_workdays(today, sizes.years),
            person_id=_next_id(Person),
            coop_id=_next_id(Cooperative),
            enterprise_id=_next_id(Enterprise),
            per_centre=[len(range(c, sizes.enterprises, n_centres)) for c in range(n_centres)],
        )

    def client_of(self, centre_index: int) -> int:
        """A random enterprise of the centre at ``centre_index`` (see ``per_centre``)."""
        return (
            self.enterprise_id
            + centre_index
            + self.rng.randrange(self.per_centre[centre_index]) * self.n_centres
        )

    # --- People, cooperatives, enterprises ---------------------------------------------------

    def write_people(self) -> None:
        """``cooperatives.Person``: one chair per cooperative, then one owner per enterprise,
        each at the centre of what they will head (same position, modulo the centres), in a
        regency of its province. Keeps the owners' names for the sessions' search text."""
        rng, sizes, centres, n_centres = self.rng, self.sizes, self.centres, self.n_centres
        regencies, person_id, now = self.regencies, self.person_id, self.now
        owner_names = self.owner_names
        nik_serial = person_id  # unique per person across runs in one database
        n_people = sizes.cooperatives + sizes.enterprises

        def people() -> Iterator[tuple]:
            for index in range(n_people):
                is_chair = index < sizes.cooperatives
                local = index if is_chair else index - sizes.cooperatives
                centre = centres[local % n_centres]
                regency = rng.choice(regencies[centre.pk])
                female = rng.random() < 0.5
                first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
                name = f"{first} {rng.choice(LAST_NAMES)}"
                if not is_chair:
                    owner_names.append(name)
                pid = person_id + index
                yield (
                    pid,
                    name,
                    _nik(rng, regency, nik_serial + index, female),
                    Gender.FEMALE if female else Gender.MALE,
                    f"+62812{10_000_000 + (pid * 7919) % 90_000_000}",
                    f"{name.lower().replace(' ', '.')}.{pid}@contoh.id",
                    regency,
                    centre.pk,
                    now,
                    now,
                    None,
                )

        _write(
            Person,
            [
                "id",
                "full_name",
                "nik",
                "gender",
                "phone",
                "email",
                "regency_id",
                "centre_id",
                "created_at",
                "updated_at",
                "user_id",
            ],
            people(),
            n_people,
            self.report,
        )

    def write_cooperatives(self) -> None:
        """``cooperatives.Cooperative``, cooperative i at centre i % n_centres; their numbers
        continue after the cooperatives already in the database, so a rerun stays unique."""
        rng, sizes, centres, n_centres = self.rng, self.sizes, self.centres, self.n_centres
        regencies, coop_id, today, now = self.regencies, self.coop_id, self.today, self.now
        coop_serial = Cooperative.objects.count() + 1

        def cooperatives() -> Iterator[tuple]:
            for index in range(sizes.cooperatives):
                centre = centres[index % n_centres]
                regency = rng.choice(regencies[centre.pk])
                recent = rng.random() < 0.57
                rat_days = (
                    rng.randint(30, 3 * 365 - 30) if recent else rng.randint(3 * 365 + 30, 8 * 365)
                )
                members = rng.randint(20, 2500)
                yield (
                    coop_id + index,
                    f"Koperasi {rng.choice(['Serba Usaha', 'Simpan Pinjam', 'Produsen', 'Konsumen'])} "
                    f"{rng.choice(BUSINESS_SUFFIXES)} {coop_serial + index}",
                    f"{regency.replace('.', '')}{coop_serial + index:012d}",
                    f"AHU-{rng.randint(1000, 9999)}.AH.01.26.{2010 + index % 14}",
                    today - datetime.timedelta(days=rng.randint(365 * 2, 365 * 20)),
                    rng.choice(CooperativeType.values),
                    regency,
                    "",
                    members,
                    max(1, members // rng.randint(20, 80)),
                    today - datetime.timedelta(days=rat_days),
                    centre.pk,
                    now,
                    now,
                )

        _write(
            Cooperative,
            [
                "id",
                "name",
                "number",
                "legal_entity_number",
                "legal_entity_date",
                "type",
                "regency_id",
                "address",
                "members",
                "workforce",
                "last_rat_on",
                "centre_id",
                "created_at",
                "updated_at",
            ],
            cooperatives(),
            self.sizes.cooperatives,
            self.report,
        )

    def write_board_members(self) -> None:
        """Each cooperative's chair on its board: cooperative i and person i (the chairs come
        first among the people)."""
        board = Cooperative.board_members.through
        board_id = _next_id(board)
        coop_id, person_id = self.coop_id, self.person_id
        _write(
            board,
            ["id", "cooperative_id", "person_id"],
            ((board_id + i, coop_id + i, person_id + i) for i in range(self.sizes.cooperatives)),
            self.sizes.cooperatives,
            self.report,
            label="cooperatives.board_members",
        )

    def write_enterprises(self) -> None:
        """``cooperatives.Enterprise``, enterprise i at centre i % n_centres and owned by the
        i-th owner; a fifth are members of a cooperative of their centre. Keeps the names (for
        the sessions' search text) and turnovers (for the outcomes)."""
        rng, sizes, centres, n_centres = self.rng, self.sizes, self.centres, self.n_centres
        regencies, now = self.regencies, self.now
        person_id, coop_id, enterprise_id = self.person_id, self.coop_id, self.enterprise_id
        turnovers, enterprise_names = self.turnovers, self.enterprise_names
        nib_serial = Enterprise.objects.count() + 1

        def enterprises() -> Iterator[tuple]:
            nib = nib_serial
            for index in range(sizes.enterprises):
                centre = centres[index % n_centres]
                regency = rng.choice(regencies[centre.pk])
                kind, kbli = rng.choice(BUSINESS_KINDS)
                turnover = int(rng.lognormvariate(19.5, 1.2)) // 1000 * 1000
                turnovers.append(turnover)
                has_nib = rng.random() < 0.6
                if has_nib:
                    nib += 1
                # Members of a cooperative of the same centre (same remainder modulo centres).
                coop = None
                if sizes.cooperatives > n_centres and rng.random() < 0.2:
                    slot = rng.randrange(sizes.cooperatives // n_centres)
                    coop = coop_id + slot * n_centres + index % n_centres
                name = f"{kind} {rng.choice(BUSINESS_SUFFIXES)} {index + 1}"
                enterprise_names.append(name)
                yield (
                    enterprise_id + index,
                    name,
                    f"9{nib:012d}" if has_nib else None,
                    kbli,
                    turnover // rng.randint(2, 6),
                    turnover if rng.random() < 0.8 else None,
                    rng.randint(1, 30),
                    regency,
                    "",
                    person_id + sizes.cooperatives + index,
                    coop,
                    centre.pk,
                    now,
                    now,
                )

        _write(
            Enterprise,
            [
                "id",
                "name",
                "nib",
                "kbli",
                "business_capital",
                "annual_turnover",
                "employees",
                "regency_id",
                "address",
                "owner_id",
                "cooperative_id",
                "centre_id",
                "created_at",
                "updated_at",
            ],
            enterprises(),
            sizes.enterprises,
            self.report,
        )

    # --- Sessions, attendance, follow-ups -----------------------------------------------------

    def write_sessions(self) -> None:
        """``mentoring.MentoringSession``, in date order over the past working days, each by a
        consultant of its centre about one client (a tenth are groups of two to six). Keeps
        each session's clients for the attendance, and a tenth of them for follow-ups."""
        rng, sizes, centres, n_centres = self.rng, self.sizes, self.centres, self.n_centres
        consultants, areas, offsets = self.consultants, self.areas, self.offsets
        today, enterprise_id, per_centre = self.today, self.enterprise_id, self.per_centre
        owner_names, enterprise_names = self.owner_names, self.enterprise_names
        attendance, follow_ups, client_of = self.attendance, self.follow_ups, self.client_of
        # Working days over the years, later years weighted up: the programme grows.
        past = [day for day in self.workdays if day < today]
        days = [
            day for position, day in enumerate(past) for _ in range(1 + position * 3 // len(past))
        ]
        session_id = _next_id(MentoringSession)
        modes = rng.choices(Mode.values, weights=[6, 2, 2], k=1000)

        def sessions() -> Iterator[tuple]:
            for index in range(sizes.sessions):
                centre_index = index % n_centres
                centre = centres[centre_index]
                staff = consultants[centre.pk]
                consultant = staff[rng.randrange(len(staff))]
                area = areas[index % len(areas)]
                # In date order, as a real register fills up (and its indexes with it).
                day = days[index * len(days) // sizes.sessions]
                minutes = (30, 45, 60, 90, 120)[rng.randrange(5)]
                start = (
                    datetime.datetime(
                        day.year,
                        day.month,
                        day.day,
                        rng.randint(8, 15),
                        30 * rng.randrange(2),
                        tzinfo=UTC,
                    )
                    - offsets[centre.pk]
                )
                end = start + datetime.timedelta(minutes=minutes)
                mode = modes[index % 1000]
                group = rng.random() < 0.1
                sid = session_id + index
                count = min(rng.randint(2, 6) if group else 1, per_centre[centre_index])
                chosen = {client_of(centre_index) for _ in range(count)}
                # A set may come out smaller; pad deterministically so the total stays exact.
                while len(chosen) < count:
                    chosen.add(client_of(centre_index))
                clients = sorted(chosen)
                attendance.append((sid, clients))
                topic = rng.choice(TOPICS.get(area.code, ["Konsultasi umum"]))
                # Mentoring migrations 0010 and 0012's text: the topic, then each client's name
                # and owner, in capitals (the names are ASCII: Python's upper() is PostgreSQL's).
                lines = (
                    f"{enterprise_names[e - enterprise_id]}\n{owner_names[e - enterprise_id]}"
                    for e in clients
                )
                search_text = (topic + "\n" + "\n".join(lines)).upper()
                if rng.random() < 0.1:
                    follow_ups.append((sid, centre.pk, start, consultant))
                yield (
                    sid,
                    centre.pk,
                    consultant,
                    area.pk,
                    mode,
                    SessionFormat.GROUP if group else SessionFormat.INDIVIDUAL,
                    start,
                    end,
                    "https://meet.example.id/plut" if mode == Mode.ONLINE else "",
                    topic,
                    search_text,
                    "Pencatatan keuangan belum rapi; izin usaha belum lengkap.",
                    ADVICE[index % len(ADVICE)],
                    minutes,
                    (0, 15, 30)[index % 3],
                    60 if mode == Mode.FIELD_VISIT else 0,
                    consultant,
                    None,
                    end,
                    end,
                )

        _write(
            MentoringSession,
            [
                "id",
                "centre_id",
                "consultant_id",
                "service_area_id",
                "mode",
                "format",
                "starts_at",
                "ends_at",
                "meeting_link",
                "topic",
                "search_text",
                "problems",
                "advice",
                "contact_minutes",
                "preparation_minutes",
                "travel_minutes",
                "created_by_id",
                "submission_key",
                "created_at",
                "updated_at",
            ],
            sessions(),
            sizes.sessions,
            self.report,
        )
        owner_names.clear()
        enterprise_names.clear()

    def write_attendance(self) -> None:
        """``mentoring.SessionEnterprise``: each session's clients, nine in ten attended."""
        rng, attendance = self.rng, self.attendance
        link_id = _next_id(SessionEnterprise)
        total_links = sum(len(clients) for _, clients in attendance)

        def links() -> Iterator[tuple]:
            next_id = link_id
            for sid, clients in attendance:
                for enterprise in clients:
                    yield (next_id, sid, enterprise, rng.random() < 0.9)
                    next_id += 1

        _write(
            SessionEnterprise,
            ["id", "session_id", "enterprise_id", "attended"],
            links(),
            total_links,
            self.report,
        )
        attendance.clear()

    def write_follow_ups(self) -> None:
        """``mentoring.FollowUp`` for the sessions that asked for one, due one to four weeks
        later, seven in ten of the past-due ones done."""
        today, follow_ups = self.today, self.follow_ups
        follow_up_id = _next_id(FollowUp)

        def follow_up_rows() -> Iterator[tuple]:
            for index, (sid, centre_id, start, consultant) in enumerate(follow_ups):
                due = start.date() + datetime.timedelta(days=7 + index % 24)
                done = (
                    start + datetime.timedelta(days=10) if due < today and index % 10 < 7 else None
                )
                yield (
                    follow_up_id + index,
                    sid,
                    centre_id,
                    ADVICE[index % len(ADVICE)],
                    due,
                    consultant,
                    done,
                    "",
                    start,
                    done or start,
                )

        _write(
            FollowUp,
            [
                "id",
                "session_id",
                "centre_id",
                "action",
                "due_on",
                "assignee_id",
                "done_at",
                "done_note",
                "created_at",
                "updated_at",
            ],
            follow_up_rows(),
            len(follow_ups),
            self.report,
        )
        follow_ups.clear()

    # --- Outcomes -----------------------------------------------------------------------------

    def write_outcomes(self) -> None:
        """``mentoring.Outcome`` for one enterprise in twenty: its turnover grown a little, and
        fixed shares with financing or a permit (no draws: the generator is left untouched)."""
        today, now, enterprise_id, turnovers = (
            self.today,
            self.now,
            self.enterprise_id,
            self.turnovers,
        )
        outcome_id = _next_id(Outcome)
        n_outcomes = self.sizes.enterprises // 20

        def outcomes() -> Iterator[tuple]:
            for index in range(n_outcomes):
                position = index * 20
                base = turnovers[position] or 50_000_000
                financing = index % 10 < 3
                yield (
                    outcome_id + index,
                    enterprise_id + position,
                    today - datetime.timedelta(days=1 + index % 700),
                    int(base * (1 + (index % 40) / 100)) // 1000 * 1000,
                    1 + index % 30,
                    (10, 25, 50, 100, 500)[index % 5] * 1_000_000 if financing else None,
                    ("kur", "bank", "cooperative")[index % 3] if financing else "",
                    index % 10 < 3,
                    index % 10 < 2,
                    index % 20 < 3,
                    index % 100 < 3,
                    "",
                    "",
                    "",
                    OutcomeSource.STAFF,
                    None,
                    now,
                    now,
                )

        _write(
            Outcome,
            [
                "id",
                "enterprise_id",
                "recorded_on",
                "turnover",
                "employees",
                "financing_amount",
                "financing_source",
                "obtained_nib",
                "obtained_pirt",
                "obtained_halal",
                "obtained_sni",
                "support_kind",
                "support_description",
                "new_markets",
                "source",
                "reported_by_id",
                "created_at",
                "updated_at",
            ],
            outcomes(),
            n_outcomes,
            self.report,
        )
        turnovers.clear()

    # --- Bookings -----------------------------------------------------------------------------

    def write_bookings(self) -> None:
        """``mentoring.Booking``, spread evenly over the consultants and the working days: past
        ones finished, the weeks ahead requested or confirmed.

        Each consultant's bookings sit in distinct (day, hour) slots, so none overlap whatever
        their status; the last few weeks ahead hold the active (requested/confirmed) ones.
        """
        sizes, centres, consultants, areas = self.sizes, self.centres, self.consultants, self.areas
        workdays, offsets, today, now = self.workdays, self.offsets, self.today, self.now
        client_of = self.client_of
        booking_id = _next_id(Booking)
        staff_of = [
            (c_index, user) for c_index, c in enumerate(centres) for user in consultants[c.pk]
        ]
        per_consultant = -(-sizes.bookings // len(staff_of))
        # Slot k of a consultant falls on workday floor(k * step) at hour k mod 7: slots that
        # share a day are fewer than seven apart, so their hours differ.
        # The last slot lands on the last workday ahead, so every consultant has open bookings.
        step = max((len(workdays) - 1) / max(per_consultant - 1, 1), 1 / len(SLOT_HOURS))

        def bookings() -> Iterator[tuple]:
            for index in range(sizes.bookings):
                centre_index, consultant = staff_of[index % len(staff_of)]
                centre = centres[centre_index]
                slot = index // len(staff_of)
                position = int(slot * step)
                day = (
                    workdays[position]
                    if position < len(workdays)
                    else (workdays[-1] + datetime.timedelta(days=position - len(workdays) + 1))
                )
                hour = SLOT_HOURS[slot % len(SLOT_HOURS)]
                start = (
                    datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                    - offsets[centre.pk]
                )
                if day > today:
                    status = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)[index % 2]
                else:
                    status = (
                        BookingStatus.COMPLETED,
                        BookingStatus.COMPLETED,
                        BookingStatus.COMPLETED,
                        BookingStatus.NO_SHOW,
                        BookingStatus.CANCELLED,
                    )[index % 5]
                yield (
                    booking_id + index,
                    client_of(centre_index),
                    centre.pk,
                    areas[index % len(areas)].pk,
                    consultant,
                    (Mode.IN_PERSON, Mode.ONLINE)[index % 2],
                    start,
                    start + datetime.timedelta(minutes=60),
                    start + datetime.timedelta(minutes=60),  # held: the bare hour (no buffer kept)
                    status,
                    "Ingin konsultasi tentang perizinan dan pemasaran.",
                    "",
                    None,
                    None,
                    "",
                    "",
                    # Made a few days before, and never later than now.
                    min(start - datetime.timedelta(days=3), now - datetime.timedelta(hours=1)),
                    min(start - datetime.timedelta(days=3), now - datetime.timedelta(hours=1)),
                )

        _write(
            Booking,
            [
                "id",
                "enterprise_id",
                "centre_id",
                "service_area_id",
                "consultant_id",
                "mode",
                "starts_at",
                "ends_at",
                "held_until",
                "status",
                "description",
                "status_reason",
                "session_id",
                "consent_id",
                "contact_phone",
                "contact_email",
                "created_at",
                "updated_at",
            ],
            bookings(),
            sizes.bookings,
            self.report,
        )


def _settle(report: Report) -> None:
    """Move the sequences past the ids written here (rows came with explicit keys, so the
    next ``save()`` would collide otherwise) and, on PostgreSQL, restore the session and refresh
    the planner's statistics."""
    finish = time.monotonic()
    _reset_sequences(
        [
            Person,
            Cooperative,
            Cooperative.board_members.through,
            Enterprise,
            MentoringSession,
            SessionEnterprise,
            FollowUp,
            Outcome,
            Booking,
        ]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role TO DEFAULT")
            # Fresh statistics, so the planner knows the tables are now large; and, where no
            # transaction forbids it, the visibility map autovacuum would set in production
            # (index-only scans need it; its cost is in docs/performance.md).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    report.seconds["sequences+analyze"] = time.monotonic() - finish
    # COPY ran with the triggers off: the dashboards' facts are built once, as after any load.
    finish = time.monotonic()
    keep.rebuild_all()
    report.seconds["dashboard facts"] = time.monotonic() - finish


def _utc_hours(zone: str) -> int:
    offset = datetime.datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 3600) if offset else 0
