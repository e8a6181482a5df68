"""The province (or the ministry) moves a manager or consultant to another centre: within the
mover's scope, all or nothing, never while they hold bookings at their centre."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from clinics import centre_cache
from clinics.models import Absence, Centre, ServiceArea, StaffMembership, WorkingHours
from clinics.services.centres import staff_member_move
from mentoring.models import Booking, BookingStatus
from plut.foundation.core import versions
from tests.factories.clinics import StaffFactory
from tests.factories.mentoring import BookingFactory

pytestmark = pytest.mark.django_db

MAROS = "PLUT KUMKM Kabupaten Maros"  # the second centre of Sulawesi Selatan (side b)


@pytest.fixture
def maros(world) -> Centre:
    return Centre.objects.select_related("province").get(name=MAROS)


@pytest.fixture
def mover(world) -> StaffMembership:
    """A consultant of side b's centre who holds no bookings, with hours and an absence."""
    membership = StaffFactory(
        user__username="mover_b",
        user__first_name="Andi",
        user__last_name="Makkasau",
        centre=world.b.centre,
    )
    WorkingHours.objects.create(
        membership=membership, weekday=0, starts=datetime.time(8), ends=datetime.time(12)
    )
    Absence.objects.create(
        membership=membership,
        starts_on=datetime.date(2030, 1, 6),
        ends_on=datetime.date(2030, 1, 8),
        kind="leave",
    )
    return membership


def _staff(centre: Centre) -> str:
    return reverse("clinics:centre_staff", args=[centre.pk])


def _move(membership: StaffMembership) -> str:
    return reverse("clinics:team_move", args=[membership.user_id])


def _centre_of(membership: StaffMembership) -> int:
    return StaffMembership.objects.get(pk=membership.pk).centre_id


# (user, method, page, status). Moving is the province's (within it) and the ministry's
# (anywhere); a manager's scope is their centre, which a move leaves: 403, like consultants
# and owners. The other province's officer finds neither the centre nor the person (404).
TABLE = [
    *[("anonymous", method, where, 302) for method in ("get", "post") for where in ("move",)],
    ("anonymous", "get", "staff", 302),
    *[
        (user, method, where, 403)
        for user in ("owner_b", "consultant_b", "manager_b", "manager_a", "owner_a")
        for method in ("get", "post")
        for where in ("move",)
    ],
    *[
        (user, "get", "staff", 403)
        for user in ("owner_b", "consultant_b", "manager_b", "manager_a")
    ],
    *[
        (user, "get", where, 200)
        for user in ("officer_b", "national")
        for where in ("staff", "move")
    ],
    *[(user, "post", "move", 302) for user in ("officer_b", "national")],
    *[(user, "post", "staff", 405) for user in ("anonymous", "officer_b")],
    *[("officer_a", method, "move", 404) for method in ("get", "post")],
    ("officer_a", "get", "staff", 404),
]


