"""The one scoping mechanism, as a table: every role, every scoped model, insider and outsider."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clinics.models import Centre, StaffMembership
from clinics.selectors import centres_kept_for, centres_visible_to, provinces_seen_by
from cooperatives.models import Enterprise
from cooperatives.selectors import (
    cooperatives_visible_to,
    enterprises_visible_to,
    persons_visible_to,
)
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.foundation.accounts.scope import scope_of, visible_among, visible_to
from plut.foundation.regions.models import Regency

# (selector, attribute of a Side holding that side's row)
SELECTORS = [
    (centres_visible_to, "centre"),
    (persons_visible_to, "person"),
    (enterprises_visible_to, "enterprise"),
    (cooperatives_visible_to, "cooperative"),
    (sessions_visible_to, "session"),
    (follow_ups_visible_to, "follow_up"),
    (bookings_visible_to, "booking"),
    (outcomes_visible_to, "outcome"),
]

# Which sides each user sees. Owners see no centres through the staff selector (the public
# directory is separate); everyone else sees exactly their own side.
EXPECTED = {
    "national": {"a", "b"},
    "officer_a": {"a"},
    "officer_b": {"b"},
    "manager_a": {"a"},
    "manager_b": {"b"},
    "consultant_a": {"a"},
    "consultant_b": {"b"},
    "owner_a": {"a"},
    "owner_b": {"b"},
    "anonymous": set(),
}


@pytest.mark.parametrize("user_name", EXPECTED)
@pytest.mark.parametrize(("selector", "attr"), SELECTORS, ids=[a for _s, a in SELECTORS])
def test_each_role_sees_exactly_its_own_side(world, user_name, selector, attr):
    user = world.user(user_name) or AnonymousUser()
    expected = set(EXPECTED[user_name])
    if attr == "centre" and user_name.startswith("owner"):
        expected = set()
    # Reference centres outside the world exist too; judge only the world's two rows.
    world_rows = {getattr(world.a, attr).pk, getattr(world.b, attr).pk}
    rows = set(selector(user).values_list("pk", flat=True)) & world_rows
    assert rows == {getattr(getattr(world, side), attr).pk for side in expected}


def test_officer_sees_every_centre_of_the_province_and_no_other(world):
    names = set(centres_visible_to(world.b.officer).values_list("name", flat=True))
    assert names == {"PLUT-KUMKM Provinsi Sulawesi Selatan", "PLUT KUMKM Kabupaten Maros"}


def test_owner_rows_are_not_duplicated_by_many_valued_paths(world):
    # A session with two of the owner's enterprises must still appear once.
    second = type(world.a.enterprise).objects.create(
        name="Usaha Kedua",
        regency=world.a.enterprise.regency,
        owner=world.a.person,
        centre=world.a.centre,
    )
    world.a.session.enterprises.add(second)
    assert list(sessions_visible_to(world.a.owner)) == [world.a.session]


def test_deactivated_user_sees_nothing(world):
    world.a.manager.is_active = False
    assert not enterprises_visible_to(world.a.manager).exists()


def test_staff_without_a_centre_sees_nothing(world):
    world.a.consultant.staff_membership.delete()
    world.a.consultant.refresh_from_db()
    assert not sessions_visible_to(world.a.consultant).exists()


def test_scope_is_computed_once_per_user_object(world, django_assert_num_queries):
    user = type(world.a.consultant).objects.get(pk=world.a.consultant.pk)
    with django_assert_num_queries(1):  # the membership lookup
        scope_of(user)
        scope_of(user)
    assert scope_of(user).centre_id == world.a.centre.pk


# --- The same scope over rows already in memory (clinics.centre_cache) -----------------------

NON_OWNERS = [name for name in EXPECTED if not name.startswith("owner")]


@pytest.mark.parametrize("user_name", NON_OWNERS)
@pytest.mark.parametrize(
    "queryset",
    [Centre.objects.all, lambda: StaffMembership.objects.select_related("centre")],
    ids=["centre (province, pk)", "membership (centre__province, centre)"],
)
def test_rows_in_memory_are_seen_as_the_database_sees_them(world, user_name, queryset):
    user = world.user(user_name) or AnonymousUser()
    rows = list(queryset())
    assert visible_among(user, rows, rows[0]._meta.model) == list(visible_to(user, queryset()))


@pytest.mark.parametrize("user_name", NON_OWNERS)
@pytest.mark.parametrize("kept", [False, True])
def test_kept_centres_list_what_the_scoped_query_lists(settings, world, user_name, kept):
    settings.CENTRE_CACHE = kept
    user = world.user(user_name) or AnonymousUser()
    centres = centres_visible_to(user)
    if kept:
        assert list(centres_kept_for(user).values()) == list(centres.select_related("province"))
    else:
        assert centres_kept_for(user) is None
    regencies = Regency.objects.filter(province__in=provinces_seen_by(user))
    assert set(regencies) == set(Regency.objects.filter(province__in=centres.values("province")))


def test_owners_are_not_seen_through_rows_in_memory(world):
    with pytest.raises(ValueError):
        visible_among(world.a.owner, [world.a.enterprise], Enterprise)
