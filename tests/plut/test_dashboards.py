"""Dashboards: each role's landing, scope, filters that only narrow, drill-down, exports, and
the cooperatives block (Lampung's 57 %)."""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import load_workbook

from clinics.models import Centre
from cooperatives.models import Cooperative
from plut.foundation.regions.models import Regency

pytestmark = pytest.mark.django_db


def _cooperatives(count: int, active: int, regency: Regency) -> None:
    recent = datetime.date.today() - datetime.timedelta(days=100)
    stale = datetime.date.today() - datetime.timedelta(days=365 * 5)
    Cooperative.objects.bulk_create(
        Cooperative(
            name=f"Koperasi {i}",
            type="jasa",
            regency=regency,
            members=10,
            workforce=1,
            last_rat_on=recent if i < active else stale,
        )
        for i in range(count)
    )


def test_lampung_with_5302_cooperatives_of_which_3017_active_shows_57_percent(client, world):
    Cooperative.objects.all().delete()
    _cooperatives(5302, 3017, Regency.objects.get(code="18.71"))
    _cooperatives(10, 10, Regency.objects.get(code="73.71"))  # another province, never counted
    client.force_login(world.a.officer)
    response = client.get("/dashboard/province/18/cooperatives/")
    body = response.content.decode()
    total = response.context["data"]["cooperatives"]["total"]
    assert (total["total"], total["active"], total["members"]) == (5302, 3017, 53020)
    assert '<dd id="coop-active-rate">57 %</dd>' in body
    assert "Kota Bandar Lampung" in body


@pytest.mark.parametrize(
    ("user", "landing"),
    [
        ("national", "/dashboard/national/"),
        ("officer_a", "/dashboard/province/18/"),
        ("manager_a", "/dashboard/centre/{a}/"),
    ],
)
def test_each_role_lands_on_its_own_scope(client, world, user, landing):
    client.force_login(world.user(user))
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == landing.format(a=world.a.centre.pk)


@pytest.mark.parametrize(
    ("user", "url", "status"),
    [
        ("anonymous", "/dashboard/national/", 302),
        ("consultant_a", "/dashboard/centre/{a}/", 403),
        ("owner_a", "/dashboard/", 403),
        ("officer_a", "/dashboard/national/", 404),
        ("officer_b", "/dashboard/province/18/", 404),
        ("officer_b", "/dashboard/centre/{a}/", 404),
        ("officer_b", "/dashboard/centre/{a}/overview/export.xlsx", 404),
        ("officer_b", "/dashboard/province/18/centres/export.csv", 404),
        ("manager_b", "/dashboard/centre/{a}/", 404),
        ("manager_a", "/dashboard/province/18/", 404),
        ("manager_a", "/dashboard/centre/{a}/centres/", 404),  # no league below a centre
        ("officer_a", "/dashboard/province/18/provinces/", 404),  # the ministry's view only
        ("officer_a", "/dashboard/province/18/", 200),
        ("officer_a", "/dashboard/centre/{a}/", 200),
        ("manager_a", "/dashboard/centre/{a}/consultants/", 200),
        ("national", "/dashboard/centre/{b}/", 200),
    ],
)
def test_who_may_open_which_dashboard(client, world, user, url, status):
    if world.user(user):
        client.force_login(world.user(user))
    response = client.get(url.format(a=world.a.centre.pk, b=world.b.centre.pk))
    assert response.status_code == status


def _card(response, key: str) -> dict:
    return next(c for c in response.context["data"]["kpis"]["cards"] if c["key"] == key)


def test_foreign_rows_never_reach_a_total(client, world):
    world.sessions_mid_last_month()
    client.force_login(world.national)
    assert _card(client.get("/dashboard/national/"), "sessions")["current"] == 2
    assert _card(client.get("/dashboard/province/18/"), "sessions")["current"] == 1
    client.force_login(world.a.officer)
    response = client.get("/dashboard/province/18/")
    assert _card(response, "sessions")["current"] == 1
    assert _card(response, "enterprises")["current"] == 1
    league = client.get("/dashboard/province/18/centres/").context["data"]["league"]
    assert [row["centre_id"] for row in league] == [world.a.centre.pk]


