"""The benchmark's data: generated once per database and scale, plus its own accounts."""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from clinics.models import Centre, ServiceArea, StaffMembership
from cooperatives.models import Enterprise, Person
from mentoring.models import MentoringSession, SessionEnterprise
from plut.foundation.accounts.models import Role, User
from plut.top.bench.harness import BENCH_PASSWORD, Context
from plut.top.demo.scale import FULL, Sizes, generate_scale

# One account per role, keyed by the role's value (plut.foundation.accounts.models.Role): the
# route walk opens every page as each of them (plut/top/bench/routes.py).
ACCOUNTS = {
    "national": "bench-national",
    "provincial": "bench-provincial",
    "manager": "bench-manager",
    "consultant": "bench-consultant",
    "owner": "bench-owner",
}


def estimated_rows(model: type) -> int:
    """The planner's row estimate on PostgreSQL (instant at any size); an exact count elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            estimate = cursor.fetchone()[0]
        if estimate >= 0:
            return estimate
    return model.objects.count()


def ensure_data(sizes: Sizes, *, today: datetime.date | None = None) -> tuple[float | None, dict]:
    """Generate ``sizes`` unless the database already holds them; (seconds, rows written)."""
    present = estimated_rows(MentoringSession)
    if present >= sizes.sessions * 0.9:
        if present > sizes.sessions * 1.5:
            raise RuntimeError(
                f"The benchmark database holds {present:,} sessions, more than this scale's "
                f"{sizes.sessions:,}: use another database (BENCH_DATABASE_URL) per scale."
            )
        return None, {}
    if present:
        raise RuntimeError(
            f"The benchmark database holds {present:,} sessions, not this scale's "
            f"{sizes.sessions:,}: use an empty database (BENCH_DATABASE_URL) per scale."
        )
    started = time.monotonic()
    report = generate_scale(sizes=sizes, today=today)
    return time.monotonic() - started, report.rows


def sizes_for(scale: float) -> Sizes:
    return FULL.scaled(scale)


@transaction.atomic
def bench_accounts() -> Centre:
    """One account per role around the busiest generated centre, all with BENCH_PASSWORD: a
    national administrator (superuser, for the admin), an officer of the centre's province, its
    manager and a consultant, and the owner of one of its clients. Returns that centre."""
    centre = (
        Centre.objects.filter(memberships__user__username__startswith="skp-")
        .annotate(staff=Count("memberships"))
        .order_by("-staff", "pk")
        .select_related("province")
        .first()
    )
    if centre is None:
        raise RuntimeError("No generated centre: run generate_scale_data first.")
    users = {
        Role.NATIONAL: _account(Role.NATIONAL, is_staff=True, is_superuser=True),
        Role.PROVINCIAL: _account(Role.PROVINCIAL, province_id=centre.province_id),
        Role.MANAGER: _account(Role.MANAGER),
        Role.CONSULTANT: _account(Role.CONSULTANT),
        Role.OWNER: _account(Role.OWNER),
    }
    StaffMembership.objects.update_or_create(user=users[Role.MANAGER], defaults={"centre": centre})
    consultant, _created = StaffMembership.objects.update_or_create(
        user=users[Role.CONSULTANT], defaults={"centre": centre}
    )
    # The areas of a generated consultant of the centre: the inbox and the calendar show what
    # a consultant of those areas sees.
    colleague = StaffMembership.objects.filter(
        centre=centre, user__username__startswith="skp-"
    ).first()
    consultant.areas.set(colleague.areas.all())
    _owner_place(users[Role.OWNER], centre)
    return centre


def _account(role: Role, **defaults: object) -> User:
    user, _created = User.objects.get_or_create(
        username=ACCOUNTS[role], defaults={"role": role, **defaults}
    )
    # A new hash would sign out the clients of a bench run already going on this database.
    if not user.check_password(BENCH_PASSWORD):
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _owner_place(owner: User, centre: Centre) -> None:
    """Make ``owner`` the account of the owner of one of the centre's clients that has had
    sessions, unless an earlier run did."""
    if Person.objects.filter(user=owner).exists():
        return
    person_id = (
        SessionEnterprise.objects.filter(
            session__centre=centre, enterprise__owner__user__isnull=True
        )
        .values_list("enterprise__owner_id", flat=True)
        .first()
    )
    if person_id is None:
        raise RuntimeError(f"No client of centre {centre.pk} without an account for the owner.")
    Person.objects.filter(pk=person_id).update(user=owner)


def context_for(centre: Centre) -> Context:
    enterprise_id = (
        SessionEnterprise.objects.filter(session__centre=centre)
        .values_list("enterprise_id", flat=True)
        .first()
    )
    if enterprise_id is None:
        enterprise_id = Enterprise.objects.filter(centre=centre).values_list("pk", flat=True)[0]
    # An area the centre's consultants cover, so the free-slot page has slots to show.
    area = (
        ServiceArea.objects.filter(is_active=True, memberships__centre=centre)
        .order_by("order", "code")
        .first()
    )
    first_of_month = timezone.localdate().replace(day=1)
    last_month = first_of_month - datetime.timedelta(days=1)
    return Context(
        centre_id=centre.pk,
        province_code=centre.province_id,
        enterprise_id=enterprise_id,
        area_code=area.code,
        filter_area=ServiceArea.objects.filter(is_active=True)
        .order_by("order", "code")
        .values_list("code", flat=True)
        .first(),
        search="Kopi",
        search_middling="Barokah 1",
        # The centre's newest client: its number is long enough to name no one else.
        search_rare=Enterprise.objects.filter(centre=centre)
        .order_by("-pk")
        .values_list("name", flat=True)
        .first(),
        month=last_month.strftime("%Y-%m"),
    )


def vacuum_dead_rows(threshold: int = 1000) -> list[str]:
    """VACUUM ANALYZE every table holding more than ``threshold`` dead rows, as autovacuum
    would in production, and return their names.

    The bench leaves dead rows behind (its import is rolled back, its booking load deleted),
    and a PostgreSQL run with autovacuum off (CI's here) never clears them: 440 000 dead
    people at the end of their primary key made the planner walk them while planning every
    query that joined people (``get_actual_variable_range``), the enterprise profile's among
    them (docs/performance.md#measurements-behind-the-codes-shape).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []  # VACUUM cannot run in a transaction (a test's)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > %s ORDER BY relname",
            [threshold],
        )
        tables = [name for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    return tables
