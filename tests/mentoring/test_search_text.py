"""The session's search text is kept by the database, in capitals (migrations mentoring 0010
and 0012), whatever writes: Django's save() with a stale value in memory, queryset update()
and delete(), bulk_create, a merge that moves participants. Run on both engines (each has its
own triggers)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import F

from cooperatives.models import Enterprise, Person
from mentoring.models import MentoringSession, SessionEnterprise
from mentoring.selectors.records import sessions_matching
from mentoring.services.merge import enterprise_merge
from tests.factories.cooperatives import EnterpriseFactory, PersonFactory
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db


def _text(session: MentoringSession) -> str:
    return MentoringSession.objects.values_list("search_text", flat=True).get(pk=session.pk)


@pytest.fixture
def pair(world):
    """A session of two clients, its names known; another session of one of them."""
    first = EnterpriseFactory(
        centre=world.a.centre, name="Tenun Ikat", owner__full_name="Siti Aminah"
    )
    second = EnterpriseFactory(
        centre=world.a.centre, name="Kopi Way Kanan", owner__full_name="Budi Santoso"
    )
    session = SessionFactory(
        consultant=world.a.consultant, enterprises=[second, first], topic="Sesi grup"
    )
    other = SessionFactory(consultant=world.a.consultant, enterprises=[first], topic="Sesi lain")
    return session, other, first, second


def test_the_text_is_the_topic_then_each_client_and_owner_in_id_order(pair):
    session, other, *_ = pair
    assert _text(session) == "SESI GRUP\nTENUN IKAT\nSITI AMINAH\nKOPI WAY KANAN\nBUDI SANTOSO"
    assert _text(other) == "SESI LAIN\nTENUN IKAT\nSITI AMINAH"


def test_a_session_without_clients_has_its_topic(world):
    session = SessionFactory(consultant=world.a.consultant, topic="Pelatihan kelompok")
    assert _text(session) == "PELATIHAN KELOMPOK\n"


def test_saving_a_stale_copy_does_not_write_its_stale_text(pair):
    session, *_ = pair
    stale = MentoringSession.objects.get(pk=session.pk)
    stale.search_text = "salah"
    stale.topic = "Sesi grup baru"
    stale.save()
    assert _text(session).startswith("Sesi grup baru\nTenun Ikat\n".upper())


def test_a_topic_changed_by_update_is_searchable(pair):
    session, *_ = pair
    MentoringSession.objects.filter(pk=session.pk).update(topic="Pameran dagang")
    assert _text(session).startswith("Pameran dagang\n".upper())


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_renamed_enterprise_renames_all_its_sessions(pair, how):
    session, other, first, _ = pair
    if how == "save":
        first.name = "Songket Palembang"
        first.save()
    else:
        Enterprise.objects.filter(pk=first.pk).update(name="Songket Palembang")
    for renamed in (session, other):
        assert "Songket Palembang".upper() in _text(renamed)
        assert "Tenun Ikat".upper() not in _text(renamed)


def test_a_renamed_owner_renames_the_sessions_of_the_enterprises(pair):
    session, other, first, _ = pair
    Person.objects.filter(pk=first.owner_id).update(full_name="Siti Rahmawati")
    assert "Siti Rahmawati".upper() in _text(session) and "Siti Rahmawati".upper() in _text(other)
    assert "Aminah".upper() not in _text(session)


def test_another_owner_changes_the_text(pair):
    session, _, _, second = pair
    Enterprise.objects.filter(pk=second.pk).update(owner=PersonFactory(full_name="Wayan Sudarta"))
    assert "Wayan Sudarta".upper() in _text(session) and "Budi Santoso".upper() not in _text(
        session
    )


def test_participants_added_removed_and_moved(pair, world):
    session, _, _, second = pair
    third = EnterpriseFactory(centre=world.a.centre, name="Batik Tulis")
    SessionEnterprise.objects.bulk_create([SessionEnterprise(session=session, enterprise=third)])
    assert "Batik Tulis".upper() in _text(session)
    session.enterprises.remove(second)
    assert "Kopi Way Kanan".upper() not in _text(session)
    SessionEnterprise.objects.filter(session=session, enterprise=third).update(
        enterprise=world.a.enterprise
    )
    assert "Batik Tulis".upper() not in _text(session) and world.a.enterprise.name.upper() in _text(
        session
    )


def test_a_merge_moves_the_removed_clients_sessions_to_the_kept_name(pair, world):
    session, other, first, second = pair
    enterprise_merge(keep=second, remove=first, user=world.a.manager)
    assert "Tenun Ikat".upper() not in _text(session) and "Tenun Ikat".upper() not in _text(other)
    assert "Kopi Way Kanan".upper() in _text(other)


def test_deleting_a_session_with_clients_still_works(pair):
    session, other, *_ = pair
    session.delete()
    assert not MentoringSession.objects.filter(pk=session.pk).exists()
    assert "Tenun Ikat".upper() in _text(other)


def test_a_recompute_changes_nothing(pair):
    before = dict(MentoringSession.objects.values_list("pk", "search_text"))
    MentoringSession.objects.update(topic=F("topic"))
    assert dict(MentoringSession.objects.values_list("pk", "search_text")) == before


def test_a_search_does_not_match_across_two_fields(pair):
    session, *_ = pair
    sessions = MentoringSession.objects.all()
    assert session in sessions_matching(sessions, "grup")
    assert session in sessions_matching(sessions, "aminah")
    assert session not in sessions_matching(sessions, "grup tenun")
    assert session not in sessions_matching(sessions, "grup\ntenun")  # one line each


def _meanwhile(first, then) -> None:
    """Run ``first`` in a transaction on another connection and, while it is still open, run
    ``then`` here; ``first`` commits half a second later, so ``then`` meets its locks."""
    started = threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                first()
                started.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    then()
    thread.join()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("renamed", ["enterprise", "owner"])
def test_a_rename_in_flight_while_a_client_is_added_is_not_lost(world, renamed):
    """A rename commits while another transaction adds that client to a session: the session
    must end under the new name (the participant's trigger waits for the rename's lock, then
    reads what it committed)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; CI runs this on PostgreSQL")
    enterprise = EnterpriseFactory(
        centre=world.a.centre, name="Tenun Ikat", owner__full_name="Siti Aminah"
    )
    session = SessionFactory(consultant=world.a.consultant, topic="Sesi baru")

    def rename() -> None:
        if renamed == "enterprise":
            Enterprise.objects.filter(pk=enterprise.pk).update(name="Songket Palembang")
        else:
            Person.objects.filter(pk=enterprise.owner_id).update(full_name="Siti Rahma")

    def add() -> None:
        with transaction.atomic():
            SessionEnterprise.objects.create(session=session, enterprise=enterprise)

    _meanwhile(rename, add)
    new_name = "Songket Palembang" if renamed == "enterprise" else "Siti Rahma"
    assert new_name.upper() in _text(session)


@pytest.mark.django_db(transaction=True)
def test_a_session_edited_while_a_client_is_added_keeps_the_client(world):
    """The edit waits for the row the participant's trigger holds, then computes the text
    from what that transaction committed, not from the snapshot its statement began with."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; CI runs this on PostgreSQL")
    enterprise = EnterpriseFactory(centre=world.a.centre, name="Tenun Ikat")
    session = SessionFactory(consultant=world.a.consultant, topic="Sesi baru")

    def add() -> None:
        SessionEnterprise.objects.create(session=session, enterprise=enterprise)

    def edit() -> None:
        MentoringSession.objects.filter(pk=session.pk).update(topic="Sesi diubah")

    _meanwhile(add, edit)
    assert _text(session).startswith("Sesi diubah\nTenun Ikat\n".upper())