@pytest.mark.parametrize("name", ["centre", "regency"])
def test_a_filter_from_outside_the_scope_shows_nothing_instead_of_more(client, world, name):
    client.force_login(world.a.officer)
    value = world.b.centre.pk if name == "centre" else "73.71"
    response = client.get(f"/dashboard/province/18/?{name}={value}")
    assert response.status_code == 200
    assert response.context["filters"].invalid
    assert _card(response, "sessions")["current"] == 0
    assert name in response.context["form"].errors


def test_filters_narrow_and_survive_in_links(client, world):
    client.force_login(world.a.officer)
    response = client.get("/dashboard/province/18/?service_area=legal&mode=online")
    assert _card(response, "sessions")["current"] == 0  # the fixture's session is in_person
    body = response.content.decode()
    assert "/dashboard/province/18/charts/?service_area=legal&amp;mode=online" in body
    response = client.get(f"/dashboard/province/18/?centre={world.a.centre.pk}&mode=in_person")
    assert _card(response, "sessions")["current"] == 1


def test_drill_down_goes_from_nation_to_a_consultants_sessions(client, world):
    client.force_login(world.national)
    body = client.get("/dashboard/national/provinces/").content.decode()
    assert 'href="/dashboard/province/18/?period=12m"' in body
    body = client.get("/dashboard/province/18/centres/").content.decode()
    assert f'href="/dashboard/centre/{world.a.centre.pk}/?period=12m"' in body
    response = client.get(f"/dashboard/centre/{world.a.centre.pk}/consultants/")
    rows = response.context["data"]["workload"]
    assert [row["consultant_id"] for row in rows] == [world.a.consultant.pk]
    link = response.context["links"]["sessions"] + f"&consultant={world.a.consultant.pk}"
    assert link.startswith("/staff/sessions/?")
    query = parse_qs(urlparse(link).query)
    assert query["centre"] == [str(world.a.centre.pk)]
    # The officer may open the list the link leads to, and it holds exactly that session.
    client.force_login(world.a.officer)
    listing = client.get(link)
    assert listing.status_code == 200
    assert [s.pk for s in listing.context["page"].items] == [world.a.session.pk]


