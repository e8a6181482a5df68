"""The national map offers every KPI card: each province's value is exactly what its own
dashboard shows on the card with the same filters, read for all provinces at once in a fixed
number of queries; the legend, the table under the map and the export show the figure chosen."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.http import QueryDict
from openpyxl import load_workbook

from clinics.models import Centre
from cooperatives.models import Enterprise
from mentoring.models import MentoringSession, Outcome, SatisfactionSurvey
from plut.top.dashboards.facts import keep
from plut.top.dashboards.filters import NATIONAL, filters_from, place_for
from plut.top.dashboards.maps import DEFAULT_FIGURE, MAP_FIGURES, choropleth
from plut.top.dashboards.sections import PROVINCE_COLUMNS
from plut.top.dashboards.selectors import KPI_DEFINITIONS, MAP_CARDS, province_figures
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.dashboards import generate, local, wit_centre
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

MAP = "/dashboard/national/map/"
# 10 January 2027, noon in Jakarta: the same day on every Indonesian clock, so a preset is the
# same period for the nation and for each province.
NOW = datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)
RANKING_OWN = ("centres", "cooperatives", "active_rate")


@pytest.fixture
def generated(world, time_machine):
    """Sessions, attendance, cooperatives served, surveys, bookings of every status and
    outcomes with turnover at three centres in three provinces (WIB, WITA, WIT), from October
    2025 to January 2027. The enterprises were registered long before, half of them without a
    turnover (so the first recorded one is their baseline): the turnover indicator has a value."""
    time_machine.move_to(NOW, tick=False)
    # The world was made on the process's own clock: its outcomes dated as of NOW's month.
    Outcome.objects.update(recorded_on=datetime.date(2026, 12, 1))
    centres = [world.a.centre, world.b.centre, wit_centre()]
    generate(centres)
    # Every client registered then, the world's too (made before the clock was moved).
    enterprises = Enterprise.objects.order_by("pk")
    enterprises.update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    Enterprise.objects.filter(pk__in=list(enterprises.values_list("pk", flat=True))[::2]).update(
        annual_turnover=None
    )
    # Lampung also serves a cooperative whose last RAT is long past (no longer active).
    # One held in June 2026, inside every period the tests read, whatever the generator made
    # around the process's own clock.
    lampung = (
        MentoringSession.objects.filter(
            centre=world.a.centre,
            starts_at__gte=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
            starts_at__lt=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
        )
        .order_by("starts_at", "pk")
        .first()
    )
    lampung.cooperatives.add(
        CooperativeFactory(centre=world.a.centre, last_rat_on=datetime.date(2015, 6, 1))
    )
    # An enterprise first served on 5 October and again in November: returning in a range
    # from 15 October, which only the days of October before the range tell.
    newcomer = EnterpriseFactory(centre=world.a.centre)
    for day in (4, 40):
        SessionFactory(
            consultant=world.a.consultant,
            enterprises=[newcomer],
            starts_at=local(world.a.centre, 2026, 10, 1, 9) + datetime.timedelta(days=day),
        )
    keep.drain()  # the facts current, as Celery keeps them
    return centres


def _map_rows(client, query: str) -> list[dict]:
    response = client.get(f"{MAP}?{query}")
    assert response.status_code == 200
    return response.context["data"]["ranking"]


def _province_cards(client, code: str, query: str) -> dict:
    response = client.get(f"/dashboard/province/{code}/?{query}")
    assert response.status_code == 200
    return {card["key"]: card["current"] for card in response.context["data"]["kpis"]["cards"]}


def test_the_map_offers_every_kpi_card_and_the_rankings_own_columns():
    cards = {key: (label, fmt) for key, label, fmt in KPI_DEFINITIONS}
    assert sorted(MAP_CARDS.values()) == sorted(cards)
    assert set(MAP_FIGURES) == set(MAP_CARDS) | set(RANKING_OWN)
    for figure, card in MAP_CARDS.items():
        assert MAP_FIGURES[figure] == cards[card]  # the card's label and format
    # The ranking's "cooperatives" are the registered ones; the card's are those served.
    assert MAP_CARDS["cooperatives_served"] == "cooperatives"


QUERIES = [
    "period=12m",
    "period=last_month",
    # A custom range that cuts its first and last months, within one service area: the days
    # of the cut months, and the days of the first month before the range (for the returning
    # enterprises), come from the source tables.
    "period=custom&date_from=2026-10-15&date_to=2026-12-20&service_area=financing",
    "period=year&mode=field_visit",
    # A centre chosen: its province alone, from that province's own figures.
    "period=12m&centre={a}",
    # Invalid filters show nothing, on the map as on every province's dashboard.
    "period=custom&date_from=2026-12-20&date_to=2026-11-01",
]


@pytest.mark.parametrize("query", QUERIES)
def test_each_provinces_figure_is_the_card_its_own_dashboard_shows(client, world, generated, query):
    query = query.format(a=world.a.centre.pk)
    client.force_login(world.national)
    rows = _map_rows(client, query)
    assert rows
    for row in rows:
        cards = _province_cards(client, row["code"], query)
        for figure, card in MAP_CARDS.items():
            assert row[figure] == cards[card], (row["name"], figure)
    ranking = client.get(f"/dashboard/national/provinces/?{query}").context["data"]["ranking"]
    assert sorted((r["code"], *(r[key] for key in RANKING_OWN)) for r in ranking) == sorted(
        (r["code"], *(r[key] for key in RANKING_OWN)) for r in rows
    )


def test_every_figure_has_values_that_tell_provinces_apart(client, world, generated):
    """The comparison above compares something: over the twelve months every figure of the
    generated provinces has a value, not zero everywhere nor the same everywhere."""
    client.force_login(world.national)
    rows = _map_rows(client, "period=12m")
    codes = {centre.province.code for centre in generated}
    for figure in MAP_FIGURES:
        values = [row[figure] for row in rows if row["code"] in codes]
        assert None not in values and any(values), (figure, values)
        assert len(set(values)) > 1 or figure == "centres", (figure, values)


def _national(world, query: str):
    place = place_for(world.national, NATIONAL)
    _form, filters = filters_from(QueryDict(query), user=world.national, place=place)
    return world.national, place, filters


# The facts of all provinces at once: three queries for the provinces with a centre, their
# centres and cooperatives; every province's month cells, read once; the outcomes; the
# turnover baselines.
WHOLE_MONTHS_QUERIES = 6
# The same for a range cutting its first and last months (15 October - 20 December): each cut
# month's days in the range, and 1-14 October before it, from the source tables (five queries
# each: sessions, surveys, attendance, cooperatives served, bookings).
CUT_MONTHS_QUERIES = WHOLE_MONTHS_QUERIES + 3 * 5


def test_the_national_map_runs_a_fixed_number_of_queries_however_many_provinces(
    world, generated, django_assert_num_queries
):
    provinces = Centre.objects.values("province").distinct().count()
    assert provinces > WHOLE_MONTHS_QUERIES  # not a query per province
    whole, cut = (
        _national(world, query)
        for query in ("period=12m", "period=custom&date_from=2026-10-15&date_to=2026-12-20")
    )
    with django_assert_num_queries(WHOLE_MONTHS_QUERIES):
        assert len(province_figures(*whole)) == provinces
    with django_assert_num_queries(CUT_MONTHS_QUERIES):
        province_figures(*cut)
    # Three provinces left: the same queries.
    Centre.objects.exclude(pk__in=[centre.pk for centre in generated]).delete()
    with django_assert_num_queries(WHOLE_MONTHS_QUERIES):
        assert len(province_figures(*whole)) == 3


def test_the_map_page_stays_within_its_query_budget(
    client, world, generated, django_assert_max_num_queries
):
    client.force_login(world.national)
    with django_assert_max_num_queries(15):
        client.get(f"{MAP}?figure=no_show_rate")


def test_the_figure_select_lists_every_card_with_its_label(client, world):
    client.force_login(world.national)
    body = client.get(f"{MAP}?figure=no_show_rate").content.decode()
    for figure, (label, _kind) in MAP_FIGURES.items():
        selected = " selected" if figure == "no_show_rate" else ""
        assert f'<option value="{figure}"{selected}>{label}</option>' in body
    assert '<h2 id="map-title">Peta provinsi: Tingkat tidak hadir</h2>' in body


def _survey(session, score: int) -> None:
    SatisfactionSurvey.objects.create(
        session=session,
        enterprise=session.enterprises.first(),
        score=score,
        answered_at=session.starts_at,
    )


def test_a_province_without_a_value_is_unshaded_and_its_row_has_a_dash(client, world):
    """Satisfaction where no survey was answered is no value, not the lowest one: the province
    is drawn unshaded (still a link to its dashboard) and its cell reads as the card does."""
    world.sessions_mid_last_month()
    _survey(world.a.session, 4)
    keep.drain()
    client.force_login(world.national)
    body = client.get(f"{MAP}?figure=satisfaction").content.decode()
    assert re.search(
        r'<a href="/dashboard/province/18/[^"]*"><title>Lampung: 4,00</title><path class="shade-1"',
        body,
    )
    assert re.search(
        r'<a href="/dashboard/province/73/[^"]*"><title>Sulawesi Selatan: tanpa nilai</title>'
        r'<path class="shade-0"',
        body,
    )
    assert "Belum ada PLUT, atau tanpa nilai" in body
    row = re.search(r"Sulawesi Selatan</a></th>(.*?)</tr>", body, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row)[-1] == "–"


def test_the_legend_of_a_decimal_figure_starts_each_class_at_the_smallest_value_it_holds():
    rows = [
        {"code": code, "name": code, "no_show_rate": rate}
        for code, rate in zip(
            ("11", "12", "13", "14", "15", "16"), (10.0, 12.5, 20.0, 33.3, 50.0, 75.0), strict=True
        )
    ]
    legend = choropleth(rows, "no_show_rate")["legend"]
    # Not from 12,5 (overlapping the class before) nor from 13,5 (a count's next one).
    assert [(c["lower"], c["upper"]) for c in legend] == [
        (10.0, 10.0),
        (12.5, 12.5),
        (20.0, 33.3),
        (50.0, 50.0),
        (75.0, 75.0),
    ]
    counts = [{**row, "sessions": int(row["no_show_rate"])} for row in rows]
    legend = choropleth(counts, "sessions")["legend"]
    assert [(c["lower"], c["upper"]) for c in legend][2] == (13, 33)


def test_the_legend_and_the_table_format_the_figure_as_its_card_does(client, world, generated):
    client.force_login(world.national)
    hours = client.get(f"{MAP}?period=12m&figure=contact_hours").content.decode()
    legend = re.findall(r'<span class="swatch shade-[1-5]"></span> (.*?)</li>', hours)
    assert legend and all(re.fullmatch(r"\d+,\d jam( – \d+,\d jam)?", band) for band in legend)
    money = client.get(f"{MAP}?period=12m&figure=financing").content.decode()
    assert re.search(r"<title>Lampung: Rp [\d,]+ juta</title>", money)
    table = re.search(r'<table class="league" id="ranking">.*?</table>', money, re.S).group(0)
    assert ">Pembiayaan diperoleh</a></th>" in table
    assert re.search(r"<td>Rp [\d,]+ juta</td>\s*</tr>", table)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_the_figure_on_the_map(client, world, generated, fmt):
    client.force_login(world.national)
    rows = {row["name"]: row for row in _map_rows(client, "period=12m&figure=no_show_rate")}
    response = client.get(f"/dashboard/national/map/export.{fmt}?period=12m&figure=no_show_rate")
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        exported = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        exported = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert exported[0] == [*(str(label) for _key, label in PROVINCE_COLUMNS), "Tingkat tidak hadir"]
    lampung = next(row for row in exported if row[0] == "Lampung")
    assert float(lampung[-1]) == rows["Lampung"]["no_show_rate"]


def test_an_unknown_figure_falls_back_to_the_default(client, world):
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    keep.drain()
    client.force_login(world.national)
    body = client.get(f"{MAP}?figure=nik").content.decode()
    assert f'<option value="{DEFAULT_FIGURE}" selected>' in body
    assert '<h2 id="map-title">Peta provinsi: Sesi pendampingan</h2>' in body
    exported = client.get(f"{MAP}export.csv?figure=nik")
    header = next(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert header == [str(label) for _key, label in PROVINCE_COLUMNS]
    assert choropleth([{"code": "18", "name": "Lampung", "sessions": 2}], "nik")["figure"] == (
        DEFAULT_FIGURE
    )


def test_the_table_under_the_map_sorts_by_the_figure_on_it(client, world, generated):
    client.force_login(world.national)
    rows = _map_rows(client, "figure=enterprises_returning&sort=-enterprises_returning")
    values = [row["enterprises_returning"] for row in rows]
    assert values == sorted(values, reverse=True) and values[0] > 0
