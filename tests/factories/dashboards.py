"""Generated activity for dashboard and report tests: three centres in the three time zones,
with sessions, bookings, surveys and outcomes placed on month and year boundaries, and
``expected`` figures counted independently (one plain ORM query per centre, its own zone)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from clinics.models import Centre, CentreLevel, ServiceArea
from cooperatives.models import Enterprise
from mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSession,
    Mode,
    Outcome,
    SatisfactionSurvey,
    SessionEnterprise,
)
from plut.foundation.regions.models import Province
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory


def wit_centre() -> Centre:
    province = Province.objects.filter(timezone="Asia/Jayapura").order_by("code").first()
    centre, _created = Centre.objects.get_or_create(
        name="PLUT Uji Timur", defaults={"level": CentreLevel.PROVINCE, "province": province}
    )
    return centre


def local(centre: Centre, *args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ZoneInfo(centre.province.timezone))


# Wall-clock moments on the edges of December 2026 and of the months compared with it.
EDGES = [
    (2026, 11, 30, 23, 30),  # November, half an hour before December begins
    (2026, 12, 1, 0, 30),  # December, but still 30 November in WIB for a WITA/WIT centre
    (2026, 12, 31, 23, 30),  # December, already 1 January in WIT terms for nobody else
    (2027, 1, 1, 0, 30),  # January: outside December everywhere
    (2025, 12, 1, 0, 10),  # the same month a year earlier
    (2025, 11, 30, 23, 50),
]


def generate(centres: Iterable[Centre], *, sessions_per_centre: int = 12, seed: int = 7) -> None:
    """Sessions on the EDGES plus random ones from October 2025 to January 2027."""
    rng = random.Random(seed)
    areas = list(ServiceArea.objects.all())
    for centre in centres:
        consultants = [StaffFactory(centre=centre).user for _ in range(2)]
        clients = [EnterpriseFactory(centre=centre) for _ in range(4)]
        cooperative = CooperativeFactory(centre=centre)
        moments = [local(centre, *edge) for edge in EDGES]
        start = local(centre, 2025, 10, 1, 8)
        moments += [
            start + datetime.timedelta(hours=rng.randrange(0, 24 * 460))
            for _ in range(sessions_per_centre)
        ]
        for index, moment in enumerate(moments):
            consultant = consultants[index % 2]
            session = MentoringSession.objects.create(
                centre=centre,
                consultant=consultant,
                created_by=consultant,
                service_area=rng.choice(areas),
                mode=rng.choice([Mode.IN_PERSON, Mode.FIELD_VISIT]),
                starts_at=moment,
                ends_at=moment + datetime.timedelta(hours=1),
                topic=f"Sesi {index}",
                contact_minutes=rng.randrange(15, 120),
                preparation_minutes=rng.randrange(0, 60),
                travel_minutes=rng.randrange(0, 90),
            )
            for client in rng.sample(clients, rng.randrange(1, 3)):
                SessionEnterprise.objects.create(
                    session=session, enterprise=client, attended=rng.random() > 0.15
                )
                if rng.random() > 0.4:
                    SatisfactionSurvey.objects.create(
                        session=session,
                        enterprise=client,
                        score=rng.randrange(1, 6),
                        answered_at=moment,
                    )
            if index % 3 == 0:
                session.cooperatives.add(cooperative)
            Booking.objects.create(
                enterprise=clients[index % 4],
                centre=centre,
                service_area=session.service_area,
                consultant=consultant,
                starts_at=moment,
                ends_at=moment + datetime.timedelta(hours=1),
                held_until=moment + datetime.timedelta(hours=1),
                status=rng.choice(list(BookingStatus.values)),
            )
        for client in clients:
            for months_ago in (13, 2, 0):
                Outcome.objects.create(
                    enterprise=client,
                    recorded_on=datetime.date(2026, 12, 20)
                    - datetime.timedelta(days=30 * months_ago),
                    turnover=rng.randrange(100, 900) * 1_000_000,
                    employees=rng.randrange(1, 20),
                    financing_amount=rng.choice([None, 50_000_000, 120_000_000]),
                    financing_source="kur",
                    obtained_nib=rng.random() > 0.5,
                    obtained_halal=rng.random() > 0.7,
                )


def month_range(
    centre: Centre, year: int, month: int
) -> tuple[datetime.datetime, datetime.datetime]:
    after = (year + month // 12, month % 12 + 1)
    return local(centre, year, month, 1), local(centre, *after, 1)


def expected(centres: Iterable[Centre], year: int, month: int) -> dict[str, float | int | None]:
    """The month's figures for these centres, each counted in its own zone (independently of
    plut.top.dashboards.periods)."""
    sessions = contact = bookings = no_show = completed = 0
    enterprises: set[int] = set()
    new: set[int] = set()
    cooperatives: set[int] = set()
    scores: list[int] = []
    centres = list(centres)
    for centre in centres:
        start, end = month_range(centre, year, month)
        rows = MentoringSession.objects.filter(
            centre=centre, starts_at__gte=start, starts_at__lt=end
        )
        sessions += rows.count()
        contact += sum(rows.values_list("contact_minutes", flat=True))
        attended = SessionEnterprise.objects.filter(session__in=rows, attended=True)
        served = set(attended.values_list("enterprise_id", flat=True))
        enterprises |= served
        earlier = set(
            SessionEnterprise.objects.filter(session__centre__in=centres, attended=True)
            .filter(session__starts_at__lt=start, session__centre=centre)
            .values_list("enterprise_id", flat=True)
        )
        new |= served - earlier
        cooperatives |= set(
            MentoringSession.cooperatives.through.objects.filter(
                mentoringsession__in=rows
            ).values_list("cooperative_id", flat=True)
        )
        scores += list(
            SatisfactionSurvey.objects.filter(session__in=rows, score__isnull=False).values_list(
                "score", flat=True
            )
        )
        booked = Booking.objects.filter(centre=centre, starts_at__gte=start, starts_at__lt=end)
        bookings += booked.count()
        no_show += booked.filter(status=BookingStatus.NO_SHOW).count()
        completed += booked.filter(status=BookingStatus.COMPLETED).count()
    first, last = month_range(centres[0], year, month)
    outcomes = Outcome.objects.filter(
        enterprise__centre__in=centres,
        recorded_on__gte=first.date(),
        recorded_on__lt=last.date(),
    )
    return {
        "sessions": sessions,
        "contact_hours": round(contact / 60, 1),
        "enterprises": len(enterprises),
        "enterprises_new": len(new),
        "cooperatives": len(cooperatives),
        "bookings": bookings,
        "no_show_rate": round(no_show * 100 / (no_show + completed), 1)
        if no_show + completed
        else None,
        "satisfaction": round(sum(scores) / len(scores), 2) if scores else None,
        "satisfaction_responses": len(scores),
        "financing": sum(o.financing_amount or 0 for o in outcomes),
    }


def enterprises_of(centres: Iterable[Centre]) -> list[Enterprise]:
    return list(Enterprise.objects.filter(centre__in=list(centres)))
