"""Availability: weekly hours and absences feed the booking engine; the booking policy page."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinics.models import Absence, AbsenceKind, Centre, ServiceArea, WorkingHours
from clinics.services.availability import (
    HoursWindow,
    absence_add,
    absence_remove,
    availability_hours_set,
)
from mentoring.models import Booking
from mentoring.selectors.bookings import slots_for
from tests.factories.clinics import StaffFactory

pytestmark = pytest.mark.django_db

OWN = reverse("clinics:availability")
POLICY = reverse("clinics:booking_policy")
# Monday 30 November 2026, 07:00 WIB.
NOW = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
WIB = ZoneInfo("Asia/Jakarta")
T = datetime.time


def _member(user) -> str:
    return reverse("clinics:availability_member", args=[user.pk])


def _at(day: int, hour: int, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=WIB)


def _hours_post(rows: list[tuple], initial: int = 0, **extra) -> dict[str, str]:
    """The weekly-hours formset as the browser posts it: (weekday, starts, ends[, delete])."""
    data = {
        "action": "hours",
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": str(initial),
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "42",
    }
    for i, row in enumerate(rows):
        weekday, starts, ends, *delete = row
        data[f"hours-{i}-weekday"] = str(weekday)
        data[f"hours-{i}-starts"] = starts
        data[f"hours-{i}-ends"] = ends
        if delete:
            data[f"hours-{i}-DELETE"] = "on"
    return data | extra


def _hours_of(user) -> list[tuple[int, datetime.time, datetime.time]]:
    return list(
        WorkingHours.objects.filter(membership__user=user).values_list("weekday", "starts", "ends")
    )


@pytest.fixture
def desk(world):
    """Lampung's centre with its one consultant and no bookings in the way."""
    Booking.objects.all().delete()
    centre = world.a.centre
    centre.buffer_minutes = 0
    centre.min_notice_minutes = 120
    centre.save()
    return centre, ServiceArea.objects.get(code="marketing")


def _starts(centre, area) -> set[datetime.datetime]:
    return {slot.starts_at for slot in slots_for(centre=centre, area=area, now=NOW).slots}


# --- Who may open what ----------------------------------------------------------------------

TABLE = [
    *[("anonymous", where, 302) for where in ("own", "member_a", "policy")],
    *[
        (user, where, 403)
        for user in ("owner_a", "officer_a", "national")
        for where in ("own", "member_a", "policy")
    ],
    ("manager_a", "own", 200),
    ("consultant_a", "own", 200),
    ("manager_a", "member_a", 200),
    ("manager_b", "member_a", 404),  # a consultant of another centre is not found
    ("consultant_a", "member_a", 302),  # their own: the page they edit it on
    ("colleague_a", "member_a", 403),
    ("consultant_b", "member_a", 403),
    ("manager_a", "member_manager_a", 404),  # managers take no bookings
    ("manager_a", "policy", 200),
    ("manager_b", "policy", 200),
    ("consultant_a", "policy", 403),
]


@pytest.mark.parametrize(("user_name", "where", "status"), TABLE)
def test_permissions(client, world, user_name, where, status):
    colleague = StaffFactory(centre=world.a.centre).user
    user = colleague if user_name == "colleague_a" else world.user(user_name)
    url = {
        "own": OWN,
        "member_a": _member(world.a.consultant),
        "member_manager_a": _member(world.a.manager),
        "policy": POLICY,
    }[where]
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))


def test_a_consultant_cannot_change_a_colleagues_hours(client, world):
    colleague = StaffFactory(centre=world.a.centre).user
    client.force_login(colleague)
    response = client.post(_member(world.a.consultant), _hours_post([(0, "08:00", "12:00")]))
    assert response.status_code == 403
    assert _hours_of(world.a.consultant) == []


def test_a_manager_of_another_centre_cannot_change_them(client, world):
    client.force_login(world.b.manager)
    response = client.post(_member(world.a.consultant), _hours_post([(0, "08:00", "12:00")]))
    assert response.status_code == 404
    assert _hours_of(world.a.consultant) == []


# --- Weekly hours ---------------------------------------------------------------------------


def test_saved_hours_are_offered_as_slots(client, world, desk):
    centre, area = desk
    assert _starts(centre, area) == set()
    client.force_login(world.a.consultant)
    rows = [(0, "08:00", "12:00"), (0, "13:00", "16:00"), (2, "09:00", "11:00"), ("", "", "")]
    response = client.post(OWN, _hours_post(rows))
    assert response.status_code == 302
    assert _hours_of(world.a.consultant) == [
        (0, T(8), T(12)),
        (0, T(13), T(16)),
        (2, T(9), T(11)),
    ]
    starts = _starts(centre, area)
    # Monday: 09:00 onwards (two hours' notice from 07:00), not over lunch, until 15:00.
    monday = sorted(s for s in starts if s.astimezone(WIB).date() == datetime.date(2026, 11, 30))
    assert monday == [_at(30, h) for h in (9, 10, 11, 13, 14, 15)]
    assert _at(2, 9, month=12) in starts and _at(2, 11, month=12) not in starts  # Wednesday
    assert _at(1, 9, month=12) not in starts  # Tuesday: no hours