def test_league_table_sorts_on_the_server(client, world):
    client.force_login(world.national)
    names = lambda sort: [  # noqa: E731
        row["name"]
        for row in client.get(f"/dashboard/national/centres/?sort={sort}").context["data"]["league"]
    ]
    every = sorted(Centre.objects.values_list("name", flat=True))
    assert names("name") == every
    assert names("-name") == every[::-1]
    assert names("nonsense") == every  # an unknown key falls back to the name


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_the_numbers_shown(client, world, fmt):
    client.force_login(world.a.officer)
    shown = client.get("/dashboard/province/18/")
    cards = {c["label"]: c["current"] for c in shown.context["data"]["kpis"]["cards"]}
    response = client.get(f"/dashboard/province/18/overview/export.{fmt}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    exported = {str(row[0]): row[1] for row in rows[1:]}
    assert str(exported["Sesi pendampingan"]) == str(cards["Sesi pendampingan"]) == "1"
    assert str(exported["UMKM dilayani (unik)"]) == "1"


@pytest.mark.parametrize("section", ["charts", "cooperatives", "centres"])
def test_every_section_exports(client, world, section):
    client.force_login(world.a.officer)
    response = client.get(f"/dashboard/province/18/{section}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row >= 2


def test_charts_carry_their_numbers_as_tables_and_json_without_inline_script(client, world):
    client.force_login(world.a.manager)
    body = client.get(f"/dashboard/centre/{world.a.centre.pk}/charts/").content.decode()
    for chart in ("areas", "modes", "workload", "outcomes", "ladder"):
        assert f'data-chart="{chart}"' in body
        assert f'id="table-{chart}"' in body
    assert '<script id="chart-data" type="application/json">' in body
    assert "chartjs-4.6.1/chart.umd.min.js" in body
    assert "<script>" not in body and " style=" not in body and "onclick" not in body


def test_the_published_count_of_active_cooperatives_stands_beside_the_portals(client, world):
    """BPS's count (shipped with its source) and the portal's coverage of it, for the nation
    and in each province's row; a province without a published count says so."""
    Cooperative.objects.all().delete()
    _cooperatives(1200, 600, Regency.objects.get(code="35.78"))  # Kota Surabaya, Jawa Timur
    client.force_login(world.national)
    response = client.get("/dashboard/national/cooperatives/")
    body = response.content.decode()
    block = response.context["data"]["cooperatives"]
    assert [figure["year"] for figure in block["official"]] == [2024, 2021]
    assert block["official"][0]["active"] == 51505
    # 600 of BPS 2024's 51.505 active cooperatives: 1 %.
    assert (
        '<p id="coop-coverage"><strong>Cakupan portal: 1 % dari koperasi aktif menurut BPS 2024.'
        in body
    )
    assert "https://nextindonesia.id/Update/2025/06/04/143/" in body
    (east_java,) = block["rows"]
    assert east_java["official"]["active"] == 12358  # Jawa Timur, 2024
    assert east_java["coverage"] == 4.9  # 600 of 12.358
    assert "<td>12.358 (2024)</td><td>5 %</td>" in body

    # A filtered view narrows the portal's count, not BPS's: no coverage is claimed.
    filtered = client.get(f"/dashboard/national/cooperatives/?centre={world.a.centre.pk}")
    assert filtered.context["data"]["cooperatives"]["coverage"] is None

    client.force_login(world.b.officer)
    south_sulawesi = client.get("/dashboard/province/73/cooperatives/").content.decode()
    assert "Belum ada statistik resmi yang dimuat untuk wilayah ini." in south_sulawesi


def test_a_provinces_own_dinas_count_is_shown_with_its_total_year_and_sources(client, world):
    """Lampung's Dinas Koperasi counted its cooperatives (reported in the press, 2014 and
    2015); BPS published no Lampung figure we could cite."""
    Cooperative.objects.all().delete()
    _cooperatives(400, 164, Regency.objects.get(code="18.71"))  # Kota Bandar Lampung
    client.force_login(world.a.officer)
    response = client.get("/dashboard/province/18/cooperatives/")
    body = response.content.decode()
    block = response.context["data"]["cooperatives"]
    assert [(f["publisher"], f["year"]) for f in block["official"]] == [
        ("Dinas Koperasi Provinsi Lampung", 2015),
        ("Dinas Koperasi Provinsi Lampung", 2014),
    ]
    assert "Dinas Koperasi Provinsi Lampung 2015: 3.283 koperasi aktif dari 4.673 koperasi" in body
    assert "https://www.harianpilar.com/2015/08/25/1390-koperasi-di-lampung-mati-suri/" in body
    # 164 of the Dinas's 3.283 active cooperatives: 5 %.
    assert (
        "Cakupan portal: 5 % dari koperasi aktif menurut Dinas Koperasi Provinsi Lampung 2015."
        in body
    )


def test_the_cooperatives_export_carries_the_published_counts(client, world):
    Cooperative.objects.all().delete()
    _cooperatives(1200, 600, Regency.objects.get(code="35.78"))
    client.force_login(world.national)
    text = client.get("/dashboard/national/cooperatives/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(text.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-3:] == ["Koperasi aktif menurut statistik resmi", "Tahun", "Cakupan portal"]
    assert rows[1][0] == "Jawa Timur" and rows[1][-3:] == ["12358", "2024", "4.9"]
    assert rows[-1][0] == "Jumlah" and rows[-1][-3:] == ["51505", "2024", "1.2"]
