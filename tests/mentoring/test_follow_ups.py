"""Follow-ups: the staff list, its export, and marking one done (htmx and plain POST)."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring.models import FollowUp
from mentoring.selectors.records import follow_ups_visible_to
from mentoring.services.follow_ups import follow_up_complete
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import FollowUpFactory, SessionFactory

LIST = reverse("mentoring:follow_up_list")
CSV = reverse("mentoring:follow_up_export", args=["csv"])
XLSX = reverse("mentoring:follow_up_export", args=["xlsx"])
STAFF = ["national", "officer_a", "manager_a", "consultant_a"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def named(world):
    FollowUp.objects.filter(pk=world.a.follow_up.pk).update(action="Urus NIB Lampung")
    FollowUp.objects.filter(pk=world.b.follow_up.pk).update(action="Urus halal Makassar")
    world.a.follow_up.refresh_from_db()
    world.b.follow_up.refresh_from_db()
    return world


@pytest.fixture
def colleague(world):
    """Another consultant at centre a, with a follow-up of their own."""
    user = StaffFactory(centre=world.a.centre, user__first_name="Rina").user
    session = SessionFactory(consultant=user)
    FollowUpFactory(session=session, action="Tugas Rina")
    return user


def _body(client, user, url=LIST, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _export_rows(response, fmt):
    data = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _done_url(follow_up):
    return reverse("mentoring:follow_up_done", args=[follow_up.pk])


# --- Who may open it ------------------------------------------------------------------------

TABLE = [
    *[("anonymous", url, 302) for url in (LIST, CSV, XLSX)],
    *[("owner_a", url, 403) for url in (LIST, CSV, XLSX)],
    *[(user, url, 200) for user in STAFF for url in (LIST, CSV, XLSX)],
    ("consultant_a", reverse("mentoring:follow_up_export", args=["pdf"]), 404),
]


@pytest.mark.parametrize(("user_name", "url", "status"), TABLE)
def test_permissions(client, world, user_name, url, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


# (user, expected status) for POSTing a note on side a's follow-up, assigned to consultant_a.
DONE_TABLE = [
    ("anonymous", 302),
    ("owner_a", 403),
    ("consultant_a", 302),  # the assignee: done, back to the list
    ("manager_a", 302),  # the centre's manager
    ("national", 403),  # sees it, may not close it
    ("officer_a", 403),
    ("consultant_b", 404),  # outside the scope: as if it did not exist
    ("manager_b", 404),
]


@pytest.mark.parametrize(("user_name", "status"), DONE_TABLE)
def test_who_may_mark_done(client, world, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.post(_done_url(world.a.follow_up), {"note": "Dokumen lengkap"})
    assert response.status_code == status
    world.a.follow_up.refresh_from_db()
    assert (world.a.follow_up.done_at is not None) is (status == 302 and user is not None)


def test_another_consultant_of_the_same_centre_may_not_mark_done(client, world, colleague):
    client.force_login(colleague)
    response = client.post(_done_url(world.a.follow_up), {"note": "Sudah"})
    assert response.status_code == 403
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_at is None


def test_marking_done_needs_post(client, world):
    client.force_login(world.a.consultant)
    assert client.get(_done_url(world.a.follow_up)).status_code == 405


# --- The list -------------------------------------------------------------------------------


def test_it_hides_other_centres_follow_ups(client, named):
    body = _body(client, named.b.consultant)
    assert "Urus halal Makassar" in body
    assert "Urus NIB Lampung" not in body
    body = _body(client, named.b.manager, who="all", status="any")
    assert "Urus NIB Lampung" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_only_the_users_scope(client, named, fmt):
    client.force_login(named.b.consultant)
    url = reverse("mentoring:follow_up_export", args=[fmt])
    rows = _export_rows(client.get(url, {"who": "all", "status": "any"}), fmt)
    assert rows[0][:3] == ["ID", "Tenggat", "Tindak lanjut"]
    assert [row[2] for row in rows[1:]] == ["Urus halal Makassar"]


def test_a_consultant_sees_their_own_by_default(client, named, colleague):
    body = _body(client, named.a.consultant)
    assert "Urus NIB Lampung" in body
    assert "Tugas Rina" not in body
    body = _body(client, named.a.consultant, who="all")
    assert "Tugas Rina" in body


def test_a_manager_sees_the_whole_centre_by_default(client, named, colleague):
    body = _body(client, named.a.manager)
    assert "Urus NIB Lampung" in body and "Tugas Rina" in body
    assert "Urus halal Makassar" not in body


def test_open_done_and_overdue(client, named):
    today = timezone.localdate()
    late = FollowUpFactory(
        session=named.a.session, action="Kirim laporan", due_on=today - datetime.timedelta(days=2)
    )
    closed = FollowUpFactory(session=named.a.session, action="Sudah beres")
    FollowUp.objects.filter(pk=closed.pk).update(done_at=timezone.now(), done_note="OK")

    open_body = _body(client, named.a.consultant)
    assert "Kirim laporan" in open_body and "Urus NIB Lampung" in open_body
    assert "Sudah beres" not in open_body
    # Overdue says so in words, not only in colour.
    row = open_body[open_body.index(f'id="follow-up-{late.pk}"') :].split("</tr>")[0]
    assert "(terlambat)" in row
    assert 'class="overdue"' in open_body
    assert (
        "(terlambat)"
        not in open_body.split(f'id="follow-up-{named.a.follow_up.pk}"')[1].split("</tr>")[0]
    )

    overdue = _body(client, named.a.consultant, status="overdue")
    assert "Kirim laporan" in overdue and "Urus NIB Lampung" not in overdue
    done = _body(client, named.a.consultant, status="done")
    assert "Sudah beres" in done and "Kirim laporan" not in done


def test_due_date_range(client, named):
    today = timezone.localdate()
    FollowUpFactory(
        session=named.a.session, action="Jauh di depan", due_on=today + datetime.timedelta(days=60)
    )
    body = _body(
        client, named.a.consultant, due_from=(today + datetime.timedelta(days=30)).isoformat()
    )
    assert "Jauh di depan" in body and "Urus NIB Lampung" not in body
    body = _body(
        client, named.a.consultant, due_to=(today + datetime.timedelta(days=30)).isoformat()
    )
    assert "Urus NIB Lampung" in body and "Jauh di depan" not in body


def test_assignee_filter(client, named, colleague):
    body = _body(client, named.a.manager, assignee=colleague.pk)
    assert "Tugas Rina" in body and "Urus NIB Lampung" not in body


def test_an_assignee_outside_the_scope_does_not_widen_the_list(client, named):
    body = _body(client, named.a.officer, assignee=named.b.consultant.pk)
    assert "Urus halal Makassar" not in body
    assert "Urus NIB Lampung" not in body
    assert f'<option value="{named.b.consultant.pk}"' not in body


def test_only_those_who_may_close_a_row_get_the_button(client, named, colleague):
    body = _body(client, named.a.consultant, who="all")
    assert _done_url(named.a.follow_up) in body
    rina = FollowUp.objects.get(action="Tugas Rina")
    assert _done_url(rina) not in body
    manager_body = _body(client, named.a.manager)
    assert _done_url(rina) in manager_body and _done_url(named.a.follow_up) in manager_body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_follows_the_filters(client, named, colleague, fmt):
    session = FollowUp.objects.get(action="Tugas Rina").session
    session.enterprises.set(
        [EnterpriseFactory(name="Warung Bu Sri"), EnterpriseFactory(name="Batik Ayu")]
    )
    session.cooperatives.set([CooperativeFactory(name="Koperasi Tani Makmur")])
    client.force_login(named.a.manager)
    url = reverse("mentoring:follow_up_export", args=[fmt])
    rows = _export_rows(client.get(url, {"assignee": colleague.pk}), fmt)
    assert [row[2] for row in rows[1:]] == ["Tugas Rina"]
    # The clients by name, enterprises then cooperatives, each in alphabetical order.
    assert rows[0][3] == "Klien"
    assert rows[1][3] == "Batik Ayu; Warung Bu Sri; Koperasi Tani Makmur"
    assert rows[1][7] == "Terbuka"


def _grow(world, extra):
    # Each on a session of its own with clients of its own: the client column's prefetch.
    for _ in range(extra):
        session = SessionFactory(
            consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
        )
        session.cooperatives.add(CooperativeFactory(centre=world.a.centre))
        FollowUpFactory(session=session)


@pytest.mark.parametrize(
    ("user_name", "queries"),
    [
        # session + user, the page, the sessions' enterprises and cooperatives (the client
        # column), the rows' centres (kept by each process: no query there), the assignees
        # dropdown
        ("national", 7),
        ("manager_a", 8),  # + the membership behind the scope
        ("consultant_a", 8),  # + the membership behind the scope
    ],
)
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, user_name, queries, extra_rows
):
    _grow(world, extra_rows)
    client.force_login(world.user(user_name))
    with django_assert_num_queries(queries):
        response = client.get(LIST)
    assert response.status_code == 200
    # Every open follow-up in these scopes is consultant_a's, so the defaults list them all.
    visible = follow_ups_visible_to(world.user(user_name)).filter(done_at__isnull=True).count()
    assert len(response.context["rows"]) == min(visible, 50)


# --- The client column ----------------------------------------------------------------------


def _group_session_with_clients(world) -> list[str]:
    """Side a's follow-up on a session of two enterprises and a cooperative: the links its
    client cell should hold, in order (enterprises by name, "Abon" before "Keripik", then
    cooperatives)."""
    other = EnterpriseFactory(centre=world.a.centre, name="Abon Sapi Bu Tini")
    world.a.session.enterprises.add(other)
    world.a.session.cooperatives.add(world.a.cooperative)
    return [
        f'<a href="{reverse("mentoring:enterprise_profile", args=[other.pk])}">{other.name}</a>',
        f'<a href="{reverse("mentoring:enterprise_profile", args=[world.a.enterprise.pk])}">'
        f"{world.a.enterprise.name}</a>",
        f'<a href="{reverse("mentoring:cooperative_profile", args=[world.a.cooperative.pk])}">'
        f"{world.a.cooperative.name}</a>",
    ]


def _row(body: str, follow_up) -> str:
    return body.split(f'<tr id="follow-up-{follow_up.pk}"')[1].split("</tr>")[0]


def test_each_row_names_its_clients_linked_to_their_profiles(client, world):
    links = _group_session_with_clients(world)
    client.force_login(world.a.manager)
    body = client.get(LIST).content.decode()
    assert '<th scope="col">Klien</th>' in body
    assert ", ".join(links) in _row(body, world.a.follow_up)


def test_the_row_swapped_in_by_htmx_keeps_its_clients(client, world):
    links = _group_session_with_clients(world)
    client.force_login(world.a.consultant)
    body = client.post(_done_url(world.a.follow_up), {"note": "Beres"}, **HTMX).content.decode()
    assert ", ".join(links) in _row(body, world.a.follow_up)


# --- Marking done ---------------------------------------------------------------------------


def test_the_assignee_marks_done_with_htmx_and_gets_the_row_back(client, world):
    client.force_login(world.a.consultant)
    response = client.post(_done_url(world.a.follow_up), {"note": "Dokumen lengkap"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="follow-up-{world.a.follow_up.pk}"')
    assert "Dokumen lengkap" in body
    assert "<html" not in body
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_note == "Dokumen lengkap"
    assert world.a.follow_up.done_at is not None


def test_without_javascript_it_redirects_back_to_the_list_it_came_from(client, world):
    client.force_login(world.a.consultant)
    back = f"{LIST}?status=any&who=mine"
    response = client.post(_done_url(world.a.follow_up), {"note": "Beres", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    page = client.get(response["Location"]).content.decode()
    assert "Tindak lanjut ditandai selesai." in page


def test_it_never_redirects_off_site(client, world):
    client.force_login(world.a.consultant)
    response = client.post(
        _done_url(world.a.follow_up), {"note": "Beres", "next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


def test_the_centres_manager_marks_done(client, world):
    client.force_login(world.a.manager)
    response = client.post(_done_url(world.a.follow_up), {"note": "Dicek manajer"}, **HTMX)
    assert response.status_code == 200
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_note == "Dicek manajer"


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_is_refused_in_indonesian(client, world, note):
    client.force_login(world.a.consultant)
    response = client.post(_done_url(world.a.follow_up), {"note": note}, **HTMX)
    assert response.status_code == 200
    assert "Tulis catatan singkat tentang hasilnya." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_at is None
    # Without JavaScript the same message comes back on the list.
    response = client.post(_done_url(world.a.follow_up), {"note": note}, follow=True)
    assert "Tulis catatan singkat tentang hasilnya." in response.content.decode()
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_at is None


def test_a_second_completion_is_refused(client, world):
    client.force_login(world.a.consultant)
    client.post(_done_url(world.a.follow_up), {"note": "Pertama"})
    world.a.follow_up.refresh_from_db()
    first_done_at = world.a.follow_up.done_at
    response = client.post(_done_url(world.a.follow_up), {"note": "Kedua"}, **HTMX)
    assert "sudah ditandai selesai" in response.content.decode()
    world.a.follow_up.refresh_from_db()
    assert world.a.follow_up.done_note == "Pertama"
    assert world.a.follow_up.done_at == first_done_at


# --- The service ----------------------------------------------------------------------------


def test_follow_up_complete_records_when_and_what(world):
    before = timezone.now()
    done = follow_up_complete(follow_up=world.a.follow_up, user=world.a.consultant, note=" Lunas ")
    assert done.done_note == "Lunas"
    assert done.done_at >= before
    stored = FollowUp.objects.get(pk=world.a.follow_up.pk)
    assert (stored.done_at, stored.done_note) == (done.done_at, "Lunas")


def test_follow_up_complete_refuses_a_done_follow_up_even_from_a_stale_copy(world):
    # Two people had the list open; the first one closed it.
    stale = FollowUp.objects.select_related("session").get(pk=world.a.follow_up.pk)
    follow_up_complete(follow_up=world.a.follow_up, user=world.a.consultant, note="Satu")
    with pytest.raises(ValidationError):
        follow_up_complete(follow_up=stale, user=world.a.manager, note="Dua")
    assert FollowUp.objects.get(pk=stale.pk).done_note == "Satu"


def test_follow_up_complete_refuses_an_empty_note_and_a_stranger(world):
    with pytest.raises(ValidationError):
        follow_up_complete(follow_up=world.a.follow_up, user=world.a.consultant, note="  ")
    with pytest.raises(PermissionDenied):
        follow_up_complete(follow_up=world.a.follow_up, user=world.b.manager, note="Bukan milikku")
    assert FollowUp.objects.get(pk=world.a.follow_up.pk).done_at is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_export_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, fmt, extra_rows
):
    _grow(world, extra_rows)
    client.force_login(world.a.consultant)
    # session + user + membership, the count up to EXPORT_STREAM_MAX_ROWS (short enough to
    # send at once?), then the rows with their sessions and centres in one query, and their
    # sessions' enterprises and cooperatives in one query each
    with django_assert_num_queries(7):
        rows = _export_rows(client.get(reverse("mentoring:follow_up_export", args=[fmt])), fmt)
    assert len(rows) == 2 + extra_rows  # the header and every row
