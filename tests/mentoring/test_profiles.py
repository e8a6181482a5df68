"""The enterprise and cooperative profiles: who may open them, what they show, what they cost."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Cooperative
from mentoring.models import MentoringSession, SessionEnterprise, SessionFormat
from mentoring.selectors.profiles import enterprise_ladder, enterprise_timeline
from tests.factories.cooperatives import EnterpriseFactory, PersonFactory
from tests.factories.mentoring import BookingFactory, OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db

INSIDERS = ["national", "officer_a", "manager_a", "consultant_a"]
OUTSIDERS = ["officer_b", "manager_b", "consultant_b"]


def _url(world, page: str) -> str:
    return {
        "enterprise": reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk]),
        "cooperative": reverse("mentoring:cooperative_profile", args=[world.a.cooperative.pk]),
    }[page]


# An insider gets 200; an owner never uses staff pages (403); staff of another centre or
# province get 404, which does not confirm that the record exists.
TABLE = [
    (user, page, status)
    for page in ["enterprise", "cooperative"]
    for user, status in [
        ("anonymous", 302),
        ("owner_a", 403),
        *[(u, 200) for u in INSIDERS],
        *[(u, 404) for u in OUTSIDERS],
    ]
]


@pytest.mark.parametrize(("user_name", "page", "status"), TABLE)
def test_who_may_open_a_profile(client, world, user_name, page, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(_url(world, page))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["mentoring:enterprise_profile", "mentoring:cooperative_profile"])
def test_an_unknown_record_is_a_404(client, world, name):
    client.force_login(world.national)
    assert client.get(reverse(name, args=[999_999])).status_code == 404


def _profile(client, user, enterprise) -> str:
    client.force_login(user)
    response = client.get(reverse("mentoring:enterprise_profile", args=[enterprise.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_owners_nik_and_phone_are_masked(client, world):
    person = world.a.person
    person.nik, person.phone = "1871011205850001", "+6281234567890"
    person.save()
    body = _profile(client, world.a.consultant, world.a.enterprise)
    assert "187101********01" in body
    assert "1871011205850001" not in body
    assert "+62812****7890" in body
    assert "+6281234567890" not in body
    assert "81234567890" not in body


def test_it_shows_the_enterprises_figures_in_rupiah(client, world):
    enterprise = world.a.enterprise
    enterprise.business_capital, enterprise.annual_turnover = 250_000_000, 3_900_000_000
    enterprise.save()
    body = _profile(client, world.a.consultant, enterprise)
    assert "Rp 250.000.000" in body
    assert "Rp 3.900.000.000" in body
    assert enterprise.nib in body
    assert "Kecil" in body  # turnover above Rp 2 miliar: small


def _ladder_text(body: str) -> dict[str, str]:
    """Each ladder step's label prefix -> 'sudah' or 'belum', as the page says it in words."""
    steps = body.split('<ol class="ladder-steps">')[1].split("</ol>")[0]
    result = {}
    for item in steps.split("<li")[1:]:
        text = " ".join(item.split(">", 1)[1].replace("<strong>", "").split())
        name = text.split(" ")[0]
        result[name] = "sudah" if "sudah" in text else "belum"
    return result


def test_the_ladder_counts_the_nib_on_record_and_reported_permits(client, world):
    OutcomeFactory(enterprise=world.a.enterprise, obtained_halal=True)
    body = _profile(client, world.a.consultant, world.a.enterprise)
    assert _ladder_text(body) == {
        "NIB": "sudah",
        "PIRT": "belum",
        "Sertifikat": "sudah",  # halal
        "SNI": "belum",
        "Pembiayaan,": "belum",
    }
    assert "2 dari 5 tahap" in body


def test_the_ladder_takes_nib_and_financing_from_outcomes(world):
    enterprise = EnterpriseFactory(centre=world.a.centre, nib=None)
    OutcomeFactory(enterprise=enterprise, obtained_nib=True)
    OutcomeFactory(enterprise=enterprise, financing_amount=25_000_000, financing_source="kur")
    OutcomeFactory(enterprise=enterprise, financing_amount=0, financing_source="kur")
    done = {step.code: step.done for step in enterprise_ladder(enterprise).steps}
    assert done == {"nib": True, "pirt": False, "halal": False, "sni": False, "financing": True}


def test_an_enterprise_without_nib_or_outcomes_has_climbed_nothing(world):
    ladder = enterprise_ladder(EnterpriseFactory(centre=world.a.centre, nib=None))
    assert (ladder.done_count, ladder.total) == (0, 5)


def test_the_ladder_is_one_query(world, django_assert_num_queries):
    for _ in range(5):
        OutcomeFactory(enterprise=world.a.enterprise, obtained_pirt=True)
    with django_assert_num_queries(1):
        enterprise_ladder(world.a.enterprise)


