"""Hari ini: today's bookings in the centre's own day, follow-ups due, this week's sessions."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mentoring.models import BookingStatus, MentoringSession
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import BookingFactory, FollowUpFactory, SessionFactory

pytestmark = pytest.mark.django_db

# Friday 27 November 2026, 10:00 in Makassar (WITA) = 09:00 in Jakarta (WIB).
NOW = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
WITA = ZoneInfo("Asia/Makassar")


def _at(hour: int, day: int = 27) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=WITA)


@pytest.fixture(autouse=True)
def _world_sessions_last_month(world):
    # The world's own sessions would otherwise fall in "this week" of the frozen clock.
    MentoringSession.objects.update(
        starts_at=datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.UTC),
    )


@time_machine.travel(NOW, tick=False)
def test_today_uses_the_centres_own_day(client, world):
    # 23:30 WITA on the 26th is "yesterday" in Makassar though it is 22:30 WIB.
    BookingFactory(
        enterprise=world.b.enterprise,
        starts_at=_at(23, 26).replace(minute=30),
        ends_at=_at(23, 26).replace(minute=59),
    )
    today = BookingFactory(
        enterprise=world.b.enterprise,
        starts_at=_at(14),
        ends_at=_at(15),
        status=BookingStatus.CONFIRMED,
    )
    BookingFactory(enterprise=world.b.enterprise, starts_at=_at(0, 28), ends_at=_at(1, 28))
    client.force_login(world.b.consultant)
    response = client.get("/staff/")
    assert list(response.context["bookings"]) == [today]
    assert "27 Nov 2026 14:00 WITA" in response.content.decode()
    assert f"/staff/sessions/new/?booking={today.pk}" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_follow_ups_due_today_and_overdue_only(client, world):
    session = world.a.session
    due_today = FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 27))
    overdue = FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 20))
    FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 28))  # not yet due
    FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 20), done_at=timezone.now())
    client.force_login(world.a.consultant)
    response = client.get("/staff/")
    assert set(response.context["follow_ups"]) == {due_today, overdue}
    assert "(terlambat)" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_consultant_sees_their_own_week_a_manager_the_centres(client, world):
    monday = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    mine = SessionFactory(
        consultant=world.a.consultant,
        starts_at=monday,
        ends_at=monday + datetime.timedelta(hours=1),
    )
    from tests.factories.clinics import StaffFactory

    colleague = StaffFactory(centre=world.a.centre).user
    theirs = SessionFactory(
        consultant=colleague, starts_at=monday, ends_at=monday + datetime.timedelta(hours=1)
    )
    last_week = monday - datetime.timedelta(days=1)
    SessionFactory(
        consultant=world.a.consultant,
        starts_at=last_week,
        ends_at=last_week + datetime.timedelta(hours=1),
    )
    client.force_login(world.a.consultant)
    assert set(client.get("/staff/").context["sessions"]) == {mine}
    client.force_login(world.a.manager)
    assert set(client.get("/staff/").context["sessions"]) == {mine, theirs}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("rows", [1, 50])
def test_today_query_count_is_the_same_for_1_and_50_rows(
    client, world, django_assert_num_queries, rows
):
    for _ in range(rows):
        enterprise = EnterpriseFactory(centre=world.a.centre)
        start = datetime.datetime(2026, 11, 27, 13, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
        BookingFactory(
            enterprise=enterprise, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
        )
        session = SessionFactory(
            consultant=world.a.consultant,
            enterprises=[enterprise],
            starts_at=start - datetime.timedelta(hours=3),
            ends_at=start - datetime.timedelta(hours=2),
        )
        session.cooperatives.add(CooperativeFactory(centre=world.a.centre))
        FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 26))
    client.force_login(world.a.consultant)
    # session + user + membership, the centre, bookings, follow-ups with their sessions'
    # enterprises and cooperatives (the client column), sessions with their enterprises, the
    # rows' centres (kept by each process: no query there)
    with django_assert_num_queries(11):
        response = client.get("/staff/")
    assert len(response.context["bookings"]) == rows
    assert len(response.context["follow_ups"]) == rows
    assert len(response.context["sessions"]) == rows


@time_machine.travel(NOW, tick=False)
def test_a_due_follow_up_names_its_clients_linked_to_their_profiles(client, world):
    session = world.a.session
    session.cooperatives.add(world.a.cooperative)
    FollowUpFactory(session=session, due_on=datetime.date(2026, 11, 27))
    client.force_login(world.a.consultant)
    body = client.get("/staff/").content.decode()
    section = body.split("Tindak lanjut jatuh tempo dan terlambat</h2>")[1].split("</table>")[0]
    assert '<th scope="col">Klien</th>' in section
    enterprise = reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])
    cooperative = reverse("mentoring:cooperative_profile", args=[world.a.cooperative.pk])
    assert (
        f'<a href="{enterprise}">{world.a.enterprise.name}</a>, '
        f'<a href="{cooperative}">{world.a.cooperative.name}</a>'
    ) in section
