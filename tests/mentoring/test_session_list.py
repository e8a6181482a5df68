"""The staff list of mentoring sessions and its export: scope, filters, pages, query counts."""

from __future__ import annotations

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from clinics.models import ServiceArea
from cooperatives.models import Enterprise
from mentoring.models import MentoringSession, Mode
from mentoring.selectors import records
from mentoring.selectors.records import sessions_visible_to
from plut.foundation.regions.models import Regency
from tests.factories.clinics import StaffFactory
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory

LIST = reverse("mentoring:session_list")
CSV = reverse("mentoring:session_export", args=["csv"])
XLSX = reverse("mentoring:session_export", args=["xlsx"])
STAFF = ["national", "officer_a", "manager_a", "consultant_a"]
WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")


@pytest.fixture
def named(world):
    """The world with names that tell the sides apart in a page or a file."""
    MentoringSession.objects.filter(pk=world.a.session.pk).update(topic="Topik Lampung")
    MentoringSession.objects.filter(pk=world.b.session.pk).update(topic="Topik Makassar")
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name="Kopi Way Kanan")
    Enterprise.objects.filter(pk=world.b.enterprise.pk).update(name="Sutera Sengkang")
    return world


def _body(client, user, url=LIST, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _export_rows(response, fmt):
    """Header and rows of a CSV or XLSX download, as lists of values."""
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- Who may open it ------------------------------------------------------------------------

TABLE = [
    *[("anonymous", url, 302) for url in (LIST, CSV, XLSX)],
    *[("owner_a", url, 403) for url in (LIST, CSV, XLSX)],
    *[(user, url, 200) for user in STAFF for url in (LIST, CSV, XLSX)],
    ("consultant_a", reverse("mentoring:session_export", args=["pdf"]), 404),
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


def test_it_hides_other_centres_sessions(client, named):
    body = _body(client, named.b.consultant)
    assert "Topik Makassar" in body
    assert "Sutera Sengkang" in body
    assert "Topik Lampung" not in body
    assert "Kopi Way Kanan" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_only_the_users_scope(client, named, fmt):
    client.force_login(named.b.consultant)
    rows = _export_rows(client.get(reverse("mentoring:session_export", args=[fmt])), fmt)
    assert rows[0][:4] == ["ID", "Mulai (waktu setempat)", "Zona waktu", "PLUT"]
    topics = [row[6] for row in rows[1:]]
    assert topics == ["Topik Makassar"]
    assert rows[1][2] == "WITA"
    assert rows[1][8] == "Sutera Sengkang"


def test_the_national_officer_sees_both_sides_with_their_centres(client, named):
    body = _body(client, named.national)
    assert "Topik Lampung" in body and "Topik Makassar" in body
    assert named.a.centre.name in body and named.b.centre.name in body


def test_one_centre_staff_get_no_centre_column(client, named):
    body = _body(client, named.a.consultant)
    assert '<th scope="col">PLUT</th>' not in body
    assert 'name="centre"' not in body


def test_times_are_shown_in_the_centres_zone(client, named):
    starts = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=WITA)
    MentoringSession.objects.filter(pk=named.b.session.pk).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=1)
    )
    body = _body(client, named.national)
    assert "2 Mar 2026 09:00 WITA" in body


def test_it_links_each_session_to_its_detail(client, named):
    body = _body(client, named.a.consultant)
    assert reverse("mentoring:session_detail", args=[named.a.session.pk]) in body


def test_it_never_shows_a_nik(client, named):
    body = _body(client, named.national)
    assert named.a.person.nik not in body


# --- Filters --------------------------------------------------------------------------------


def test_service_area_filter(client, named):
    marketing = ServiceArea.objects.get(code="marketing")
    SessionFactory(consultant=named.a.consultant, service_area=marketing, topic="Pameran dagang")
    body = _body(client, named.a.manager, service_area="marketing")
    assert "Pameran dagang" in body
    assert "Topik Lampung" not in body


