"""A deterministic generator of realistic portal data, for the demo, the tests and benchmarks.

The same seed and the same ``today`` give the same rows. Rows are written with ``bulk_create``
in batches, never one ``save()`` at a time, so the generator also serves large-scale runs.
It expects the reference data (regions, service areas, centres) to be loaded.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from clinics.models import Centre, ServiceArea, StaffMembership, WorkingHours
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from mentoring.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    FinancingSource,
    FollowUp,
    MentoringSession,
    Mode,
    Outcome,
    OutcomeSource,
    SessionEnterprise,
    SessionFormat,
    SupportKind,
)
from plut.foundation.accounts.models import Role, User
from plut.foundation.regions.models import Regency

BATCH = 2000

FIRST_NAMES_M = [
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Hendra",
    "Joko",
    "Made",
    "Rahmat",
    "Slamet",
    "Wayan",
    "Yusuf",
    "Andi",
    "Ilham",
    "Fajar",
    "Rudi",
]
FIRST_NAMES_F = [
    "Ani",
    "Dewi",
    "Fitri",
    "Ketut",
    "Lestari",
    "Nur",
    "Putri",
    "Rina",
    "Sari",
    "Siti",
    "Wulan",
    "Yuni",
    "Indah",
    "Ratna",
    "Maya",
]
LAST_NAMES = [
    "Saputra",
    "Wijaya",
    "Santoso",
    "Hidayat",
    "Lubis",
    "Nasution",
    "Siregar",
    "Pratama",
    "Kurniawan",
    "Setiawan",
    "Rahman",
    "Harahap",
    "Tanjung",
    "Daeng",
    "Mandacan",
    "Rumbiak",
    "Manuputty",
]
BUSINESS_KINDS = [
    ("Keripik", "10794"),
    ("Kopi", "10761"),
    ("Batik", "13134"),
    ("Tenun", "13121"),
    ("Sambal", "10773"),
    ("Kue", "10710"),
    ("Bengkel", "45201"),
    ("Warung", "56102"),
    ("Konveksi", "14111"),
    ("Kerajinan Bambu", "16292"),
    ("Madu", "01497"),
    ("Ikan Asap", "10221"),
]
BUSINESS_SUFFIXES = [
    "Barokah",
    "Sejahtera",
    "Makmur",
    "Lestari",
    "Jaya",
    "Mandiri",
    "Sumber Rejeki",
    "Berkah",
    "Nusantara",
    "Maju",
]
TOPICS = {
    "institutional": ["Pendaftaran NIB di OSS", "Pembentukan badan hukum CV", "Persiapan RAT"],
    "financing": ["Pengajuan KUR", "Pencatatan keuangan sederhana", "Akses LPDB"],
    "hr": ["Pelatihan manajemen SDM", "Sertifikasi kompetensi", "Rekrutmen karyawan"],
    "production": ["Sertifikasi halal", "Izin PIRT", "Standar SNI kemasan"],
    "marketing": ["Pemasaran digital", "Kemitraan dengan ritel modern", "Pameran produk"],
    "it": ["Toko daring di marketplace", "Pembukuan dengan aplikasi", "QRIS pembayaran"],
}
ADVICE = [
    "Lengkapi dokumen dan unggah ke OSS.",
    "Catat arus kas harian selama sebulan.",
    "Hubungi bank penyalur KUR terdekat.",
    "Perbaiki label dan kemasan.",
    "Foto produk untuk katalog daring.",
    "Ikuti pelatihan bulan depan.",
]

# The demo's three centres: one per time zone, in three provinces.
DEMO_CENTRES = (
    "PLUT KUMKM Provinsi Lampung",  # WIB
    "PLUT-KUMKM Provinsi Sulawesi Selatan",  # WITA
    "PLUT KUMKM Kabupaten Biak Numfor",  # WIT
)
DEMO_PASSWORD = "plut-demo"
OFFICE_HOURS = (
    (datetime.time(8), datetime.time(12)),
    (datetime.time(13), datetime.time(16)),
)


@dataclass
class GeneratedData:
    centres: list[Centre]
    consultants: dict[int, list[User]] = field(default_factory=dict)
    enterprises: list[Enterprise] = field(default_factory=list)
    cooperatives: list[Cooperative] = field(default_factory=list)
    sessions: list[MentoringSession] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def _batched(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model: type, objects: list) -> list:
    created = []
    for chunk in _batched(objects):
        created.extend(model.objects.bulk_create(chunk))
    return created


class _Ids:
    """Unique identifier series that stay unique across runs in one database."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nib_next = Enterprise.objects.count() + 1
        self.coop_next = Cooperative.objects.count() + 1
        self.person_next = Person.objects.count() + 1

    def nik(self, regency_code: str, gender: str) -> str:
        day = self.rng.randint(1, 28) + (40 if gender == Gender.FEMALE else 0)
        month = self.rng.randint(1, 12)
        year = self.rng.randint(60, 99)
        serial = self.person_next % 10000 or 1
        district = (self.person_next // 10000) % 99 + 1
        self.person_next += 1
        return f"{regency_code.replace('.', '')}{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"

    def nib(self) -> str:
        value = f"9{self.nib_next:012d}"
        self.nib_next += 1
        return value

    def cooperative_number(self, regency_code: str) -> str:
        value = f"{regency_code.replace('.', '')}{self.coop_next:012d}"
        self.coop_next += 1
        return value

    def phone(self) -> str:
        return f"+62812{self.rng.randint(10_000_000, 99_999_999)}"


def _person(rng: random.Random, ids: _Ids, regency: Regency, centre: Centre) -> Person:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    first = rng.choice(FIRST_NAMES_F if gender == Gender.FEMALE else FIRST_NAMES_M)
    name = f"{first} {rng.choice(LAST_NAMES)}"
    return Person(
        full_name=name,
        gender=gender,
        nik=ids.nik(regency.code, gender),
        phone=ids.phone(),
        email=f"{name.lower().replace(' ', '.')}.{ids.person_next}@contoh.id",
        regency=regency,
        centre=centre,
    )


def _local_dt(day: datetime.date, hour: int, minute: int, zone: str) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


@transaction.atomic
def generate(
    *,
    centres: Sequence[Centre],
    consultants_per_centre: int = 3,
    enterprises: int = 200,
    cooperatives: int = 30,
    sessions: int = 400,
    bookings: int = 60,
    outcomes: int = 150,
    seed: int = 2017,
    today: datetime.date | None = None,
) -> GeneratedData:
    """Fill the given centres with clients and a year of work, spread evenly across them.

    Every step draws from the one seeded generator in turn, so this order is part of the data:
    reordering the steps (or the draws inside one) changes every row after it.
    """
    run = _Run.start(centres, seed=seed, today=today)
    run.write_consultants(consultants_per_centre)
    run.write_cooperatives(cooperatives)
    run.write_enterprises(enterprises)
    run.write_sessions(sessions)
    run.write_attendance_and_follow_ups()
    run.write_bookings(bookings)
    run.write_outcomes(outcomes)
    return run.data


@dataclass
class _Run:
    """What the steps of one ``generate`` share: the seeded generator and the identifier
    series, the centres' service areas and regencies, and the rows written so far (``data``,
    which the caller gets back, and the enterprises grouped by centre)."""

    rng: random.Random
    ids: _Ids
    today: datetime.date
    areas: list[ServiceArea]
    data: GeneratedData
    regencies: dict[int, list[Regency]]  # by centre pk: its province's regencies
    enterprises_by_centre: dict[int, list[Enterprise]] = field(default_factory=dict)

    @classmethod
    def start(cls, centres: Sequence[Centre], *, seed: int, today: datetime.date | None) -> _Run:
        """Seed the generator and count the identifiers already in use (so a second run in the
        same database stays unique); read the areas and regencies the steps draw from."""
        rng = random.Random(seed)
        ids = _Ids(rng)
        return cls(
            rng=rng,
            ids=ids,
            today=today or timezone.localdate(),
            areas=list(ServiceArea.objects.filter(is_active=True)),
            data=GeneratedData(centres=list(centres)),
            regencies={
                centre.pk: list(Regency.objects.filter(province_id=centre.province_id))
                for centre in centres
            },
        )

    def centre_at(self, index: int) -> Centre:
        """Row ``index`` of any kind belongs to the centres in turn, so each gets its share."""
        return self.data.centres[index % len(self.data.centres)]

    def write_consultants(self, per_centre: int) -> None:
        """``per_centre`` new consultants at each centre, with three service areas each and
        office hours for whoever has none; records every consultant of the centre (new or not)
        in ``data.consultants``, as those are the ones sessions and bookings go to."""
        rng, areas = self.rng, self.areas
        # Consultants: accounts without a usable password, unless the caller sets one.
        for centre in self.data.centres:
            staff = []
            placed = StaffMembership.objects.filter(centre=centre).count()
            for index in range(per_centre):
                user = User(
                    username=f"kp-{centre.pk}-{placed + index + 1}",
                    first_name=rng.choice(FIRST_NAMES_M + FIRST_NAMES_F),
                    last_name=rng.choice(LAST_NAMES),
                    role=Role.CONSULTANT,
                )
                user.set_unusable_password()
                staff.append(user)
            staff = _bulk(User, staff)
            memberships = _bulk(
                StaffMembership, [StaffMembership(user=u, centre=centre) for u in staff]
            )
            through = StaffMembership.areas.through
            _bulk(
                through,
                [
                    through(staffmembership_id=m.pk, servicearea_id=area.pk)
                    for m in memberships
                    for area in rng.sample(areas, k=min(3, len(areas)))
                ],
            )
            # Consultants placed before (such as the demo's named accounts) take sessions too.
            self.data.consultants[centre.pk] = list(
                User.objects.filter(staff_membership__centre=centre, role=Role.CONSULTANT).order_by(
                    "pk"
                )
            )
            # Monday to Friday, 08-12 and 13-16 centre time, for whoever has no hours yet.
            _bulk(
                WorkingHours,
                [
                    WorkingHours(membership=m, weekday=weekday, starts=starts, ends=ends)
                    for m in StaffMembership.objects.filter(
                        centre=centre, working_hours__isnull=True
                    )
                    for weekday in range(5)
                    for starts, ends in OFFICE_HOURS
                ],
            )
            if not centre.opening_hours:
                centre.opening_hours = "Senin–Jumat 08.00–16.00"
                centre.save(update_fields=["opening_hours"])

    def write_cooperatives(self, count: int) -> None:
        """``count`` cooperatives, each with its chair (a new person) on its board."""
        rng, ids, today = self.rng, self.ids, self.today
        coop_chairs = []
        coop_rows = []
        for index in range(count):
            centre = self.centre_at(index)
            regency = rng.choice(self.regencies[centre.pk])
            coop_chairs.append(_person(rng, ids, regency, centre))
            # About 57 % held a RAT in the last three years, as in Lampung's figures.
            recent = rng.random() < 0.57
            rat_days_ago = (
                rng.randint(30, 3 * 365 - 30) if recent else rng.randint(3 * 365 + 30, 8 * 365)
            )
            members = rng.randint(20, 2500)
            coop_rows.append(
                Cooperative(
                    name=f"Koperasi {rng.choice(['Serba Usaha', 'Simpan Pinjam', 'Produsen', 'Konsumen'])} "
                    f"{rng.choice(BUSINESS_SUFFIXES)} {index + 1}",
                    number=ids.cooperative_number(regency.code),
                    legal_entity_number=f"AHU-{rng.randint(1000, 9999)}.AH.01.26.{2010 + index % 14}",
                    legal_entity_date=today
                    - datetime.timedelta(days=rng.randint(365 * 2, 365 * 20)),
                    type=rng.choice(CooperativeType.values),
                    regency=regency,
                    members=members,
                    workforce=max(1, members // rng.randint(20, 80)),
                    last_rat_on=today - datetime.timedelta(days=rat_days_ago),
                    centre=centre,
                )
            )
        coop_chairs = _bulk(Person, coop_chairs)
        self.data.cooperatives = _bulk(Cooperative, coop_rows)
        board = Cooperative.board_members.through
        _bulk(
            board,
            [
                board(cooperative_id=c.pk, person_id=p.pk)
                for c, p in zip(self.data.cooperatives, coop_chairs, strict=True)
            ],
        )

    def write_enterprises(self, count: int) -> None:
        """``count`` enterprises with their owners (new people); a fifth are members of one
        of the cooperatives. Groups them by centre, the pool sessions and bookings draw from."""
        rng, ids, cooperatives = self.rng, self.ids, self.data.cooperatives
        owners = []
        enterprise_rows = []
        for index in range(count):
            centre = self.centre_at(index)
            regency = rng.choice(self.regencies[centre.pk])
            owners.append(_person(rng, ids, regency, centre))
            kind, kbli = rng.choice(BUSINESS_KINDS)
            turnover = int(rng.lognormvariate(19.5, 1.2)) // 1000 * 1000
            enterprise_rows.append(
                Enterprise(
                    name=f"{kind} {rng.choice(BUSINESS_SUFFIXES)} {index + 1}",
                    nib=ids.nib() if rng.random() < 0.6 else None,
                    kbli=kbli,
                    business_capital=turnover // rng.randint(2, 6),
                    annual_turnover=turnover if rng.random() < 0.8 else None,
                    employees=rng.randint(1, 30),
                    regency=regency,
                    owner=None,
                    cooperative=rng.choice(cooperatives)
                    if cooperatives and rng.random() < 0.2
                    else None,
                    centre=centre,
                )
            )
        owners = _bulk(Person, owners)
        for enterprise, owner in zip(enterprise_rows, owners, strict=True):
            enterprise.owner = owner
        self.data.enterprises = _bulk(Enterprise, enterprise_rows)
        # Registered (with the turnover given then: the indicator's baseline) a little over a
        # year ago, before the year of sessions and outcomes below; saving stamps "now".
        registered = {
            enterprise.pk: datetime.datetime.combine(
                self.today - datetime.timedelta(days=rng.randint(370, 540)),
                datetime.time(2),
                tzinfo=datetime.UTC,
            )
            for enterprise in self.data.enterprises
        }
        Enterprise.objects.filter(pk__in=registered).update(
            created_at=Case(*(When(pk=pk, then=Value(at)) for pk, at in registered.items()))
        )
        for enterprise in self.data.enterprises:
            self.enterprises_by_centre.setdefault(enterprise.centre_id, []).append(enterprise)

    def write_sessions(self, count: int) -> None:
        """A year of sessions, in the centres' working hours, in each centre's own zone."""
        rng, areas, today = self.rng, self.areas, self.today
        session_rows = []
        for index in range(count):
            centre = self.centre_at(index)
            consultant = rng.choice(self.data.consultants[centre.pk])
            area = areas[index % len(areas)]
            day = today - datetime.timedelta(days=rng.randint(1, 365))
            start = _local_dt(day, rng.randint(8, 15), rng.choice([0, 30]), centre.timezone)
            minutes = rng.choice([30, 45, 60, 90, 120])
            mode = rng.choices(Mode.values, weights=[6, 2, 2])[0]
            session_rows.append(
                MentoringSession(
                    centre=centre,
                    consultant=consultant,
                    created_by=consultant,
                    service_area=area,
                    mode=mode,
                    format=SessionFormat.GROUP if rng.random() < 0.1 else SessionFormat.INDIVIDUAL,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=minutes),
                    meeting_link="https://meet.example.id/plut-demo" if mode == Mode.ONLINE else "",
                    topic=rng.choice(TOPICS.get(area.code, ["Konsultasi umum"])),
                    problems="Pencatatan keuangan belum rapi; izin usaha belum lengkap.",
                    advice=rng.choice(ADVICE),
                    contact_minutes=minutes,
                    preparation_minutes=rng.choice([0, 15, 30]),
                    travel_minutes=rng.choice([30, 60, 90]) if mode == Mode.FIELD_VISIT else 0,
                )
            )
        self.data.sessions = _bulk(MentoringSession, session_rows)

    def write_attendance_and_follow_ups(self) -> None:
        """For each session: its clients from its centre (four to twelve for a group), a
        cooperative of the centre for some, a follow-up for half.

        One pass over the sessions, not one per table: each session's draws interleave, and
        their order is the data.
        """
        rng, today = self.rng, self.today
        attendance = []
        follow_ups = []
        coop_links = []
        coop_by_centre: dict[int, list[Cooperative]] = {}
        for coop in self.data.cooperatives:
            coop_by_centre.setdefault(coop.centre_id, []).append(coop)
        for session in self.data.sessions:
            pool = self.enterprises_by_centre.get(session.centre_id, [])
            size = rng.randint(4, 12) if session.format == SessionFormat.GROUP else 1
            for enterprise in rng.sample(pool, k=min(size, len(pool))):
                attendance.append(
                    SessionEnterprise(
                        session=session, enterprise=enterprise, attended=rng.random() < 0.9
                    )
                )
            if coop_by_centre.get(session.centre_id) and rng.random() < 0.15:
                coop_links.append(
                    MentoringSession.cooperatives.through(
                        mentoringsession_id=session.pk,
                        cooperative_id=rng.choice(coop_by_centre[session.centre_id]).pk,
                    )
                )
            if rng.random() < 0.5:
                due = session.starts_at.date() + datetime.timedelta(days=rng.randint(7, 30))
                follow_ups.append(
                    FollowUp(
                        session=session,
                        centre_id=session.centre_id,
                        action=rng.choice(ADVICE),
                        due_on=due,
                        assignee=session.consultant,
                        done_at=session.starts_at + datetime.timedelta(days=10)
                        if due < today and rng.random() < 0.7
                        else None,
                    )
                )
        _bulk(SessionEnterprise, attendance)
        _bulk(MentoringSession.cooperatives.through, coop_links)
        _bulk(FollowUp, follow_ups)

    def write_bookings(self, count: int) -> None:
        """Upcoming bookings over the next four weeks, and some past ones with their outcome:
        the centres in turn, each one's consultants in turn, an hour apart."""
        rng, areas, today, centres = self.rng, self.areas, self.today, self.data.centres
        booking_rows = []
        # Never two active bookings for one consultant at one hour (PostgreSQL refuses overlaps),
        # counting those an earlier run left in the database.
        booked: set[tuple[int, datetime.date, int]] = set()
        zones = {c.pk: ZoneInfo(c.timezone) for c in centres}
        for consultant_id, centre_id, starts_at in Booking.objects.filter(
            centre__in=centres, status__in=ACTIVE_BOOKING_STATUSES
        ).values_list("consultant_id", "centre_id", "starts_at"):
            local = starts_at.astimezone(zones[centre_id])
            booked.add((consultant_id, local.date(), local.hour))
        for index in range(count):
            centre = self.centre_at(index)
            pool = self.enterprises_by_centre.get(centre.pk)
            if not pool:
                continue
            upcoming = index % 3 != 0
            offset = rng.randint(1, 28) if upcoming else -rng.randint(1, 60)
            day = today + datetime.timedelta(days=offset)
            staff = self.data.consultants[centre.pk]
            consultant = staff[index % len(staff)]
            hour = 8 + (index // len(staff)) % 8
            while (consultant.pk, day, hour) in booked:
                day += datetime.timedelta(days=1)
            booked.add((consultant.pk, day, hour))
            start = _local_dt(day, hour, 0, centre.timezone)
            if upcoming:
                status = rng.choice([BookingStatus.REQUESTED, BookingStatus.CONFIRMED])
            else:
                status = rng.choices(
                    [BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED],
                    weights=[7, 2, 1],
                )[0]
            booking_rows.append(
                Booking(
                    enterprise=rng.choice(pool),
                    centre=centre,
                    service_area=rng.choice(areas),
                    consultant=consultant,
                    mode=rng.choice([Mode.IN_PERSON, Mode.ONLINE]),
                    starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=60),
                    # Each consultant's bookings sit in distinct hours, some back to back: they
                    # hold their bare hour, as bookings made before buffers were held did.
                    held_until=start + datetime.timedelta(minutes=60),
                    status=status,
                    description="Ingin konsultasi tentang perizinan dan pemasaran.",
                )
            )
        self.data.bookings = _bulk(Booking, booking_rows)

    def write_outcomes(self, count: int) -> None:
        """Outcomes: most assisted enterprises grow a little; some obtain permits or financing.

        The enterprises take turns, so ``count`` above their number gives some several."""
        rng, today, enterprises = self.rng, self.today, self.data.enterprises
        outcome_rows = []
        for index in range(count):
            if not enterprises:
                break
            enterprise = enterprises[index % len(enterprises)]
            base = enterprise.annual_turnover or enterprise.business_capital or 50_000_000
            financing = rng.random() < 0.3
            outcome_rows.append(
                Outcome(
                    enterprise=enterprise,
                    recorded_on=today - datetime.timedelta(days=rng.randint(1, 300)),
                    turnover=int(base * rng.uniform(1.0, 1.4)) // 1000 * 1000,
                    employees=enterprise.employees + rng.randint(0, 3),
                    financing_amount=rng.choice([10, 25, 50, 100, 500]) * 1_000_000
                    if financing
                    else None,
                    financing_source=rng.choice(
                        [FinancingSource.KUR, FinancingSource.BANK, FinancingSource.COOPERATIVE]
                    )
                    if financing
                    else "",
                    obtained_nib=rng.random() < 0.3,
                    obtained_pirt=rng.random() < 0.2,
                    obtained_halal=rng.random() < 0.15,
                    obtained_sni=rng.random() < 0.03,
                    support_kind=rng.choice(
                        ["", SupportKind.CAPITAL, SupportKind.EQUIPMENT, SupportKind.TRAINING]
                    ),
                    new_markets=rng.choice(["", "Marketplace nasional", "Ritel modern", "Ekspor"]),
                    source=OutcomeSource.STAFF,
                )
            )
        self.data.outcomes = _bulk(Outcome, outcome_rows)
