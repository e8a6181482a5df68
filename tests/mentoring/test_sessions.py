"""Logging, reading and editing sessions in the staff workspace."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from mentoring.models import Booking, BookingStatus, FollowUp, MentoringSession
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db


def _yesterday(zone: str) -> datetime.date:
    return timezone.localtime(timezone.now(), ZoneInfo(zone)).date() - datetime.timedelta(days=1)


def _post_data(side, **overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "service_area": side.centre.service_areas.get(code="financing").pk,
        "mode": "in_person",
        "format": "individual",
        "date": _yesterday(side.centre.timezone).isoformat(),
        "start_time": "09:30",
        "duration_minutes": "45",
        "topic": "Pengajuan KUR mikro",
        "problems": "Belum ada pencatatan keuangan",
        "advice": "Catat arus kas harian",
        "contact_minutes": "",
        "preparation_minutes": "15",
        "travel_minutes": "0",
        "enterprises": [side.enterprise.pk],
        "attended": [side.enterprise.pk],
        "fu-TOTAL_FORMS": "3",
        "fu-INITIAL_FORMS": "0",
        "fu-MIN_NUM_FORMS": "0",
        "fu-MAX_NUM_FORMS": "10",
        "fu-0-action": "Lengkapi dokumen KUR",
        "fu-0-due_on": (_yesterday(side.centre.timezone) + datetime.timedelta(days=14)).isoformat(),
    }
    data.update(overrides)
    return data


TABLE = [
    ("anonymous", 302),
    ("owner_a", 403),
    ("national", 403),
    ("officer_a", 403),
    ("manager_a", 200),
    ("consultant_a", 200),
]


@pytest.mark.parametrize(("user_name", "status"), TABLE)
def test_who_may_open_the_session_form(client, world, user_name, status):
    if world.user(user_name):
        client.force_login(world.user(user_name))
    assert client.get("/staff/sessions/new/").status_code == status


def test_a_logged_session_is_saved_whole_in_the_centres_zone(client, world):
    client.force_login(world.b.consultant)  # Sulawesi Selatan: WITA
    response = client.post("/staff/sessions/new/", _post_data(world.b))
    session = MentoringSession.objects.exclude(pk=world.b.session.pk).get(centre=world.b.centre)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/sessions/{session.pk}/"
    local = session.starts_at.astimezone(ZoneInfo("Asia/Makassar"))
    assert (local.date(), local.hour, local.minute) == (_yesterday("Asia/Makassar"), 9, 30)
    assert session.ends_at - session.starts_at == datetime.timedelta(minutes=45)
    assert (session.contact_minutes, session.preparation_minutes) == (45, 15)
    assert list(session.enterprises.all()) == [world.b.enterprise]
    assert session.consultant == world.b.consultant
    assert FollowUp.objects.get(session=session).assignee == world.b.consultant


def test_submitting_the_same_form_twice_saves_one_session(client, world):
    client.force_login(world.a.consultant)
    data = _post_data(world.a)
    first = client.post("/staff/sessions/new/", data)
    second = client.post("/staff/sessions/new/", data)
    assert first["Location"] == second["Location"]
    assert MentoringSession.objects.filter(submission_key=data["submission_key"]).count() == 1
    assert FollowUp.objects.filter(session__submission_key=data["submission_key"]).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"enterprises": [], "attended": []}, None, "Tambahkan minimal satu UMKM atau koperasi"),
        ({"mode": "online", "meeting_link": ""}, "meeting_link", "wajib memiliki tautan"),
        ({"topic": ""}, "topic", "Bidang ini harus diisi."),
        ({"duration_minutes": "0"}, "duration_minutes", "lebih besar dari atau sama dengan 5"),
        ({"date": "2099-01-01"}, "date", "Sesi belum terjadi"),
        ({"fu-0-due_on": "2000-01-01"}, None, "Tenggat tidak boleh sebelum tanggal sesi"),
        ({"fu-0-due_on": ""}, None, "Isi tenggat untuk tindak lanjut ini"),
    ],
)
def test_bad_input_is_explained_in_indonesian_and_nothing_is_saved(
    client, world, overrides, field, message
):
    client.force_login(world.a.consultant)
    before = (MentoringSession.objects.count(), FollowUp.objects.count())
    response = client.post("/staff/sessions/new/", _post_data(world.a, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    if field:
        assert field in response.context["form"].errors
    assert (MentoringSession.objects.count(), FollowUp.objects.count()) == before


def test_individual_session_takes_one_enterprise_group_takes_many(client, world):
    second = EnterpriseFactory(centre=world.a.centre)
    client.force_login(world.a.consultant)
    both = [world.a.enterprise.pk, second.pk]
    response = client.post("/staff/sessions/new/", _post_data(world.a, enterprises=both))
    assert "Sesi individu hanya untuk satu UMKM" in response.content.decode()
    response = client.post(
        "/staff/sessions/new/",
        _post_data(world.a, enterprises=both, attended=[second.pk], format="group"),
    )
    assert response.status_code == 302
    session = MentoringSession.objects.latest("pk")
    attendance = dict(session.sessionenterprise_set.values_list("enterprise_id", "attended"))
    assert attendance == {world.a.enterprise.pk: False, second.pk: True}


def test_another_centres_enterprise_cannot_be_attached(client, world):
    client.force_login(world.a.consultant)
    response = client.post(
        "/staff/sessions/new/", _post_data(world.a, enterprises=[world.b.enterprise.pk])
    )
    assert response.status_code == 200
    assert "enterprises" in response.context["form"].errors
    assert not MentoringSession.objects.filter(topic="Pengajuan KUR mikro").exists()


def test_starting_from_a_booking_prefills_and_completes_it(client, world):
    booking = world.a.booking
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    client.force_login(world.a.consultant)
    url = f"/staff/sessions/new/?booking={booking.pk}"
    form = client.get(url).context["form"]
    assert form.initial["enterprises"] == [world.a.enterprise.pk]
    assert form.initial["duration_minutes"] == 60
    response = client.post(url, _post_data(world.a))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.session.topic == "Pengajuan KUR mikro"
    # A completed booking cannot be used again.
    assert client.get(url).status_code == 404


def test_another_centres_booking_is_a_404(client, world):
    client.force_login(world.a.consultant)
    assert client.get(f"/staff/sessions/new/?booking={world.b.booking.pk}").status_code == 404


@pytest.mark.parametrize(
    ("user_name", "detail", "edit"),
    [
        ("consultant_a", 200, 200),  # their own session
        ("manager_a", 200, 200),  # the centre's session
        ("officer_a", 200, 403),
        ("national", 200, 403),
        ("consultant_b", 404, 404),
        ("manager_b", 404, 404),
        ("officer_b", 404, 403),
        ("owner_a", 403, 403),
        ("anonymous", 302, 302),
    ],
)
def test_session_pages_by_role(client, world, user_name, detail, edit):
    if world.user(user_name):
        client.force_login(world.user(user_name))
    assert client.get(f"/staff/sessions/{world.a.session.pk}/").status_code == detail
    assert client.get(f"/staff/sessions/{world.a.session.pk}/edit/").status_code == edit


def test_a_consultant_cannot_edit_a_colleagues_session(client, world):
    colleague = StaffFactory(centre=world.a.centre).user
    client.force_login(colleague)
    assert client.get(f"/staff/sessions/{world.a.session.pk}/").status_code == 200
    assert client.get(f"/staff/sessions/{world.a.session.pk}/edit/").status_code == 403


def test_an_edit_is_saved_and_kept_in_the_history(client, world):
    client.force_login(world.a.manager)
    session = world.a.session
    data = _post_data(world.a, topic="Topik yang diperbaiki")
    response = client.post(f"/staff/sessions/{session.pk}/edit/", data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.topic == "Topik yang diperbaiki"
    entry = LogEntry.objects.get_for_object(session).filter(action=LogEntry.Action.UPDATE).first()
    assert entry.actor == world.a.manager
    assert "topic" in entry.changes_dict
    page = client.get(f"/staff/sessions/{session.pk}/").content.decode()
    assert "Riwayat perubahan" in page
    assert "Topik yang diperbaiki" in page


@pytest.mark.parametrize("attendees", [1, 50])
def test_detail_query_count_does_not_grow(client, world, django_assert_num_queries, attendees):
    session = SessionFactory(
        consultant=world.a.consultant,
        enterprises=[EnterpriseFactory(centre=world.a.centre) for _ in range(attendees)],
    )
    for _ in range(attendees):
        session.follow_ups.create(
            action="x", due_on=timezone.localdate(), assignee=world.a.consultant
        )
    client.force_login(world.a.consultant)
    # session, user, membership; the session; attendee links, enterprises, cooperatives,
    # follow-ups, assignees; the history and the names behind its foreign keys (centre,
    # users, service area: one query per related model, however long the history)
    with django_assert_num_queries(13):
        assert client.get(f"/staff/sessions/{session.pk}/").status_code == 200


# --- "Catat sesi" from a client's profile ------------------------------------------------------


@pytest.mark.parametrize("kind", ["enterprise", "cooperative"])
@pytest.mark.parametrize("user_name", ["consultant_a", "manager_a"])
def test_starting_from_a_profile_preselects_the_client(client, world, user_name, kind):
    record = getattr(world.a, kind)
    client.force_login(world.user(user_name))
    response = client.get(f"/staff/sessions/new/?{kind}={record.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial[f"{kind}s"] == [record.pk]
    chosen = response.context[f"chosen_{kind}s"]
    assert [c[0] if kind == "enterprise" else c for c in chosen] == [record]
    body = response.content.decode()
    assert f'<input type="hidden" name="{kind}s" value="{record.pk}">' in body
    if kind == "enterprise":
        assert f'name="attended" value="{record.pk}" checked' in body


@pytest.mark.parametrize("kind", ["enterprise", "cooperative"])
@pytest.mark.parametrize("user_name", ["consultant_b", "manager_b"])
def test_another_centres_client_cannot_be_preselected(client, world, user_name, kind):
    client.force_login(world.user(user_name))
    record = getattr(world.a, kind)
    assert client.get(f"/staff/sessions/new/?{kind}={record.pk}").status_code == 404


@pytest.mark.parametrize("wanted", ["999999", "abc", "-1"])
def test_an_unknown_preselected_client_is_a_404(client, world, wanted):
    client.force_login(world.a.consultant)
    assert client.get(f"/staff/sessions/new/?enterprise={wanted}").status_code == 404


def test_a_preselected_client_is_logged_like_a_searched_one(client, world):
    client.force_login(world.a.consultant)
    url = f"/staff/sessions/new/?enterprise={world.a.enterprise.pk}"
    response = client.post(url, _post_data(world.a))
    assert response.status_code == 302
    session = MentoringSession.objects.get(topic="Pengajuan KUR mikro")
    assert list(session.enterprises.all()) == [world.a.enterprise]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("", "session-new"),
        ("?enterprise={enterprise}", "session-new-enterprise-{enterprise}"),
        ("?cooperative={cooperative}", "session-new-cooperative-{cooperative}"),
    ],
)
def test_each_starting_point_keeps_its_own_draft_on_the_device(client, world, query, key):
    """A half-typed session about one client is not restored into "Catat sesi" from another
    client's profile (static/js/session_form.js restores by this key)."""
    ids = {"enterprise": world.a.enterprise.pk, "cooperative": world.a.cooperative.pk}
    client.force_login(world.a.consultant)
    body = client.get("/staff/sessions/new/" + query.format(**ids)).content.decode()
    assert f'data-draft="{key.format(**ids)}"' in body