def test_saving_replaces_the_week_and_ticked_rows_go(client, world):
    availability_hours_set(
        membership=world.a.consultant.staff_membership,
        windows=[HoursWindow(0, T(8), T(12)), HoursWindow(1, T(8), T(12))],
    )
    client.force_login(world.a.manager)
    data = _hours_post([(0, "08:00", "12:00"), (1, "08:00", "12:00", "delete")], initial=2)
    assert client.post(_member(world.a.consultant), data).status_code == 302
    assert _hours_of(world.a.consultant) == [(0, T(8), T(12))]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0, "08:00", "12:00"), (0, "11:00", "13:00")], "bertumpang tindih"),
        ([(3, "12:00", "08:00")], "Jam selesai harus setelah jam mulai"),
        ([(3, "09:00", "")], "harus diisi"),
    ],
)
def test_bad_hours_are_refused_and_nothing_changes(client, world, rows, message):
    availability_hours_set(
        membership=world.a.consultant.staff_membership, windows=[HoursWindow(4, T(8), T(10))]
    )
    client.force_login(world.a.consultant)
    response = client.post(OWN, _hours_post(rows))
    assert response.status_code == 200
    body = response.content.decode()
    assert message.lower() in body.lower()
    assert 'role="alert"' in body
    assert _hours_of(world.a.consultant) == [(4, T(8), T(10))]


def test_touching_windows_are_fine_overlapping_ones_are_not(world):
    membership = world.a.consultant.staff_membership
    availability_hours_set(
        membership=membership, windows=[HoursWindow(0, T(8), T(12)), HoursWindow(0, T(12), T(14))]
    )
    with pytest.raises(ValidationError):
        availability_hours_set(
            membership=membership,
            windows=[HoursWindow(0, T(8), T(12)), HoursWindow(0, T(9), T(10))],
        )
    assert _hours_of(world.a.consultant) == [(0, T(8), T(12)), (0, T(12), T(14))]


# --- Absences -------------------------------------------------------------------------------


def test_an_absence_closes_its_days(client, world, desk):
    centre, area = desk
    availability_hours_set(
        membership=world.a.consultant.staff_membership,
        windows=[HoursWindow(day, T(8), T(12)) for day in range(5)],
    )
    assert _at(1, 9, month=12) in _starts(centre, area)
    client.force_login(world.a.consultant)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            OWN,
            {
                "action": "absence_add",
                "absence-starts_on": "2026-12-01",
                "absence-ends_on": "2026-12-02",
                "absence-kind": AbsenceKind.TRAINING,
                "absence-note": "Pelatihan di Jakarta",
            },
        )
    assert response.status_code == 302
    days = {s.astimezone(WIB).date() for s in _starts(centre, area)}
    assert datetime.date(2026, 12, 1) not in days
    assert datetime.date(2026, 12, 2) not in days
    assert datetime.date(2026, 12, 3) in days


def test_an_absence_must_not_end_before_it_starts(client, world):
    client.force_login(world.a.consultant)
    response = client.post(
        OWN,
        {
            "action": "absence_add",
            "absence-starts_on": "2026-12-05",
            "absence-ends_on": "2026-12-01",
            "absence-kind": AbsenceKind.LEAVE,
        },
    )
    assert response.status_code == 200
    assert "Tanggal akhir tidak boleh sebelum tanggal mulai" in response.content.decode()
    assert not Absence.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_upcoming_absences_are_removed_past_ones_stay(client, world):
    membership = world.a.consultant.staff_membership
    past = absence_add(
        membership=membership,
        starts_on=datetime.date(2026, 11, 2),
        ends_on=datetime.date(2026, 11, 3),
        kind=AbsenceKind.LEAVE,
    )
    coming = absence_add(
        membership=membership,
        starts_on=datetime.date(2026, 12, 7),
        ends_on=datetime.date(2026, 12, 7),
        kind=AbsenceKind.FIELD,
    )
    client.force_login(world.a.consultant)
    page = client.get(OWN)
    assert page.context["absences"] == [coming]
    assert page.context["past_absences"] == [past]
    body = page.content.decode()
    assert f'name="absence" value="{past.pk}"' not in body  # read-only
    response = client.post(OWN, {"action": "absence_remove", "absence": past.pk})
    assert response.status_code == 200
    assert "sudah lewat" in response.content.decode()
    assert client.post(OWN, {"action": "absence_remove", "absence": coming.pk}).status_code == 302
    assert list(Absence.objects.all()) == [past]
    with pytest.raises(ValidationError):
        absence_remove(absence=past, today=datetime.date(2026, 11, 30))


