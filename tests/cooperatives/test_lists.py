"""The staff lists of enterprises and cooperatives, and their exports."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from clinics.models import ServiceArea
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Scale
from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from plut.foundation.core.phone import phone_mask
from plut.foundation.regions.models import Regency
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import SessionFactory

ENTERPRISES = reverse("cooperatives:enterprise_list")
COOPERATIVES = reverse("cooperatives:cooperative_list")
URLS = [
    ENTERPRISES,
    reverse("cooperatives:enterprise_export", args=["csv"]),
    reverse("cooperatives:enterprise_export", args=["xlsx"]),
    COOPERATIVES,
    reverse("cooperatives:cooperative_export", args=["csv"]),
    reverse("cooperatives:cooperative_export", args=["xlsx"]),
]
STAFF = ["national", "officer_a", "manager_a", "consultant_a"]


@pytest.fixture
def named(world):
    """The world with names that tell the sides apart in a page or a file."""
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name="Kopi Way Kanan")
    Enterprise.objects.filter(pk=world.b.enterprise.pk).update(name="Sutera Sengkang")
    Cooperative.objects.filter(pk=world.a.cooperative.pk).update(name="KSP Tapis Jaya")
    Cooperative.objects.filter(pk=world.b.cooperative.pk).update(name="KSU Pinisi")
    for side in (world.a, world.b):
        side.enterprise.refresh_from_db()
        side.cooperative.refresh_from_db()
    return world


def _body(client, user, url=ENTERPRISES, **params):
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


# --- Who may open them ----------------------------------------------------------------------

TABLE = [
    *[("anonymous", url, 302) for url in URLS],
    *[("owner_a", url, 403) for url in URLS],
    *[(user, url, 200) for user in STAFF for url in URLS],
    ("consultant_a", reverse("cooperatives:enterprise_export", args=["pdf"]), 404),
    ("consultant_a", reverse("cooperatives:cooperative_export", args=["pdf"]), 404),
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


# --- Enterprises ----------------------------------------------------------------------------


def test_it_hides_other_centres_enterprises(client, named):
    body = _body(client, named.b.consultant)
    assert "Sutera Sengkang" in body
    assert "Kopi Way Kanan" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_enterprise_export_holds_only_the_users_scope(client, named, fmt):
    client.force_login(named.b.consultant)
    rows = _export_rows(client.get(reverse("cooperatives:enterprise_export", args=[fmt])), fmt)
    assert rows[0][:3] == ["ID", "Nama usaha", "NIB"]
    assert [row[1] for row in rows[1:]] == ["Sutera Sengkang"]


def test_the_list_shows_the_owner_and_a_masked_phone_never_the_nik(client, named):
    person = named.a.person
    body = _body(client, named.a.consultant)
    assert person.full_name in body
    assert phone_mask(person.phone) in body
    assert "*" in phone_mask(person.phone)
    assert person.phone not in body
    assert person.nik not in body
    assert reverse("mentoring:enterprise_profile", args=[named.a.enterprise.pk]) in body
    assert named.a.enterprise.nib in body
    assert "Mikro" in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_masks_phones_and_leaves_out_the_nik(client, named, fmt):
    client.force_login(named.a.consultant)
    response = client.get(reverse("cooperatives:enterprise_export", args=[fmt]))
    rows = _export_rows(response, fmt)
    person = named.a.person
    flat = [str(value) for row in rows for value in row]
    # A masked phone starts with "+", so the file quotes it like any would-be formula.
    assert f"'{phone_mask(person.phone)}" in flat
    assert person.phone not in flat
    assert not any(person.nik in value for value in flat)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_in_a_name_comes_out_as_text(client, world, fmt):
    Enterprise.objects.filter(pk=world.a.enterprise.pk).update(name='=HYPERLINK("x")')
    client.force_login(world.a.consultant)
    rows = _export_rows(client.get(reverse("cooperatives:enterprise_export", args=[fmt])), fmt)
    assert rows[1][1] == '\'=HYPERLINK("x")'


def test_the_centre_column_only_for_those_who_see_several(client, named):
    assert named.b.centre.name in _body(client, named.national)
    assert '<th scope="col">PLUT</th>' not in _body(client, named.a.consultant)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("way kanan", True),
        ("full_nib", True),
        ("nib_prefix", False),  # NIB only exact
        ("owner", True),
        ("local_phone", True),  # 0812..., matched as +62812...
        ("intl_phone", True),
        ("0899", False),
        ("tidak ada", False),
    ],
)
def test_enterprise_search(client, named, query, found):
    enterprise, person = named.a.enterprise, named.a.person
    query = {
        "full_nib": enterprise.nib,
        "nib_prefix": enterprise.nib[:8],
        "owner": person.full_name.split()[0],
        "local_phone": "0" + person.phone[3:],
        "intl_phone": person.phone,
    }.get(query, query)
    body = _body(client, named.a.consultant, q=query)
    assert ("Kopi Way Kanan" in body) is found


def test_scale_filter(client, named):
    EnterpriseFactory(
        centre=named.a.centre, name="Pabrik Tahu Besar", annual_turnover=20_000_000_000
    )
    body = _body(client, named.a.consultant, scale=Scale.MEDIUM)
    assert "Pabrik Tahu Besar" in body and "Kopi Way Kanan" not in body


def test_regency_filter(client, named):
    other = (
        Regency.objects.filter(province=named.a.centre.province)
        .exclude(pk=named.a.enterprise.regency_id)
        .first()
    )
    EnterpriseFactory(centre=named.a.centre, regency=other, name="Lada Tanggamus")
    body = _body(client, named.a.consultant, regency=other.pk)
    assert "Lada Tanggamus" in body and "Kopi Way Kanan" not in body


def test_centre_filter_and_its_scope(client, named):
    body = _body(client, named.national, centre=named.b.centre.pk)
    assert "Sutera Sengkang" in body and "Kopi Way Kanan" not in body
    body = _body(client, named.a.officer, centre=named.b.centre.pk)
    assert "Sutera Sengkang" not in body and "Kopi Way Kanan" not in body
    assert "Saringan tidak valid" in body


def test_area_served_filter(client, named):
    # The world's sessions are in financing; one more enterprise had a marketing session.
    marketing = ServiceArea.objects.get(code="marketing")
    seen = EnterpriseFactory(centre=named.a.centre, name="Batik Tulis")
    SessionFactory(consultant=named.a.consultant, service_area=marketing, enterprises=[seen])
    SessionFactory(consultant=named.a.consultant, service_area=marketing, enterprises=[seen])
    body = _body(client, named.a.consultant, area="marketing")
    assert body.count("Batik Tulis") == 1  # two sessions, one row
    assert "Kopi Way Kanan" not in body
    assert "Kopi Way Kanan" in _body(client, named.a.consultant, area="financing")


def test_enterprise_sort_newest(client, named):
    EnterpriseFactory(centre=named.a.centre, name="Aneka Kue Baru")
    by_name = _body(client, named.a.consultant)
    newest = _body(client, named.a.consultant, sort="newest")
    assert by_name.index("Aneka Kue Baru") < by_name.index("Kopi Way Kanan")
    assert newest.index("Aneka Kue Baru") < newest.index("Kopi Way Kanan")
    EnterpriseFactory(centre=named.a.centre, name="Zaitun Segar")
    newest = _body(client, named.a.consultant, sort="newest")
    assert newest.index("Zaitun Segar") < newest.index("Kopi Way Kanan")


def test_an_unknown_sort_is_refused_not_obeyed(client, named):
    body = _body(client, named.a.consultant, sort="owner__nik")
    assert "Kopi Way Kanan" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_enterprise_export_follows_the_filters(client, named, fmt):
    EnterpriseFactory(
        centre=named.a.centre, name="Pabrik Tahu Besar", annual_turnover=20_000_000_000
    )
    client.force_login(named.a.consultant)
    url = reverse("cooperatives:enterprise_export", args=[fmt])
    rows = _export_rows(client.get(url, {"scale": Scale.MEDIUM}), fmt)
    assert [row[1] for row in rows[1:]] == ["Pabrik Tahu Besar"]
    assert rows[1][6] == "Menengah"


# --- Cooperatives ---------------------------------------------------------------------------


def test_it_hides_other_centres_cooperatives(client, named):
    body = _body(client, named.b.consultant, COOPERATIVES)
    assert "KSU Pinisi" in body and "KSP Tapis Jaya" not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_cooperative_export_holds_only_the_users_scope(client, named, fmt):
    client.force_login(named.b.consultant)
    rows = _export_rows(client.get(reverse("cooperatives:cooperative_export", args=[fmt])), fmt)
    assert rows[0][:3] == ["ID", "Nama koperasi", "Nomor Induk Koperasi"]
    assert [row[1] for row in rows[1:]] == ["KSU Pinisi"]
    assert rows[1][8] == "Ya"


def test_the_cooperative_list_shows_its_columns(client, named):
    body = _body(client, named.a.consultant, COOPERATIVES)
    cooperative = named.a.cooperative
    assert reverse("mentoring:cooperative_profile", args=[cooperative.pk]) in body
    assert cooperative.number in body
    assert "Simpan pinjam" in body
    assert cooperative.regency.name in body
    assert ">100<" in body  # members
    assert "<td>Ya</td>" in body


@pytest.fixture
def dormant(named):
    """A cooperative of centre a whose last RAT is too long ago to count."""
    return CooperativeFactory(
        centre=named.a.centre,
        name="Koperasi Tidur",
        last_rat_on=datetime.date.today() - datetime.timedelta(days=5 * 365),
        type=CooperativeType.PRODUCER,
        members=900,
    )


def test_activity_filter_and_column(client, named, dormant):
    never = CooperativeFactory(centre=named.a.centre, name="Koperasi Baru", last_rat_on=None)
    active = _body(client, named.a.consultant, COOPERATIVES, active="yes")
    assert "KSP Tapis Jaya" in active
    assert "Koperasi Tidur" not in active and never.name not in active
    inactive = _body(client, named.a.consultant, COOPERATIVES, active="no")
    assert "Koperasi Tidur" in inactive and never.name in inactive
    assert "KSP Tapis Jaya" not in inactive
    assert "<td>Ya</td>" not in inactive


def test_cooperative_search_type_and_regency(client, named, dormant):
    body = _body(client, named.a.consultant, COOPERATIVES, q="tapis")
    assert "KSP Tapis Jaya" in body and "Koperasi Tidur" not in body
    body = _body(client, named.a.consultant, COOPERATIVES, q=dormant.number)
    assert "Koperasi Tidur" in body and "KSP Tapis Jaya" not in body
    body = _body(client, named.a.consultant, COOPERATIVES, q=dormant.number[:6])
    assert "Koperasi Tidur" not in body
    body = _body(client, named.a.consultant, COOPERATIVES, type=CooperativeType.PRODUCER)
    assert "Koperasi Tidur" in body and "KSP Tapis Jaya" not in body
    other = (
        Regency.objects.filter(province=named.a.centre.province)
        .exclude(pk=named.a.cooperative.regency_id)
        .first()
    )
    Cooperative.objects.filter(pk=dormant.pk).update(regency=other)
    body = _body(client, named.a.consultant, COOPERATIVES, regency=other.pk)
    assert "Koperasi Tidur" in body and "KSP Tapis Jaya" not in body


def test_cooperative_centre_filter_stays_in_scope(client, named):
    body = _body(client, named.national, COOPERATIVES, centre=named.b.centre.pk)
    assert "KSU Pinisi" in body and "KSP Tapis Jaya" not in body
    body = _body(client, named.a.officer, COOPERATIVES, centre=named.b.centre.pk)
    assert "KSU Pinisi" not in body and "KSP Tapis Jaya" not in body


@pytest.mark.parametrize(
    ("sort", "first"),
    [("name", "KSP Tapis Jaya"), ("members", "Koperasi Tidur"), ("rat", "KSP Tapis Jaya")],
)
def test_cooperative_sorts(client, named, dormant, sort, first):
    body = _body(client, named.a.consultant, COOPERATIVES, sort=sort)
    other = {"KSP Tapis Jaya", "Koperasi Tidur"} - {first}
    assert body.index(first) < body.index(other.pop())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_cooperative_export_follows_the_filters(client, named, dormant, fmt):
    client.force_login(named.a.consultant)
    url = reverse("cooperatives:cooperative_export", args=[fmt])
    rows = _export_rows(client.get(url, {"active": "no"}), fmt)
    assert [row[1] for row in rows[1:]] == ["Koperasi Tidur"]
    assert rows[1][6] == (900 if fmt == "xlsx" else "900")
    assert rows[1][8] == "Tidak"


# --- Query counts ---------------------------------------------------------------------------


def _grow(world, extra):
    for _ in range(extra):
        EnterpriseFactory(centre=world.a.centre)
        CooperativeFactory(centre=world.a.centre)


@pytest.mark.parametrize(
    ("user_name", "url", "params", "queries", "selector"),
    [
        # session + user, the page, the areas dropdown for enterprises, then: national: the
        # centres dropdown (no regencies before a centre is chosen); with a centre and a
        # regency chosen: both checked, and that province's regencies listed; consultant:
        # the membership behind the scope and its province's regencies (no centre dropdown).
        ("national", ENTERPRISES, {}, 5, enterprises_visible_to),
        ("national", ENTERPRISES, "chosen", 8, enterprises_visible_to),
        ("consultant_a", ENTERPRISES, {}, 6, enterprises_visible_to),
        ("national", COOPERATIVES, {}, 4, cooperatives_visible_to),
        ("national", COOPERATIVES, "chosen", 7, cooperatives_visible_to),
        ("consultant_a", COOPERATIVES, {}, 5, cooperatives_visible_to),
    ],
)
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, user_name, url, params, queries, selector, extra_rows
):
    _grow(world, extra_rows)
    if params == "chosen":
        params = {"centre": world.a.centre.pk, "regency": world.a.enterprise.regency_id}
        Cooperative.objects.update(regency=world.a.enterprise.regency_id)
        Enterprise.objects.update(regency=world.a.enterprise.regency_id)
    client.force_login(world.user(user_name))
    with django_assert_num_queries(queries):
        response = client.get(url, params)
    visible = selector(world.user(user_name)).filter(**params).count()
    assert len(response.context["page"].items) == min(visible, 50)
    assert visible >= 1 + extra_rows


@pytest.mark.parametrize(
    "name", ["cooperatives:enterprise_export", "cooperatives:cooperative_export"]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("extra_rows", [0, 49])
def test_export_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, name, fmt, extra_rows
):
    _grow(world, extra_rows)
    client.force_login(world.a.consultant)
    # session + user + membership, the count up to EXPORT_STREAM_MAX_ROWS (short enough to
    # send at once?), then the rows in one query
    with django_assert_num_queries(5):
        rows = _export_rows(client.get(reverse(name, args=[fmt])), fmt)
    assert len(rows) == 2 + extra_rows  # the header and every row


# --- Regency dropdowns that do not grow with the country ----------------------------------------

LISTS = [ENTERPRISES, COOPERATIVES]


def _options(body, name):
    """The values a <select name=...> lists, the empty "all" choice left out."""
    select = re.search(rf'<select name="{name}".*?</select>', body, re.S)
    assert select, name
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(0)) if value]


def _regencies_of(centre):
    return set(Regency.objects.filter(province=centre.province).values_list("pk", flat=True))


@pytest.mark.parametrize("url", LISTS)
def test_national_regencies_wait_for_a_centre(client, named, url):
    body = _body(client, named.national, url)
    assert _options(body, "regency") == []
    assert {str(named.a.centre.pk), str(named.b.centre.pk)} <= set(_options(body, "centre"))
    assert "Pilihan mengikuti PLUT yang dipilih." in body
    assert 'aria-describedby="id_regency_helptext"' in body


@pytest.mark.parametrize("url", LISTS)
def test_choosing_a_centre_lists_only_its_provinces_regencies(client, named, url):
    body = _body(client, named.national, url, centre=named.b.centre.pk)
    offered = set(_options(body, "regency"))
    assert offered == _regencies_of(named.b.centre)
    # Bounded by one province, not the country (the national scope holds both provinces).
    assert (
        len(offered)
        < Regency.objects.filter(
            province__in=[named.a.centre.province, named.b.centre.province]
        ).count()
    )


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("user_name", ["officer_a", "consultant_a"])
def test_one_provinces_staff_see_its_regencies_without_choosing(client, named, url, user_name):
    body = _body(client, named.user(user_name), url)
    assert set(_options(body, "regency")) == _regencies_of(named.a.centre)


@pytest.mark.parametrize(
    ("url", "row", "shown", "hidden"),
    [
        (ENTERPRISES, "enterprise", "Sutera Sengkang", "Kopi Way Kanan"),
        (COOPERATIVES, "cooperative", "KSU Pinisi", "KSP Tapis Jaya"),
    ],
)
def test_a_linked_regency_still_filters_and_shows_as_chosen(client, named, url, row, shown, hidden):
    regency = getattr(named.b, row).regency
    body = _body(client, named.national, url, regency=regency.pk)
    assert shown in body and hidden not in body
    assert _options(body, "regency") == [regency.pk]
    assert f'<option value="{regency.pk}" selected>' in body


@pytest.mark.parametrize(
    ("url", "row"), [(ENTERPRISES, "enterprise"), (COOPERATIVES, "cooperative")]
)
def test_a_regency_outside_the_scope_shows_nothing(client, named, url, row):
    outside = getattr(named.b, row).regency_id
    assert outside not in _regencies_of(named.a.centre)
    body = _body(client, named.a.officer, url, regency=outside)
    assert "Saringan tidak valid" in body
    assert outside not in _options(body, "regency")
    assert "Kopi Way Kanan" not in body and "KSP Tapis Jaya" not in body
    body = _body(client, named.national, url, centre=named.a.centre.pk, regency="99.99")
    assert "Saringan tidak valid" in body
    assert set(_options(body, "regency")) == _regencies_of(named.a.centre)


FILTER_OPTIONS = {
    ENTERPRISES: reverse("cooperatives:enterprise_filter_options"),
    COOPERATIVES: reverse("cooperatives:cooperative_filter_options"),
}


@pytest.mark.parametrize("url", [ENTERPRISES, COOPERATIVES])
def test_the_centre_select_tells_the_script_where_the_regencies_come_from(client, named, url):
    body = _body(client, named.national, url)
    assert f'data-options-url="{FILTER_OPTIONS[url]}"' in body
    assert "js/list_filters.js" in body


@pytest.mark.parametrize("url", [ENTERPRISES, COOPERATIVES])
@pytest.mark.parametrize(
    ("user_name", "status"), [("anonymous", 302), ("owner_a", 403), ("consultant_a", 200)]
)
def test_filter_options_are_for_staff(client, world, url, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    options = FILTER_OPTIONS[url]
    assert client.get(options, {"centre": world.a.centre.pk}).status_code == status


@pytest.mark.parametrize("url", [ENTERPRISES, COOPERATIVES])
def test_filter_options_list_the_chosen_centres_regencies(
    client, named, url, django_assert_max_num_queries
):
    client.force_login(named.national)
    with django_assert_max_num_queries(6):
        data = client.get(FILTER_OPTIONS[url], {"centre": named.a.centre.pk}).json()
    regencies = {item["value"] for item in data["regency"]}
    assert named.a.enterprise.regency_id in regencies
    assert named.b.enterprise.regency_id not in regencies


@pytest.mark.parametrize("url", [ENTERPRISES, COOPERATIVES])
@pytest.mark.parametrize("user_name", ["officer_b", "manager_b"])
def test_filter_options_show_an_outsider_nothing_of_another_province(client, named, url, user_name):
    client.force_login(named.user(user_name))
    data = client.get(FILTER_OPTIONS[url], {"centre": named.a.centre.pk}).json()
    assert named.a.enterprise.regency_id not in {item["value"] for item in data["regency"]}
