"""The centres each process keeps (clinics.centre_cache) under their data version
(plut.foundation.core.versions): read once, then kept; read again after any write to centres or
provinces, in this process or another; never keeping what a transaction that may yet roll back has
read."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.urls import reverse

from clinics import centre_cache
from clinics.models import Centre, ServiceArea, StaffMembership, WorkingHours
from cooperatives.models import Person
from mentoring.selectors.bookings import slots_for
from plut.foundation.accounts.models import Role, User
from plut.foundation.core import versions
from plut.foundation.core.dates import TimeZone
from plut.foundation.regions.models import Province
from tests.factories.clinics import StaffFactory

pytestmark = pytest.mark.django_db

LAMPUNG = "PLUT KUMKM Provinsi Lampung"


@pytest.fixture
def kept(settings):
    settings.CENTRE_CACHE = True


@pytest.fixture
def lampung(reference_data) -> Centre:
    return Centre.objects.select_related("province").get(name=LAMPUNG)


def test_centres_are_read_once_then_kept(kept, lampung, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = centre_cache.centres_by_id([lampung.pk])
    with django_assert_num_queries(0):
        again = centre_cache.centres_by_id([lampung.pk])
    assert again[lampung.pk].name == first[lampung.pk].name == LAMPUNG
    assert again[lampung.pk].province.timezone == TimeZone.WIB


def test_off_every_read_queries(lampung, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):
            assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name == LAMPUNG


def test_a_renamed_centre_is_read_again(kept, lampung, django_assert_num_queries):
    centre_cache.centres_by_id([lampung.pk])
    lampung.name = "PLUT KUMKM Lampung (baru)"
    lampung.save()
    with django_assert_num_queries(1):
        assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name == lampung.name


def test_a_province_updated_in_bulk_is_read_again(kept, lampung):
    """update() sends no signal: the version moves because the SQL is watched."""
    centre_cache.centres_by_id([lampung.pk])
    Province.objects.filter(pk=lampung.province_id).update(timezone=TimeZone.WITA)
    assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].province.timezone == TimeZone.WITA


def test_another_process_writing_is_seen(kept, lampung, django_assert_num_queries):
    centre_cache.centres_by_id([lampung.pk])
    versions._bump(centre_cache.VERSIONS)  # what another process's commit does
    with django_assert_num_queries(1):
        centre_cache.centres_by_id([lampung.pk])
    with django_assert_num_queries(0):
        centre_cache.centres_by_id([lampung.pk])


def test_an_unreachable_cache_reads_the_database(kept, lampung, monkeypatch):
    centre_cache.centres_by_id([lampung.pk])

    def down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(versions.cache, "get", down)
    assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name == LAMPUNG


def test_what_a_rolled_back_transaction_read_is_not_kept(kept, lampung):
    centre_cache.centres_by_id([lampung.pk])

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        Centre.objects.filter(pk=lampung.pk).update(name="Nama yang dibatalkan")
        # The transaction sees its own write...
        assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name == "Nama yang dibatalkan"
        raise Undo
    # ...and nobody sees it once rolled back, though the version it moved stays current.
    assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name == LAMPUNG


def test_copy_moves_only_the_versions_of_the_copied_table(reference_data):
    centres, dashboards = versions.version("centres"), versions.version("dashboards")
    versions.copied(Person._meta.db_table)  # clients' owners: neither list reads them
    assert versions.version("centres") == centres
    versions.copied(Centre._meta.db_table)
    assert versions.version("centres") != centres
    assert versions.version("dashboards") != dashboards  # the dashboards count centres too


@pytest.mark.parametrize(
    ("page", "user_name", "uncached", "kept_count"),
    [
        # tests/mentoring/test_session_list.py and test_profiles.py count the uncached pages.
        # The national list: the rows' centres, the centre and the area dropdowns.
        ("sessions", "national", 7, 4),
        ("sessions", "manager_a", 9, 7),  # the rows' centres, the area dropdown
        ("profile", "consultant_a", 14, 12),  # the centres, the regency
        # The chosen centre and area accepted from the kept rows, not looked up.
        ("filtered", "national", 11, 6),
    ],
)
def test_a_page_with_the_centres_kept_takes_fewer_queries(
    settings, client, world, django_assert_num_queries, page, user_name, uncached, kept_count
):
    url = {
        "sessions": reverse("mentoring:session_list"),
        "profile": reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk]),
        "filtered": reverse("mentoring:session_list")
        + f"?centre={world.a.centre.pk}&service_area={world.a.session.service_area.code}",
    }[page]
    client.force_login(world.user(user_name))
    with django_assert_num_queries(uncached):
        uncached_body = client.get(url).content.decode()
    settings.CENTRE_CACHE = True
    client.get(url)
    with django_assert_num_queries(kept_count):
        body = client.get(url).content.decode()
    assert world.a.session.topic in body
    # The same page, dropdowns included (each response masks its CSRF token anew).
    assert _unmasked(body) == _unmasked(uncached_body)


def _unmasked(page: str) -> str:
    return re.sub(
        r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|data-csrf=")\w+', r"\1", page
    )


def test_a_page_reads_the_version_once(settings, client, world, monkeypatch):
    """Rows, dropdowns and areas each ask for what is kept: one cache round trip serves all."""
    settings.CENTRE_CACHE = True
    client.force_login(world.national)
    client.get(reverse("mentoring:session_list"))
    reads = []
    real_get = versions.cache.get

    def counted(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(versions.cache, "get", counted)
    client.get(reverse("mentoring:session_list"))
    assert reads.count(f"versions:{centre_cache.VERSIONS}") == 1


def test_within_a_request_a_write_is_seen_at_once(kept, lampung):
    versions._request_started()
    try:
        centre_cache.centres_by_id([lampung.pk])
        Centre.objects.filter(pk=lampung.pk).update(name="PLUT KUMKM Lampung (baru)")
        assert centre_cache.centres_by_id([lampung.pk])[lampung.pk].name.endswith("(baru)")
    finally:
        versions._request_finished()


@pytest.mark.parametrize("kept_or_not", [True, False])
def test_a_centre_outside_the_scope_is_refused_kept_or_not(settings, client, world, kept_or_not):
    settings.CENTRE_CACHE = kept_or_not
    client.force_login(world.a.officer)
    outside = reverse("mentoring:session_list") + f"?centre={world.b.centre.pk}"
    body = client.get(outside).content.decode()
    assert "Saringan tidak valid" in body
    assert world.b.session.topic not in body
    inside = reverse("mentoring:session_list") + f"?centre={world.a.centre.pk}&service_area=nope"
    assert "Saringan tidak valid" in client.get(inside).content.decode()


# --- Bookable staff: each centre's consultants for an area, with their hours ----------------

# Committed writes, as in production: what a test's own transaction wrote is never kept.
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(world):
    """Lampung's centre: one consultant covering marketing, Mondays 08-12; the world's
    consultant covers every area but keeps no hours."""
    marketing = ServiceArea.objects.get(code="marketing")
    membership = StaffFactory(centre=world.a.centre, areas=[marketing])
    WorkingHours.objects.create(
        membership=membership, weekday=0, starts=datetime.time(8), ends=datetime.time(12)
    )
    return world.a.centre, marketing, membership


def _staff(desk) -> centre_cache.BookableStaff:
    centre, area, _membership = desk
    return centre_cache.bookable_staff(centre.pk, area.pk)


@committed
def test_bookable_staff_are_read_once_then_kept(kept, desk, django_assert_num_queries):
    _centre, _area, membership = desk
    with django_assert_num_queries(2):  # the consultants, their hours
        first = _staff(desk)
    with django_assert_num_queries(0):
        assert _staff(desk) == first
    assert set(first.pool.values()) >= {membership.user_id}
    assert first.hours[membership.user_id] == ((0, datetime.time(8), datetime.time(12)),)


def _add_hours(world, desk):
    WorkingHours.objects.create(
        membership=desk[2], weekday=1, starts=datetime.time(13), ends=datetime.time(15)
    )


def _deactivate(world, desk):
    desk[2].user.is_active = False
    desk[2].user.save()


def _make_manager(world, desk):
    User.objects.filter(pk=desk[2].user_id).update(role=Role.MANAGER)


def _drop_area(world, desk):
    desk[2].areas.clear()


def _move_to_other_centre(world, desk):
    StaffMembership.objects.filter(pk=desk[2].pk).update(centre=world.b.centre)


@committed
@pytest.mark.parametrize(
    "change", [_add_hours, _deactivate, _make_manager, _drop_area, _move_to_other_centre]
)
def test_bookable_staff_are_read_again_after_a_staff_change(kept, world, desk, change):
    before = _staff(desk)
    change(world, desk)
    after = _staff(desk)
    assert after != before
    fresh = centre_cache._load_bookable_staff(desk[0].pk, desk[1].pk)
    assert after == fresh


@committed
def test_a_sign_in_keeps_the_bookable_staff(kept, desk, django_assert_num_queries):
    _staff(desk)
    user = desk[2].user
    update_last_login(None, user)  # what each sign-in writes: last_login only
    with django_assert_num_queries(0):
        _staff(desk)


@committed
def test_the_free_slots_follow_new_hours_at_once(kept, desk):
    centre, area, membership = desk
    now = datetime.datetime(2026, 12, 6, 8, tzinfo=datetime.UTC)  # a Sunday, 15:00 WIB
    centre.min_notice_minutes = 0
    centre.save()
    mondays = slots_for(centre=centre, area=area, now=now, days=3).slots
    WorkingHours.objects.create(
        membership=membership, weekday=1, starts=datetime.time(8), ends=datetime.time(10)
    )
    slots = slots_for(centre=centre, area=area, now=now, days=3).slots
    tuesday = [slot for slot in slots if slot.starts_at.date() == datetime.date(2026, 12, 8)]
    assert mondays and len(slots) > len(mondays) and tuesday


# Committed writes, as the portal's are: what a transaction read after writing is not kept.
@pytest.mark.django_db(transaction=True)
def test_which_centres_take_bookings_is_kept_and_follows_hours_and_areas(
    kept, world, django_assert_num_queries
):
    """Kept under both the centres' and the staff's versions: removing the consultant's hours,
    or the area from the centre's offer, takes the centre off at once."""
    centre = world.a.centre
    membership = world.a.consultant.staff_membership
    area = ServiceArea.objects.get(code="marketing")
    membership.areas.set([area])  # the one area that makes the centre bookable
    WorkingHours.objects.create(
        membership=membership, weekday=0, starts=datetime.time(8), ends=datetime.time(12)
    )
    centre.service_areas.add(area)
    with django_assert_num_queries(1):
        assert centre.pk in centre_cache.taking_bookings()
    with django_assert_num_queries(0):
        assert centre.pk in centre_cache.taking_bookings()
    centre.service_areas.remove(area)
    assert centre.pk not in centre_cache.taking_bookings()
    centre.service_areas.add(area)
    assert centre.pk in centre_cache.taking_bookings()
    WorkingHours.objects.filter(membership=membership).delete()
    assert centre.pk not in centre_cache.taking_bookings()