def test_the_ladder_reads_a_whole_timelines_outcomes_without_a_query(
    world, django_assert_num_queries
):
    enterprise = EnterpriseFactory(centre=world.a.centre, nib=None)
    OutcomeFactory(enterprise=enterprise, obtained_halal=True)
    OutcomeFactory(enterprise=enterprise, financing_amount=5_000_000, financing_source="kur")
    whole = enterprise_timeline(world.a.consultant, enterprise)
    with django_assert_num_queries(0):
        from_timeline = enterprise_ladder(enterprise, whole)
    assert from_timeline == enterprise_ladder(enterprise)
    assert from_timeline.done_count == 2
    # A truncated timeline may have left an outcome out: the ladder asks the database.
    OutcomeFactory(enterprise=enterprise, obtained_sni=True)
    truncated = enterprise_timeline(world.a.consultant, enterprise, limit=1)
    with django_assert_num_queries(1):
        assert enterprise_ladder(enterprise, truncated).done_count == 3


def test_the_timeline_merges_sessions_bookings_and_outcomes_newest_first(world):
    now = timezone.now()
    enterprise = world.a.enterprise
    old_session = world.a.session
    MentoringSession.objects.filter(pk=old_session.pk).update(
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3, hours=-1),
    )
    booking = world.a.booking  # in two days
    outcome = world.a.outcome  # today
    older = OutcomeFactory(
        enterprise=enterprise, recorded_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    recent = SessionFactory(
        consultant=world.a.consultant,
        enterprises=[enterprise],
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
    )
    timeline = enterprise_timeline(world.a.consultant, enterprise)
    assert [item.record for item in timeline.items] == [
        booking,
        outcome,
        recent,
        old_session,
        older,
    ]
    assert [item.kind for item in timeline.items] == [
        "booking",
        "outcome",
        "session",
        "session",
        "outcome",
    ]
    assert not timeline.truncated


def test_the_timeline_hides_sessions_held_by_another_centre(world):
    # The enterprise of side a took part in a session of side b's centre.
    elsewhere = SessionFactory(consultant=world.b.consultant, enterprises=[world.a.enterprise])
    mine = [i.record for i in enterprise_timeline(world.a.consultant, world.a.enterprise).items]
    everyone = [i.record for i in enterprise_timeline(world.national, world.a.enterprise).items]
    assert elsewhere not in mine
    assert elsewhere in everyone


def test_the_timeline_keeps_the_newest_hundred_of_each_kind(world):
    for _ in range(3):
        OutcomeFactory(enterprise=world.a.enterprise)
    timeline = enterprise_timeline(world.a.consultant, world.a.enterprise, limit=2)
    assert timeline.truncated
    assert sum(item.kind == "outcome" for item in timeline.items) == 2


def test_the_timeline_shows_times_in_the_sessions_centres_zone(client, world):
    session = world.b.session
    session.starts_at = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)  # 09:00 WITA
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.advice = "Pisahkan uang usaha dan uang rumah tangga"
    session.save()
    body = _profile(client, world.b.consultant, world.b.enterprise)
    assert "2 Mar 2026 09:00 WITA" in body
    assert session.topic in body
    assert session.advice in body
    assert session.service_area.name in body
    assert world.b.booking.get_status_display() in body


def test_a_group_session_says_whether_the_enterprise_came(client, world):
    session = SessionFactory(
        consultant=world.a.consultant, enterprises=[world.a.enterprise], format=SessionFormat.GROUP
    )
    SessionEnterprise.objects.filter(session=session).update(attended=False)
    body = _profile(client, world.a.consultant, world.a.enterprise)
    assert "tidak hadir" in body


@pytest.mark.parametrize(
    ("user_name", "record", "merge"),
    [
        ("national", True, True),
        ("manager_a", True, True),
        ("consultant_a", True, False),
        ("officer_a", False, False),
    ],
)
def test_the_actions_shown_follow_the_role(client, world, user_name, record, merge):
    body = _profile(client, world.user(user_name), world.a.enterprise)
    assert (reverse("mentoring:outcome_create", args=[world.a.enterprise.pk]) in body) == record
    assert (reverse("mentoring:enterprise_merge", args=[world.a.enterprise.pk]) in body) == merge
    assert ("Catat hasil" in body) == record
    assert ("Gabungkan duplikat" in body) == merge


# "Catat sesi" is for the client's own centre's staff (session_create is theirs alone);
# "Ubah data" for whoever may open the profile (cooperatives.views.clients corrects in scope).
@pytest.mark.parametrize(
    ("user_name", "log_session"),
    [("national", False), ("officer_a", False), ("manager_a", True), ("consultant_a", True)],
)
@pytest.mark.parametrize("page", ["enterprise", "cooperative"])
def test_the_profile_offers_to_log_a_session_and_to_edit_to_whoever_may(
    client, world, user_name, log_session, page
):
    record = getattr(world.a, page)
    client.force_login(world.user(user_name))
    body = client.get(_url(world, page)).content.decode()
    log_url = f"{reverse('mentoring:session_create')}?{page}={record.pk}"
    assert (f'href="{log_url}"' in body) is log_session
    assert ("Catat sesi</a>" in body.split("<main")[1]) is log_session
    edit_url = reverse(f"cooperatives:{page}_edit", args=[record.pk])
    assert f'href="{edit_url}">Ubah data</a>' in body
    # Each link opens: the form with the client chosen, the edit page.
    if log_session:
        assert client.get(log_url).status_code == 200
    assert client.get(edit_url).status_code == 200