@pytest.mark.parametrize(("user_name", "method", "where", "status"), TABLE)
def test_permissions(client, world, maros, mover, user_name, method, where, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    url = _staff(world.b.centre) if where == "staff" else _move(mover)
    data = {"centre": maros.pk} if method == "post" else None
    response = getattr(client, method)(url, data)
    assert response.status_code == status
    if status == 302 and user is None:
        assert response["Location"].startswith(reverse("login"))
    moved = where == "move" and method == "post" and status == 302 and user is not None
    assert _centre_of(mover) == (maros.pk if moved else world.b.centre.pk)


def test_the_staff_page_lists_the_centre_and_links_each_move(client, world, mover):
    client.force_login(world.b.officer)
    body = client.get(_staff(world.b.centre)).content.decode()
    assert "Andi Makkasau" in body and world.b.manager.get_full_name() in body
    assert _move(mover) in body
    assert world.a.consultant.username not in body


# --- Moving -----------------------------------------------------------------------------------


def test_an_officer_moves_a_consultant_within_the_province(client, world, maros, mover):
    client.force_login(world.b.officer)
    response = client.post(_move(mover), {"centre": maros.pk})
    assert response["Location"] == _staff(maros)
    membership = StaffMembership.objects.get(pk=mover.pk)
    assert membership.centre == maros
    # The weekly hours were the old centre's; the leave is the person's.
    assert not WorkingHours.objects.filter(membership=membership).exists()
    assert Absence.objects.filter(membership=membership).count() == 1
    message = str(next(iter(response.wsgi_request._messages)))
    assert f"Andi Makkasau sekarang bekerja di {MAROS}." in message
    assert "Jam kerja di PLUT lama dihapus" in message


def test_an_officer_moves_a_manager_too(client, world, maros):
    client.force_login(world.b.officer)
    manager = world.b.manager.staff_membership
    assert client.post(_move(manager), {"centre": maros.pk}).status_code == 302
    assert _centre_of(manager) == maros.pk


def test_the_areas_the_new_centre_does_not_offer_are_dropped(client, world, maros, mover):
    maros.service_areas.set(ServiceArea.objects.filter(code__in=["financing", "it"]))
    client.force_login(world.b.officer)
    response = client.post(_move(mover), {"centre": maros.pk}, follow=True)
    assert sorted(mover.areas.values_list("code", flat=True)) == ["financing", "it"]
    assert "Bidang yang tidak dilayani PLUT baru dilepas" in response.content.decode()


def test_joined_on_starts_again_at_the_new_centre(client, world, maros, mover):
    StaffMembership.objects.filter(pk=mover.pk).update(joined_on=datetime.date(2020, 1, 1))
    client.force_login(world.national)
    client.post(_move(mover), {"centre": maros.pk})
    assert StaffMembership.objects.get(pk=mover.pk).joined_on > datetime.date(2020, 1, 1)


def test_an_officer_cannot_move_anyone_to_another_province(client, world, mover):
    client.force_login(world.b.officer)
    response = client.post(_move(mover), {"centre": world.a.centre.pk})
    assert response.status_code == 200
    assert "PLUT ini tidak dapat dipilih." in response.content.decode()
    assert _centre_of(mover) == world.b.centre.pk
    assert WorkingHours.objects.filter(membership=mover).exists()
    offered = response.context["form"].fields["centre"].queryset
    assert list(offered) == [Centre.objects.get(name=MAROS)]


def test_a_national_user_moves_across_provinces(client, world, mover):
    client.force_login(world.national)
    assert client.post(_move(mover), {"centre": world.a.centre.pk}).status_code == 302
    assert _centre_of(mover) == world.a.centre.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Pilih PLUT tujuan."), ({"centre": "abc"}, "PLUT ini tidak dapat dipilih.")],
)
def test_an_invalid_choice_is_refused_in_indonesian(client, world, mover, data, message):
    client.force_login(world.b.officer)
    response = client.post(_move(mover), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _centre_of(mover) == world.b.centre.pk


def test_the_current_centre_is_not_offered(client, world, mover):
    client.force_login(world.b.officer)
    response = client.post(_move(mover), {"centre": world.b.centre.pk})
    assert "PLUT ini tidak dapat dipilih." in response.content.decode()


def test_the_service_refuses_the_current_and_an_inactive_centre(world, maros, mover):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="sudah bekerja di PLUT tersebut"):
        staff_member_move(membership=mover, to_centre=world.b.centre, by=world.national)
    Centre.objects.filter(pk=maros.pk).update(is_active=False)
    maros.refresh_from_db()
    with pytest.raises(ValidationError, match="tidak aktif"):
        staff_member_move(membership=mover, to_centre=maros, by=world.national)


# --- Bookings held ----------------------------------------------------------------------------