def test_consultant_filter_offers_and_applies_only_colleagues(client, named):
    colleague = StaffFactory(centre=named.a.centre, user__first_name="Rina").user
    SessionFactory(consultant=colleague, topic="Sesi Rina")
    body = _body(client, named.a.manager, consultant=colleague.pk)
    assert "Sesi Rina" in body
    assert "Topik Lampung" not in body
    # Side b's consultant is neither offered nor accepted.
    assert f'value="{named.b.consultant.pk}"' not in _body(client, named.a.manager)
    body = _body(client, named.a.manager, consultant=named.b.consultant.pk)
    assert "Topik Makassar" not in body and "Topik Lampung" not in body


def test_mode_filter(client, named):
    SessionFactory(
        consultant=named.a.consultant,
        mode=Mode.FIELD_VISIT,
        topic="Kunjungan kebun",
    )
    body = _body(client, named.a.consultant, mode=Mode.FIELD_VISIT)
    assert "Kunjungan kebun" in body
    assert "Topik Lampung" not in body


def test_date_range_uses_each_centres_own_calendar(client, named):
    # 00.30 WITA on 5 November is still 4 November in Jakarta; the list shows "5 Nov".
    early = datetime.datetime(2026, 11, 5, 0, 30, tzinfo=WITA)
    late = datetime.datetime(2026, 11, 4, 23, 30, tzinfo=WIB)
    hour = datetime.timedelta(hours=1)
    MentoringSession.objects.filter(pk=named.b.session.pk).update(
        starts_at=early, ends_at=early + hour
    )
    MentoringSession.objects.filter(pk=named.a.session.pk).update(
        starts_at=late, ends_at=late + hour
    )
    body = _body(client, named.national, date_from="2026-11-05")
    assert "Topik Makassar" in body and "Topik Lampung" not in body
    body = _body(client, named.national, date_to="2026-11-04")
    assert "Topik Lampung" in body and "Topik Makassar" not in body
    body = _body(client, named.national, date_from="2026-11-04", date_to="2026-11-05")
    assert "Topik Lampung" in body and "Topik Makassar" in body


def test_regency_filter_is_the_clients_regency(client, named):
    other = (
        Regency.objects.filter(province=named.a.centre.province)
        .exclude(pk=named.a.enterprise.regency_id)
        .first()
    )
    elsewhere = EnterpriseFactory(centre=named.a.centre, regency=other, name="Lada Tanggamus")
    SessionFactory(consultant=named.a.consultant, enterprises=[elsewhere], topic="Sesi lada")
    body = _body(client, named.a.consultant, regency=other.pk)
    assert "Sesi lada" in body
    assert "Topik Lampung" not in body


def test_regency_choices_stay_in_the_users_provinces(client, named):
    body = _body(client, named.a.consultant)
    assert f'value="{named.a.enterprise.regency_id}"' in body
    assert f'value="{named.b.enterprise.regency_id}"' not in body


def test_centre_filter_narrows_for_the_national_officer(client, named):
    body = _body(client, named.national, centre=named.b.centre.pk)
    assert "Topik Makassar" in body
    assert "Topik Lampung" not in body


def test_a_centre_outside_the_scope_does_not_widen_the_list(client, named):
    body = _body(client, named.a.officer, centre=named.b.centre.pk)
    assert "Topik Makassar" not in body
    assert "Topik Lampung" not in body  # an invalid filter shows nothing, with the error
    assert "Saringan tidak valid" in body
    assert f'<option value="{named.b.centre.pk}"' not in body


