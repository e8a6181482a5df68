"""The national map: the 38 provinces' shapes match the portal's provinces, each province is
shaded by the figure chosen and links to its dashboard, and the same numbers stand in a table."""

from __future__ import annotations

import re

import pytest

from plut.foundation.regions.models import Province
from plut.top.dashboards.maps import CLASSES, _breaks, choropleth, province_shapes
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db

MAP = "/dashboard/national/map/"


def test_the_38_shapes_are_the_38_provinces(reference_data):
    shapes, height = province_shapes()
    assert sorted(shape.code for shape in shapes) == sorted(
        Province.objects.values_list("code", flat=True)
    )
    assert all(shape.path.startswith("M") and shape.path.endswith("Z") for shape in shapes)
    # Wider than tall, as the country is.
    assert 300 < height < 500


@pytest.mark.parametrize(
    ("values", "bounds"),
    [
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 5, 7, 9]),
        ([5, 5, 5], [5]),  # all alike: one shade
        ([0, 0, 0, 0, 1, 3], [0, 1, 3]),  # many alike: each distinct value still apart
        ([3], [3]),
    ],
)
def test_shades_split_the_distinct_values_into_classes_of_about_equal_size(values, bounds):
    assert _breaks(values) == bounds
    assert len(_breaks(list(range(100)))) == CLASSES


def test_each_province_is_shaded_by_its_figure_and_the_legend_covers_every_value(reference_data):
    ranking = [
        {"code": "18", "name": "Lampung", "sessions": 30, "active_rate": 0.5},
        {"code": "73", "name": "Sulawesi Selatan", "sessions": 3, "active_rate": None},
        {
            "code": "31",
            "name": "Daerah Khusus Ibukota Jakarta",
            "sessions": 12,
            "active_rate": 0.25,
        },
    ]
    drawn = choropleth(ranking, "sessions")
    shade = {p["code"]: p["shade"] for p in drawn["provinces"]}
    assert {p["code"]: p["name"] for p in drawn["provinces"]}[
        "31"
    ] == "Daerah Khusus Ibukota Jakarta"
    assert shade["18"] > shade["31"] > shade["73"] > 0
    assert shade["11"] == 0  # Aceh: no PLUT in this ranking
    assert [(c["lower"], c["upper"]) for c in drawn["legend"]] == [(3, 3), (4, 12), (13, 30)]
    # No figure for Sulawesi Selatan: unshaded, not counted as the lowest.
    rates = choropleth(ranking, "active_rate")
    assert {p["code"]: p["shade"] for p in rates["provinces"]}["73"] == 0
    # A figure the map does not know falls back to the sessions.
    assert choropleth(ranking, "nik")["figure"] == "sessions"


def test_the_national_map_links_each_shaded_province_and_keeps_the_table(client, world):
    SessionFactory.create_batch(2, consultant=world.a.consultant, enterprises=[world.a.enterprise])
    client.force_login(world.national)
    body = client.get(MAP + "?period=12m&figure=sessions").content.decode()
    assert body.count("<path ") == 38
    # Lampung (3 sessions) and Sulawesi Selatan (1) are shaded and link to their dashboards,
    # with their figure as the accessible name; the rest have no PLUT yet in this world.
    lampung = re.search(
        r'<a href="/dashboard/province/18/\?[^"]*period=12m[^"]*"><title>Lampung: 3</title><path class="shade-(\d)"',
        body,
    )
    sulsel = re.search(
        r'<a href="/dashboard/province/73/[^"]*"><title>Sulawesi Selatan: 1</title><path class="shade-(\d)"',
        body,
    )
    assert lampung and sulsel and int(lampung.group(1)) > int(sulsel.group(1)) > 0
    assert "Bengkulu: belum ada PLUT" in body
    assert 'id="ranking"' in body  # the table alternative
    assert "CC BY 4.0" in body and "Deny Herianto" in body
    assert '<option value="sessions" selected>' in body
    # The other filters are kept when another figure is chosen.
    assert '<input type="hidden" name="period" value="12m">' in body


def test_the_map_is_the_ministrys(client, world):
    client.force_login(world.a.officer)
    assert client.get("/dashboard/province/18/map/").status_code == 404