def test_a_consultant_holding_bookings_is_not_moved(client, world, maros):
    """Side b's consultant holds side b's booking (tests/conftest.py)."""
    membership = world.b.consultant.staff_membership
    BookingFactory(
        enterprise=world.b.enterprise,
        consultant=world.b.consultant,
        status=BookingStatus.CONFIRMED,
        starts_at=world.b.booking.starts_at + datetime.timedelta(days=1),
    )
    hours = WorkingHours.objects.create(
        membership=membership, weekday=2, starts=datetime.time(8), ends=datetime.time(12)
    )
    client.force_login(world.b.officer)
    page = client.get(_move(membership)).content.decode()
    assert "Belum dapat dipindahkan" in page
    assert "Masih memegang 2 pemesanan aktif" in page
    entries = LogEntry.objects.count()
    response = client.post(_move(membership), {"centre": maros.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Masih memegang 2 pemesanan aktif (diajukan atau dikonfirmasi) di PLUT ini." in body
    assert "kotak masuk pemesanan" in body
    # Nothing moved, nothing lost.
    assert _centre_of(membership) == world.b.centre.pk
    assert WorkingHours.objects.filter(pk=hours.pk).exists()
    assert membership.areas.count() == ServiceArea.objects.count()
    assert LogEntry.objects.count() == entries


def test_once_the_bookings_are_settled_the_move_goes_through(client, world, maros):
    membership = world.b.consultant.staff_membership
    Booking.objects.filter(pk=world.b.booking.pk).update(status=BookingStatus.CANCELLED)
    client.force_login(world.b.officer)
    assert client.post(_move(membership), {"centre": maros.pk}).status_code == 302
    assert _centre_of(membership) == maros.pk


# --- Audit and what is kept -------------------------------------------------------------------


def test_the_move_is_in_the_audit_trail_with_who_made_it(client, world, maros, mover):
    client.force_login(world.b.officer)
    client.post(_move(mover), {"centre": maros.pk})
    entry = (
        LogEntry.objects.get_for_object(mover)
        .filter(action=LogEntry.Action.UPDATE, changes__has_key="centre")
        .get()
    )
    assert entry.actor == world.b.officer
    assert entry.changes["centre"] == [str(world.b.centre.pk), str(maros.pk)]


def test_the_bookable_staff_are_read_again_after_a_move(client, world, maros, mover, settings):
    settings.CENTRE_CACHE = True
    area = ServiceArea.objects.get(code="marketing")
    before = centre_cache.bookable_staff(world.b.centre.pk, area.pk)
    assert mover.user_id in before.pool.values()
    token = versions.version(centre_cache.STAFF_VERSIONS)
    client.force_login(world.b.officer)
    client.post(_move(mover), {"centre": maros.pk})
    assert versions.version(centre_cache.STAFF_VERSIONS) != token
    assert (
        mover.user_id not in centre_cache.bookable_staff(world.b.centre.pk, area.pk).pool.values()
    )
    at_maros = centre_cache.bookable_staff(maros.pk, area.pk)
    assert mover.user_id in at_maros.pool.values()
    assert mover.user_id not in at_maros.hours  # no hours until Maros sets them


# --- Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("staff", [1, 20])
def test_the_staff_page_costs_the_same_however_many_staff(
    client, world, django_assert_num_queries, staff
):
    for _ in range(staff - 1):
        StaffFactory(centre=world.b.centre)
    client.force_login(world.b.officer)
    # session, user, the centre, the staff, their areas
    with django_assert_num_queries(5):
        response = client.get(_staff(world.b.centre))
    assert len(response.context["members"]) == staff + 1


@pytest.mark.parametrize("bookings", [1, 20])
def test_the_move_page_costs_the_same_however_many_bookings(
    client, world, django_assert_num_queries, bookings
):
    membership = world.b.consultant.staff_membership
    start = world.b.booking.starts_at
    for number in range(1, bookings):
        BookingFactory(
            enterprise=world.b.enterprise,
            consultant=world.b.consultant,
            starts_at=start + datetime.timedelta(days=number),
        )
    client.force_login(world.national)
    # session, user, the membership with its user and centre, the bookings held (a count),
    # the centres offered
    with django_assert_num_queries(5):
        response = client.get(_move(membership))
    assert f"Masih memegang {bookings} pemesanan aktif" in response.content.decode()


def test_a_manager_is_told_the_province_moves_staff(client, world):
    client.force_login(world.a.manager)
    url = reverse("clinics:team_member", args=[world.a.consultant.pk])
    body = client.get(url).content.decode()
    assert "hubungi Dinas Koperasi dan UKM provinsi" in body
    assert _move(world.a.consultant.staff_membership) not in body
