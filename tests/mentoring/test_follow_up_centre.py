"""Each follow-up carries its session's centre (mentoring 0017), so that a centre's or a
province's follow-ups are read from an index of their own. The database keeps the copy equal
to the session's whatever writes, on both engines (each has its own triggers), and the scope
along it holds the same follow-ups as the scope of their sessions."""

from __future__ import annotations

import datetime

import pytest

from mentoring.models import FollowUp, MentoringSession
from mentoring.selectors.records import follow_ups_visible_to, sessions_visible_to
from tests.factories.mentoring import FollowUpFactory

pytestmark = pytest.mark.django_db

USERS = ["national", "officer_a", "officer_b", "manager_a", "consultant_b", "owner_a"]


def _centre(follow_up: FollowUp) -> int:
    return FollowUp.objects.values_list("centre_id", flat=True).get(pk=follow_up.pk)


def test_a_new_follow_up_is_at_its_sessions_centre(world):
    follow_up = FollowUpFactory(session=world.b.session)
    assert follow_up.centre_id == _centre(follow_up) == world.b.centre.pk


def test_a_follow_up_written_with_another_centre_is_put_back(world):
    follow_up = FollowUpFactory(session=world.a.session)
    FollowUp.objects.filter(pk=follow_up.pk).update(centre=world.b.centre)
    assert _centre(follow_up) == world.a.centre.pk


def test_bulk_created_follow_ups_take_their_sessions_centre(world):
    (follow_up,) = FollowUp.objects.bulk_create(
        [
            FollowUp(
                session=world.a.session,
                centre=world.b.centre,
                action="Kirim contoh label",
                due_on=datetime.date(2026, 12, 1),
                assignee=world.a.consultant,
            )
        ]
    )
    assert _centre(follow_up) == world.a.centre.pk


def test_moving_a_session_moves_its_follow_ups(world):
    moved = world.a.follow_up
    MentoringSession.objects.filter(pk=world.a.session.pk).update(centre=world.b.centre)
    assert _centre(moved) == world.b.centre.pk
    assert moved in follow_ups_visible_to(world.b.manager)
    assert moved not in follow_ups_visible_to(world.a.manager)


def test_a_session_saved_in_place_leaves_its_follow_ups(world):
    session = world.a.session
    session.topic = "Label kemasan"
    session.save()
    assert _centre(world.a.follow_up) == world.a.centre.pk


def test_a_follow_up_moved_to_another_session_takes_its_centre(world):
    FollowUp.objects.filter(pk=world.a.follow_up.pk).update(session=world.b.session)
    assert _centre(world.a.follow_up) == world.b.centre.pk


@pytest.mark.parametrize("user_name", USERS)
def test_the_scope_holds_the_follow_ups_of_the_sessions_it_holds(world, user_name):
    user = world.user(user_name)
    FollowUpFactory(session=world.b.session)
    of_sessions = FollowUp.objects.filter(session__in=sessions_visible_to(user))
    assert set(follow_ups_visible_to(user)) == set(of_sessions)
