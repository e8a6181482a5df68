"""Deleting a session logged by mistake: what goes with it, what stays, the booking it
completed, the audit trail, the dashboards, and a colleague who got there first."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Enterprise
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    Outcome,
    SatisfactionSurvey,
    SessionEnterprise,
)
from mentoring.services.sessions import SESSION_DELETED
from plut.foundation.core.history import history_for
from plut.foundation.messaging.models import Channel, Message, MessageStatus, about_key
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import BookingFactory, FollowUpFactory, SessionFactory

pytestmark = pytest.mark.django_db

REASON = "Dicatat dua kali."
PROVINCE_PAGE = "/dashboard/province/18/"  # Lampung, side a


def _url(session: MentoringSession) -> str:
    return reverse("mentoring:session_delete", args=[session.pk])


def _message(key: str, status: str = MessageStatus.PENDING, **links) -> Message:
    return Message.objects.create(
        key=key,
        kind="survey",
        channel=Channel.EMAIL,
        recipient="pemilik@example.com",
        body="Bagaimana sesinya?",
        status=status,
        **links,
    )


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _completed_booking(world, starts_at: datetime.datetime) -> Booking:
    booking = BookingFactory(
        enterprise=world.a.enterprise,
        consultant=world.a.consultant,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        status=BookingStatus.COMPLETED,
        session=world.a.session,
    )
    return booking


@pytest.fixture
def manager(client, world):
    client.force_login(world.a.manager)
    return client


# --- What goes, what stays ------------------------------------------------------------------


def test_the_session_goes_with_its_attendance_follow_ups_and_surveys(manager, world):
    session = world.a.session
    second = EnterpriseFactory(centre=world.a.centre)
    SessionEnterprise.objects.create(session=session, enterprise=second, attended=False)
    session.cooperatives.add(CooperativeFactory(centre=world.a.centre))
    session.co_consultants.add(StaffFactory(centre=world.a.centre).user)
    done = FollowUpFactory(session=session, done_at=timezone.now(), done_note="Sudah")
    SatisfactionSurvey.objects.create(session=session, enterprise=world.a.enterprise)

    response = manager.post(_url(session), {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:session_list")
    assert not MentoringSession.objects.filter(pk=session.pk).exists()
    assert not SessionEnterprise.objects.filter(session_id=session.pk).exists()
    assert not FollowUp.objects.filter(pk__in=[world.a.follow_up.pk, done.pk]).exists()
    assert not SatisfactionSurvey.objects.filter(session_id=session.pk).exists()
    # The clients themselves stay.
    assert Enterprise.objects.filter(pk__in=[world.a.enterprise.pk, second.pk]).count() == 2
    assert _said(response) == [f"Sesi “{session.topic}” dihapus. 2 tindak lanjut ikut dihapus."]


def test_outcomes_citing_the_session_stay_without_the_link(manager, world):
    outcome = world.a.outcome
    outcome.sessions.add(world.a.session)
    manager.post(_url(world.a.session), {"reason": REASON})
    outcome.refresh_from_db()
    assert list(outcome.sessions.all()) == []


def test_unsent_messages_about_it_are_withdrawn_sent_ones_kept(manager, world):
    session = world.a.session
    _message("survey:pending", about=about_key(session))
    _message("survey:retrying", MessageStatus.FAILED_TEMPORARY, about=about_key(session))
    sent = _message("survey:sent", MessageStatus.SENT, about=about_key(session))
    other = _message("survey:other", about=about_key(world.b.session))

    manager.post(_url(session), {"reason": REASON})

    assert set(Message.objects.values_list("key", flat=True)) == {"survey:sent", "survey:other"}
    sent.refresh_from_db()
    other.refresh_from_db()
    # What was sent stays, still naming the session it told about.
    assert (sent.about, other.about) == (about_key(session), about_key(world.b.session))
    entry = LogEntry.objects.get(
        content_type__model="mentoringsession",
        object_pk=str(session.pk),
        action=LogEntry.Action.DELETE,
    )
    assert entry.additional_data["messages_withdrawn"] == 2


@pytest.mark.parametrize("days", [2, -2], ids=["ahead", "passed"])
def test_a_booking_it_completed_goes_back_to_confirmed(manager, world, days):
    """Completed means "a session was logged": without one, the booking waits where logging
    found it, for the right session to be logged or, once its time has passed, a no-show."""
    Booking.objects.filter(pk=world.a.booking.pk).delete()
    booking = _completed_booking(world, timezone.now() + datetime.timedelta(days=days))

    response = manager.post(_url(world.a.session), {"reason": REASON})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.session_id) == (BookingStatus.CONFIRMED, None)
    assert booking.consultant_id == world.a.consultant.pk
    assert "Pemesanannya kembali berstatus Dikonfirmasi." in _said(response)[0]
    change = history_for(booking)[0]
    assert change.actor == world.a.manager
    assert {(c.old, c.new) for c in change.changes} >= {("Selesai", "Dikonfirmasi")}


def test_a_booking_whose_time_was_taken_meanwhile_stops_the_delete(manager, world):
    """Its consultant was booked again for that hour after it was completed: reopening it
    would double-book them, so nothing is deleted and the page says what to do."""
    Booking.objects.filter(pk=world.a.booking.pk).delete()
    start = timezone.now() + datetime.timedelta(days=2)
    booking = _completed_booking(world, start)
    BookingFactory(
        enterprise=world.a.enterprise,
        consultant=world.a.consultant,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=BookingStatus.CONFIRMED,
    )

    response = manager.post(_url(world.a.session), {"reason": REASON})

    assert response.status_code == 200
    assert "sudah punya pemesanan lain pada waktu itu" in response.content.decode()
    assert MentoringSession.objects.filter(pk=world.a.session.pk).exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED


def test_answered_surveys_are_the_managers_to_delete(client, world):
    SatisfactionSurvey.objects.create(
        session=world.a.session, enterprise=world.a.enterprise, score=5, answered_at=timezone.now()
    )
    client.force_login(world.a.consultant)
    page = client.get(_url(world.a.session)).content.decode()
    assert "Hanya manajer PLUT yang dapat menghapusnya" in page
    assert 'name="reason"' not in page
    response = client.post(_url(world.a.session), {"reason": REASON})
    assert response.status_code == 200
    assert MentoringSession.objects.filter(pk=world.a.session.pk).exists()

    client.force_login(world.a.manager)
    assert "1 penilaian" in client.get(_url(world.a.session)).content.decode()
    assert client.post(_url(world.a.session), {"reason": REASON}).status_code == 302
    assert not SatisfactionSurvey.objects.exists()


def test_a_reason_is_required(manager, world):
    response = manager.post(_url(world.a.session), {"reason": "  "})
    assert response.status_code == 200
    assert "Tuliskan alasan penghapusan" in response.content.decode()
    assert MentoringSession.objects.filter(pk=world.a.session.pk).exists()


# --- The audit trail ------------------------------------------------------------------------


def test_the_audit_log_keeps_who_deleted_what_and_why(manager, world):
    session, follow_up = world.a.session, world.a.follow_up
    manager.post(_url(session), {"reason": REASON})

    entry = LogEntry.objects.get(
        content_type__model="mentoringsession",
        object_pk=str(session.pk),
        action=LogEntry.Action.DELETE,
    )
    assert entry.actor == world.a.manager
    assert entry.changes_dict["topic"][0] == session.topic
    assert entry.additional_data["reason"] == REASON
    assert entry.additional_data["centre_id"] == world.a.centre.pk
    assert entry.additional_data["enterprises"] == [world.a.enterprise.pk]
    assert entry.additional_data["follow_ups"] == [follow_up.pk]
    follow_up_entry = LogEntry.objects.get(
        content_type__model="followup", object_pk=str(follow_up.pk), action=LogEntry.Action.DELETE
    )
    assert follow_up_entry.actor == world.a.manager
    # One entry per record: auditlog's own signal did not log it a second time.
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE).count() == 2
    # The client's history, on its profile, says so.
    note = history_for(world.a.enterprise)[0]
    assert note.actor == world.a.manager
    changes = {change.field: change for change in note.changes}
    assert session.topic in changes[SESSION_DELETED].old
    assert changes["Alasan penghapusan"].new == REASON
    profile = manager.get(reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk]))
    assert SESSION_DELETED in profile.content.decode()


# --- Dashboards and search ------------------------------------------------------------------


def _card(response, key: str):
    return next(c for c in response.context["data"]["kpis"]["cards"] if c["key"] == key)


def test_the_dashboard_figures_drop_at_once(client, world):
    client.force_login(world.a.officer)
    before = client.get(PROVINCE_PAGE)  # computed and kept as a snapshot
    assert (_card(before, "sessions")["current"], _card(before, "enterprises")["current"]) == (
        1,
        1,
    )
    client.force_login(world.a.manager)
    client.post(_url(world.a.session), {"reason": REASON})
    client.force_login(world.a.officer)
    after = client.get(PROVINCE_PAGE)
    assert (_card(after, "sessions")["current"], _card(after, "enterprises")["current"]) == (0, 0)
    assert after.context["figures"].computed_at > before.context["figures"].computed_at


def test_the_search_text_of_the_other_sessions_stays_true(manager, world):
    kept = SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    kept.refresh_from_db()
    text = kept.search_text
    assert world.a.enterprise.name.upper() in text

    manager.post(_url(world.a.session), {"reason": REASON})

    kept.refresh_from_db()
    assert kept.search_text == text
    found = manager.get(reverse("mentoring:session_list"), {"q": world.a.enterprise.name})
    assert [row.pk for row in found.context["page"].items] == [kept.pk]


# --- Someone got there first ----------------------------------------------------------------


def test_a_second_post_says_it_is_already_deleted(manager, world):
    url = _url(world.a.session)
    assert manager.post(url, {"reason": REASON}).status_code == 302
    again = manager.post(url, {"reason": REASON})
    assert again.status_code == 302
    assert again["Location"] == reverse("mentoring:session_list")
    said = _said(again)[-1]  # after the first POST's success, not yet shown
    assert said.startswith("Sesi pendampingan ini sudah dihapus oleh")
    assert world.a.manager.display_name in said
    # The confirmation page of a deleted session says the same.
    assert manager.get(url).status_code == 302


def test_an_outsider_learns_nothing_of_a_deleted_session(client, world):
    url = _url(world.a.session)
    client.force_login(world.a.manager)
    client.post(url, {"reason": REASON})
    client.force_login(world.b.manager)
    assert client.post(url, {"reason": REASON}).status_code == 404
    assert client.get(url).status_code == 404


def test_a_session_changed_since_the_page_was_shown_is_shown_again(manager, world):
    session = world.a.session
    page = manager.get(_url(session))
    seen = page.context["form"]["seen"].value()
    # A colleague adds a client meanwhile.
    later = EnterpriseFactory(centre=world.a.centre, name="Warung Tambahan")
    SessionEnterprise.objects.create(session=session, enterprise=later)
    MentoringSession.objects.filter(pk=session.pk).update(
        updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )

    response = manager.post(_url(session), {"reason": REASON, "seen": seen})

    assert response.status_code == 200
    body = response.content.decode()
    assert "baru saja diubah oleh pengguna lain" in body
    assert "Warung Tambahan" in body  # the page as it is now
    assert MentoringSession.objects.filter(pk=session.pk).exists()
    fresh = response.context["form"]["seen"].value()
    assert fresh != seen
    assert manager.post(_url(session), {"reason": REASON, "seen": fresh}).status_code == 302
    assert not MentoringSession.objects.filter(pk=session.pk).exists()


# --- The confirmation page's cost -----------------------------------------------------------


def _grow(world, n: int) -> None:
    for _ in range(n):
        FollowUpFactory(session=world.a.session)
        SessionEnterprise.objects.create(
            session=world.a.session, enterprise=EnterpriseFactory(centre=world.a.centre)
        )
        SatisfactionSurvey.objects.create(
            session=world.a.session, enterprise=EnterpriseFactory(centre=world.a.centre)
        )
        _message(f"survey:extra:{_}:{n}", about=about_key(world.a.session))
    world.a.outcome.sessions.add(world.a.session)


SESSION_PAGE_QUERIES = 10


@pytest.mark.parametrize("extra", [0, 30])
def test_the_confirmation_page_costs_the_same_with_more_dependents(
    manager, world, django_assert_num_queries, extra
):
    _grow(world, extra)
    with django_assert_num_queries(SESSION_PAGE_QUERIES):
        response = manager.get(_url(world.a.session))
    assert response.status_code == 200
    assert len(response.context["plan"].follow_ups) == 1 + extra


def test_it_works_on_this_database(manager, world):
    """The triggers of mentoring 0010/0012 and the booking constraints on either engine."""
    assert connection.vendor in {"sqlite", "postgresql"}
    Booking.objects.filter(pk=world.a.booking.pk).delete()
    _completed_booking(world, timezone.now() + datetime.timedelta(days=1))
    assert manager.post(_url(world.a.session), {"reason": REASON}).status_code == 302
    assert Outcome.objects.filter(pk=world.a.outcome.pk).exists()


def test_a_colleague_deleting_it_in_between_is_a_message(manager, world, monkeypatch):
    """The page was shown and posted, but a colleague's delete committed between the view's
    read and the service's lock: the service finds no row, the page says who took it."""
    from mentoring.views import corrections

    real = corrections.session_delete

    def colleague_first(**kwargs):
        real(
            session=MentoringSession.objects.get(pk=kwargs["session"].pk),
            by=world.a.consultant,
            reason="Saya catat dua kali.",
        )
        return real(**kwargs)

    monkeypatch.setattr(corrections, "session_delete", colleague_first)
    response = manager.post(_url(world.a.session), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:session_list")
    said = _said(response)[-1]
    assert "sudah dihapus oleh" in said and world.a.consultant.display_name in said
    entry = LogEntry.objects.get(
        content_type__model="mentoringsession", action=LogEntry.Action.DELETE
    )
    assert entry.actor == world.a.consultant