@pytest.fixture(params=["ids", "walk", "estimated common"])
def search_path(request, monkeypatch):
    """Every way the search answers: the matching ids looked up first (a rare word), the
    newest-first walk (a common word overflows the limit; a limit of 0 forces it), and the walk
    chosen straight away because the planner expects a common word."""
    if request.param == "walk":
        monkeypatch.setattr(records, "search_limit", lambda sessions: 0)
    if request.param == "estimated common":
        monkeypatch.setattr(records, "_plan_rows", lambda *querysets: [10**9] * len(querysets))
    return request.param


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("lampung", True),  # topic
        ("way kanan", True),  # enterprise name
        ("full_nib", True),  # NIB, exact
        ("nib_prefix", False),  # ... and only exact
        ("owner", True),  # owner's name
        ("tidak ada", False),
    ],
)
def test_search_box(client, named, search_path, query, found):
    enterprise = named.a.enterprise
    enterprise.refresh_from_db()
    query = {
        "full_nib": enterprise.nib,
        "nib_prefix": enterprise.nib[:8],
        "owner": named.a.person.full_name,
    }.get(query, query)
    body = _body(client, named.a.consultant, q=query)
    assert ("Topik Lampung" in body) is found


def test_a_session_with_two_matching_clients_is_listed_once(client, named, search_path):
    twin = EnterpriseFactory(centre=named.a.centre, name="Kopi Way Kanan Dua")
    named.a.session.enterprises.add(twin)
    body = _body(client, named.a.consultant, q="Way Kanan")
    assert body.count("Topik Lampung") == 1


def test_search_finds_sessions_by_each_client_of_a_group_session(client, named, search_path):
    other = EnterpriseFactory(
        centre=named.a.centre,
        name="Tenun Ikat Dua",
        nib="9120000000001",
        owner__full_name="Siti Aminah",
    )
    session = SessionFactory(
        consultant=named.a.consultant, enterprises=[named.a.enterprise, other], topic="Sesi grup"
    )
    for query in ("tenun ikat", "9120000000001", "siti amin", "SESI GRUP"):
        body = _body(client, named.a.consultant, q=query)
        assert body.count(f'"{reverse("mentoring:session_detail", args=[session.pk])}"') == 1, query
        assert "Topik Lampung" not in body, query


def test_search_stays_in_the_scope(client, named, search_path):
    # Side b's client matches, but the search never widens a consultant's list.
    body = _body(client, named.a.consultant, q="Sengkang")
    assert "Topik Makassar" not in body and "Topik Lampung" not in body
    assert "Topik Makassar" in _body(client, named.national, q="Sengkang")


def test_sort_oldest_first(client, named):
    hour = datetime.timedelta(hours=1)
    old = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=WIB)
    SessionFactory(
        consultant=named.a.consultant, starts_at=old, ends_at=old + hour, topic="Sesi lama"
    )
    newest_first = _body(client, named.a.consultant)
    oldest_first = _body(client, named.a.consultant, sort="oldest")
    assert newest_first.index("Topik Lampung") < newest_first.index("Sesi lama")
    assert oldest_first.index("Sesi lama") < oldest_first.index("Topik Lampung")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_follows_the_filters(client, named, fmt):
    marketing = ServiceArea.objects.get(code="marketing")
    SessionFactory(consultant=named.a.consultant, service_area=marketing, topic="Pameran dagang")
    client.force_login(named.a.manager)
    url = reverse("mentoring:session_export", args=[fmt])
    rows = _export_rows(client.get(url, {"service_area": "marketing"}), fmt)
    assert [row[6] for row in rows[1:]] == ["Pameran dagang"]


def test_the_export_is_named_for_its_day(client, world):
    client.force_login(world.a.consultant)
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sesi-20')


# --- Pages and queries ----------------------------------------------------------------------


def test_the_next_page_keeps_the_filters(client, named):
    for _ in range(51):
        SessionFactory(consultant=named.a.consultant, topic="Sesi rutin")
    client.force_login(named.a.consultant)
    page = client.get(LIST, {"q": "rutin"})
    body = page.content.decode()
    assert body.count("Sesi rutin") == 50
    next_link = page.context["page"].next_cursor
    assert next_link
    second = client.get(LIST, {"q": "rutin", "cursor": next_link}).content.decode()
    assert second.count("Sesi rutin") == 1
    assert "Topik Lampung" not in second
    assert "kembali ke halaman pertama" in second.lower()
    assert 'rel="next"' not in second


def _grow(world, extra):
    for _ in range(extra):
        SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])