def test_a_colleagues_absence_is_not_removed_through_ones_own_page(client, world):
    colleague = StaffFactory(centre=world.a.centre)
    theirs = absence_add(
        membership=colleague,
        starts_on=datetime.date(2099, 1, 1),
        ends_on=datetime.date(2099, 1, 2),
        kind=AbsenceKind.LEAVE,
    )
    client.force_login(world.a.consultant)
    response = client.post(OWN, {"action": "absence_remove", "absence": theirs.pk})
    assert response.status_code == 404
    assert Absence.objects.filter(pk=theirs.pk).exists()


def test_the_page_says_public_holidays_close_by_themselves(client, world):
    client.force_login(world.a.consultant)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 3, tzinfo=datetime.UTC)):
        body = client.get(OWN).content.decode()
    assert "Hari libur nasional Indonesia ditutup otomatis" in body
    assert "Hari Raya Natal" in body


def test_a_manager_sees_the_team_and_edits_a_member(client, world):
    availability_hours_set(
        membership=world.a.consultant.staff_membership, windows=[HoursWindow(0, T(8), T(12))]
    )
    client.force_login(world.a.manager)
    body = client.get(OWN).content.decode()
    assert _member(world.a.consultant) in body
    assert "Senin 08:00–12:00" in body
    response = client.post(_member(world.a.consultant), _hours_post([(4, "13:00", "15:00")]))
    assert response.status_code == 302
    assert _hours_of(world.a.consultant) == [(4, T(13), T(15))]


# --- Booking policy -------------------------------------------------------------------------


def _policy(**changes) -> dict[str, str]:
    values = {
        "requires_confirmation": "on",
        "min_notice_minutes": "240",
        "buffer_minutes": "10",
        "owner_change_cutoff_hours": "12",
        "open_bookings_cap": "3",
        "opening_hours": "Senin–Jumat 08.00–16.00",
    }
    return {k: v for k, v in (values | changes).items() if v is not None}


def test_the_manager_sets_the_booking_policy(client, world):
    client.force_login(world.a.manager)
    response = client.post(POLICY, _policy(requires_confirmation=None))
    assert response.status_code == 302
    centre = Centre.objects.get(pk=world.a.centre.pk)
    assert not centre.requires_confirmation
    assert (centre.min_notice_minutes, centre.buffer_minutes) == (240, 10)
    assert (centre.owner_change_cutoff_hours, centre.open_bookings_cap) == (12, 3)
    assert centre.opening_hours == "Senin–Jumat 08.00–16.00"


@pytest.mark.parametrize(
    "changes",
    [
        {"min_notice_minutes": "10081"},
        {"min_notice_minutes": "-1"},
        {"buffer_minutes": "121"},
        {"open_bookings_cap": "0"},
        {"open_bookings_cap": "11"},
    ],
)
def test_a_policy_out_of_bounds_is_refused(client, world, changes):
    client.force_login(world.a.manager)
    response = client.post(POLICY, _policy(**changes))
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert Centre.objects.get(pk=world.a.centre.pk).min_notice_minutes == 120


def test_slot_lengths_are_shown_not_edited(client, world):
    client.force_login(world.a.manager)
    response = client.get(POLICY)
    body = response.content.decode()
    assert "administrator nasional" in body
    assert "60 menit" in body
    assert "slot_minutes" not in response.context["form"].fields


# --- Query counts ---------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    colleague = StaffFactory(centre=world.a.centre)
    for membership in (world.a.consultant.staff_membership, colleague):
        for i in range(n):
            WorkingHours.objects.create(
                membership=membership, weekday=i % 7, starts=T(8 + i // 7), ends=T(9 + i // 7)
            )
            Absence.objects.create(
                membership=membership,
                starts_on=datetime.date(2099, 1, 1) + datetime.timedelta(days=i),
                ends_on=datetime.date(2099, 1, 1) + datetime.timedelta(days=i),
                kind=AbsenceKind.LEAVE,
            )
            Absence.objects.create(
                membership=membership,
                starts_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
                ends_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
                kind=AbsenceKind.FIELD,
            )


@pytest.mark.parametrize(
    ("user_name", "url", "queries"),
    [
        # session, user, centre, the scope's membership, the consultant's membership, hours,
        # upcoming and past absences
        ("consultant_a", "own", 8),
        # session, user, centre, membership (scope), consultants, their hours and absences
        ("manager_a", "own", 7),
        ("manager_a", "member", 8),
        ("manager_a", "policy", 4),  # session, user, centre, the areas
    ],
)
@pytest.mark.parametrize("extra", [1, 20])
def test_availability_pages_cost_the_same_however_full(
    client, world, django_assert_num_queries, user_name, url, queries, extra
):
    _grow(world, extra)
    client.force_login(world.user(user_name))
    target = {"own": OWN, "member": _member(world.a.consultant), "policy": POLICY}[url]
    with django_assert_num_queries(queries):
        assert client.get(target).status_code == 200