def test_the_profile_shows_the_change_history(client, world):
    enterprise = world.a.enterprise
    enterprise.kbli = "10792"
    enterprise.save()
    body = _profile(client, world.a.consultant, enterprise)
    assert "Riwayat perubahan" in body
    assert "10794 → 10792" in body


def test_the_cooperative_link_shows_only_when_the_user_may_open_it(client, world):
    enterprise = world.a.enterprise
    enterprise.cooperative = world.b.cooperative
    enterprise.save()
    link = reverse("mentoring:cooperative_profile", args=[world.b.cooperative.pk])
    body = _profile(client, world.a.consultant, enterprise)
    assert world.b.cooperative.name in body
    assert link not in body
    assert link in _profile(client, world.national, enterprise)


def _grow_enterprise(world, n: int) -> None:
    for _ in range(n):
        SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
        BookingFactory(enterprise=world.a.enterprise)
        OutcomeFactory(enterprise=world.a.enterprise, obtained_halal=True)


def _grow_cooperative(world, n: int) -> None:
    for _ in range(n):
        session = SessionFactory(consultant=world.a.consultant)
        session.cooperatives.add(world.a.cooperative)
        # Through the link table: an m2m add would fill the cooperative's history, whose
        # panel costs one query per related model named, not per row.
        Cooperative.board_members.through.objects.create(
            cooperative=world.a.cooperative, person=PersonFactory()
        )
        EnterpriseFactory(centre=world.a.centre, cooperative=world.a.cooperative)


# session + user (+ membership for centre staff), then the record and one query per panel.
@pytest.mark.parametrize(
    ("user_name", "page", "queries"),
    [
        # + enterprise, sessions and their centres and provinces, bookings, outcomes (the
        # ladder reads them), history, 3 history names (owner, regency, centre of the
        # creation entry), the owner's opt-out from WhatsApp and SMS
        ("consultant_a", "enterprise", 14),
        ("national", "enterprise", 13),
        # + cooperative, board, members, sessions, history, its centre's province (the
        # history's times are in its zone), 2 history names (regency, centre)
        ("consultant_a", "cooperative", 11),
        ("officer_a", "cooperative", 10),
    ],
)
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_profile_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, user_name, page, queries, extra_rows
):
    if page == "enterprise":
        _grow_enterprise(world, extra_rows)
    else:
        _grow_cooperative(world, extra_rows)
    client.force_login(world.user(user_name))
    url = _url(world, page)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_cooperative_profile_shows_board_members_masked_and_members(client, world):
    cooperative = world.a.cooperative
    person = world.a.person
    person.phone = "+6281234567890"
    person.save()
    member = EnterpriseFactory(centre=world.a.centre, cooperative=cooperative)
    client.force_login(world.a.manager)
    body = client.get(_url(world, "cooperative")).content.decode()
    assert person.full_name in body
    assert "+62812****7890" in body
    assert "+6281234567890" not in body
    assert person.nik not in body
    assert reverse("mentoring:enterprise_profile", args=[member.pk]) in body
    assert cooperative.number in body


def test_the_cooperative_profile_lists_the_sessions_that_served_it(client, world):
    session = SessionFactory(consultant=world.a.consultant, topic="Tata kelola RAT")
    session.cooperatives.add(world.a.cooperative)
    client.force_login(world.a.consultant)
    body = client.get(_url(world, "cooperative")).content.decode()
    assert "Tata kelola RAT" in body
    assert reverse("mentoring:session_detail", args=[session.pk]) in body


@pytest.mark.parametrize(("years_ago", "expected"), [(1, "Aktif"), (4, "Tidak aktif")])
def test_the_cooperative_is_active_within_the_rat_window(
    client, world, settings, years_ago, expected
):
    settings.COOPERATIVE_ACTIVE_RAT_YEARS = 3
    cooperative = world.a.cooperative
    cooperative.last_rat_on = timezone.localdate() - datetime.timedelta(days=365 * years_ago)
    cooperative.save()
    client.force_login(world.a.consultant)
    body = client.get(_url(world, "cooperative")).content.decode()
    assert f"<strong>{expected}</strong>" in body
    assert "RAT dalam 3 tahun terakhir" in body


@pytest.mark.parametrize(("user_name", "shown"), [("manager_a", True), ("officer_a", False)])
def test_the_timeline_offers_to_correct_an_outcome_to_whoever_may(client, world, user_name, shown):
    client.force_login(world.user(user_name))
    body = client.get(_url(world, "enterprise")).content.decode()
    outcome = world.a.outcome
    assert (reverse("mentoring:outcome_update", args=[outcome.pk]) in body) is shown
    assert (reverse("mentoring:outcome_delete", args=[outcome.pk]) in body) is shown