@pytest.mark.parametrize(
    ("user_name", "queries"),
    [
        # session + user, the page + its centres + its clients, the areas dropdown, then:
        # national: centres (no consultants or regencies before a centre is chosen); officer:
        # centres and their province's regencies; consultant: the membership behind the
        # scope, colleagues and regencies (one centre, no centre dropdown).
        ("national", 7),
        ("officer_a", 8),
        ("consultant_a", 9),
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
    visible = sessions_visible_to(world.user(user_name)).count()
    assert len(response.context["page"].items) == min(visible, 50)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_export_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, fmt, extra_rows
):
    _grow(world, extra_rows)
    client.force_login(world.a.consultant)
    # session + user + membership, the count up to EXPORT_STREAM_MAX_ROWS (short enough to
    # send at once?), then the rows and their clients: one query each per chunk
    with django_assert_num_queries(6):
        rows = _export_rows(client.get(reverse("mentoring:session_export", args=[fmt])), fmt)
    assert len(rows) == 2 + extra_rows  # the header and every row


@pytest.mark.parametrize("search_path_name", ["ids", "walk"])
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_search_query_count_does_not_grow_with_rows(
    client, world, monkeypatch, django_assert_num_queries, search_path_name, extra_rows
):
    if search_path_name == "walk":
        monkeypatch.setattr(records, "search_limit", lambda sessions: 0)
    _grow(world, extra_rows)
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name="Kopi Way Kanan")
    client.force_login(world.a.consultant)
    # The page's 9, and the search's look-ups: clients by name, by owner's name, topics, and
    # the sessions of those clients; the walk stops at the first look-up over the limit. On
    # PostgreSQL one EXPLAIN of the matching sessions and of the table (for the limit) comes
    # first, and an estimate over the limit (0 here) goes straight to the walk; a name of two
    # words takes one EXPLAIN more, of each word among the clients' names.
    if connection.vendor == "postgresql":
        expected = 15 if search_path_name == "ids" else 10
    else:
        expected = 13 if search_path_name == "ids" else 10
    with django_assert_num_queries(expected):
        response = client.get(LIST, {"q": "way kanan"})
    assert len(response.context["page"].items) == 1 + extra_rows


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_the_planner_estimates_the_matching_sessions_and_the_table_at_once(world):
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name="Kopi Way Kanan")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mentoring_mentoringsession")
    matching = MentoringSession.objects.filter(search_text__contains="WAY KANAN")
    estimate, sessions = records._plan_rows(matching, MentoringSession.objects.all())
    assert 1 <= estimate <= sessions
    assert sessions == MentoringSession.objects.count()


@pytest.fixture
def common_and_rare_names(world):
    """Thirty clients named "Kopi ...", one of them "Kopi Zebra Sejati"; another "Zebra Kopi
    Sejati" has the same words in another order."""
    for number in range(30):
        EnterpriseFactory(centre=world.a.centre, name=f"Kopi Nusantara {number}")
    wanted = EnterpriseFactory(centre=world.a.centre, name="Kopi Zebra Sejati")
    EnterpriseFactory(centre=world.a.centre, name="Zebra Kopi Sejati")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cooperatives_enterprise")
    return wanted


def test_a_name_of_several_words_finds_exactly_the_names_containing_it(common_and_rare_names):
    found = records._containing(Enterprise.objects.all(), "name", "kopi zebra")
    assert list(found) == [common_and_rare_names]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_the_index_is_asked_for_the_rarest_word(common_and_rare_names):
    found = records._containing(Enterprise.objects.all(), "name", "kopi zebra")
    sql = str(found.query)
    assert "%zebra%" in sql and "%kopi%" not in sql and "%kopi zebra%" not in sql


def test_a_common_word_is_walked_with_a_test_no_index_serves(world, monkeypatch):
    """Offered the trigram index, the planner read every match of a word it took for rare
    instead of walking the list newest first (docs/performance.md, session 8)."""
    monkeypatch.setattr(records, "_plan_rows", lambda *querysets: [10**9] * len(querysets))
    found = records.sessions_matching(MentoringSession.objects.all(), "kopi")
    sql = str(found.query).upper()
    assert ("STRPOS(" if connection.vendor == "postgresql" else "INSTR(") in sql
    assert "LIKE" not in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics")
def test_the_search_text_keeps_a_finer_histogram_for_the_estimate(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'mentoring_mentoringsession'::regclass AND attname = 'search_text'"
        )
        assert cursor.fetchone() == (1000,)


# --- Dropdowns that do not grow with the country ----------------------------------------------


def _options(body, name):
    """The values a <select name=...> lists, the empty "all" choice left out."""
    select = re.search(rf'<select name="{name}".*?</select>', body, re.S)
    assert select, name
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(0)) if value]


def test_national_dropdowns_wait_for_a_centre(client, named):
    for _ in range(3):
        StaffFactory(centre=named.b.centre)
    body = _body(client, named.national)
    assert _options(body, "consultant") == []
    assert _options(body, "regency") == []
    assert len(_options(body, "centre")) >= 2
    assert "Pilihan mengikuti PLUT yang dipilih." in body
    assert 'aria-describedby="id_consultant_helptext"' in body
    assert "js/list_filters.js" in body


def test_choosing_a_centre_lists_its_consultants_and_regencies(client, named):
    colleagues = [StaffFactory(centre=named.b.centre).user for _ in range(3)]
    body = _body(client, named.national, centre=named.b.centre.pk)
    consultants = _options(body, "consultant")
    assert str(named.b.consultant.pk) in consultants
    assert {str(user.pk) for user in colleagues} <= set(consultants)
    assert str(named.a.consultant.pk) not in consultants
    regencies = _options(body, "regency")
    province = named.b.centre.province
    assert set(regencies) == set(
        Regency.objects.filter(province=province).values_list("pk", flat=True)
    )


def test_a_linked_consultant_still_filters_and_shows_as_chosen(client, named):
    body = _body(client, named.national, consultant=named.b.consultant.pk)
    assert "Topik Makassar" in body and "Topik Lampung" not in body
    assert _options(body, "consultant") == [str(named.b.consultant.pk)]
    assert f'<option value="{named.b.consultant.pk}" selected>' in body


def test_a_consultant_outside_the_scope_is_neither_listed_nor_accepted(client, named):
    body = _body(client, named.a.officer, consultant=named.b.consultant.pk)
    assert "Saringan tidak valid" in body
    assert str(named.b.consultant.pk) not in _options(body, "consultant")
    body = _body(client, named.a.officer, consultant="not-a-number")
    assert "Saringan tidak valid" in body


OPTIONS = reverse("mentoring:session_filter_options")


@pytest.mark.parametrize(
    ("user_name", "status"), [("anonymous", 302), ("owner_a", 403), ("consultant_a", 200)]
)
def test_filter_options_is_for_staff(client, world, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    assert client.get(OPTIONS, {"centre": world.a.centre.pk}).status_code == status


def test_filter_options_lists_the_chosen_centres_choices(
    client, named, django_assert_max_num_queries
):
    client.force_login(named.a.officer)
    with django_assert_max_num_queries(6):
        data = client.get(OPTIONS, {"centre": named.a.centre.pk}).json()
    consultants = {item["value"]: item["label"] for item in data["consultant"]}
    assert str(named.a.consultant.pk) in consultants
    assert str(named.b.consultant.pk) not in consultants
    regencies = {item["value"] for item in data["regency"]}
    assert named.a.enterprise.regency_id in regencies
    assert named.b.enterprise.regency_id not in regencies


@pytest.mark.parametrize("user_name", ["officer_b", "manager_b", "consultant_b"])
def test_filter_options_show_an_outsider_nothing_of_another_centre(client, named, user_name):
    client.force_login(named.user(user_name))
    data = client.get(OPTIONS, {"centre": named.a.centre.pk}).json()
    assert str(named.a.consultant.pk) not in {item["value"] for item in data["consultant"]}
    assert named.a.enterprise.regency_id not in {item["value"] for item in data["regency"]}
    assert named.a.person.full_name not in str(data)
