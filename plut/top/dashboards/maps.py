"""The province map (a choropleth): Indonesia's 38 provinces drawn as SVG on the server, each
shaded by a dashboard figure, so it needs no script, prints in the PDF and passes the strict CSP.

The shapes come from plut/reference_data/maps (a TopoJSON, CC BY 4.0: its attribution goes
under every map). They are decoded and projected once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from plut.top.dashboards.selectors import KPI_DEFINITIONS, MAP_CARDS

TOPOLOGY = Path(settings.BASE_DIR) / "plut" / "reference_data" / "maps"
TOPOLOGY_FILE = TOPOLOGY / "indonesia-38-provinces.topo.json"
# The file gives the six Papua-region provinces the codes of the two they were split from (91,
# 92); the portal's provinces carry Kemendagri's own (maps/SOURCE.md).
PAPUA_CODES = {
    "Papua": "91",
    "Papua Barat": "92",
    "Papua Selatan": "93",
    "Papua Tengah": "94",
    "Papua Pegunungan": "95",
    "Papua Barat Daya": "96",
}
WIDTH = 1000  # the SVG's units across; the height follows the country's shape
# Shades of the figure, lightest first (ColorBrewer "Blues", readable by the colour-blind);
# dashboards.css paints .shade-1 ... .shade-5, and .shade-0 for a province without a PLUT or
# without a value.
CLASSES = 5

# The figures a map may show: every KPI card (its label and format), each province's value
# being its own dashboard's card (selectors.province_figures), and the ranking's own columns.
_CARDS = {key: (label, fmt) for key, label, fmt in KPI_DEFINITIONS}
MAP_FIGURES: dict[str, tuple[Any, str]] = {
    **{figure: _CARDS[card] for figure, card in MAP_CARDS.items()},
    "centres": (_("PLUT"), "int"),
    "cooperatives": (_("Koperasi terdaftar"), "int"),
    "active_rate": (_("% koperasi aktif"), "percent0"),
}
DEFAULT_FIGURE = "sessions"


def _decoded_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs as (longitude, latitude) points: delta-encoded, quantised positions."""
    (scale_x, scale_y), (move_x, move_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    """A closed ring from arc indexes; a negative index ~i is arc i walked backwards. Each arc
    after the first repeats the previous one's last point, which is dropped."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


@dataclass(frozen=True)
class Shape:
    code: str  # Kemendagri province code
    name: str
    path: str  # SVG path data


@cache
def province_shapes() -> tuple[tuple[Shape, ...], int]:
    """Every province's outline as SVG path data, and the drawing's height (its width is
    WIDTH). Longitude and latitude are drawn as x and y (equirectangular): across the equator,
    where Indonesia lies, that distorts little."""
    topology = json.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    arcs = _decoded_arcs(topology)
    geometries = topology["objects"]["indonesia-38-prov-topo"]["geometries"]
    longitudes = [x for arc in arcs for x, _y in arc]
    latitudes = [y for arc in arcs for _x, y in arc]
    west, east, south, north = min(longitudes), max(longitudes), min(latitudes), max(latitudes)
    unit = WIDTH / (east - west)

    def point(longitude: float, latitude: float) -> tuple[int, int]:
        return round((longitude - west) * unit), round((north - latitude) * unit)

    shapes = []
    for geometry in geometries:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        parts = []
        for polygon in polygons:
            for ring in polygon:
                drawn: list[tuple[int, int]] = []
                for position in _ring(arcs, ring):
                    spot = point(*position)
                    if not drawn or spot != drawn[-1]:  # whole units: neighbours often merge
                        drawn.append(spot)
                if len(drawn) > 2:
                    parts.append("M" + "L".join(f"{x},{y}" for x, y in drawn) + "Z")
        name = geometry["properties"]["PROVINSI"]
        code = PAPUA_CODES.get(name, geometry["properties"]["KODE_PROV"])
        shapes.append(Shape(code=code, name=name, path="".join(parts)))
    return tuple(sorted(shapes, key=lambda shape: shape.code)), round((north - south) * unit)


def _breaks(values: list[float]) -> list[float]:
    """Upper bounds of up to CLASSES shades, each spanning about as many of the distinct values
    (quantiles of the distinct values: counts where most provinces share a few small numbers,
    often zero, still get a shade for 1 apart from one for 3); fewer when they are few."""
    ordered = sorted(set(values))
    bounds: list[float] = []
    for step in range(1, CLASSES + 1):
        position = round(step * len(ordered) / CLASSES) - 1
        bound = ordered[min(len(ordered) - 1, max(0, position))]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def choropleth(ranking: list[dict[str, Any]], figure: str) -> dict[str, Any]:
    """What the map template draws: each province's shape, value and shade for ``figure`` (one
    of MAP_FIGURES), and the legend's classes (lower and upper bound, shade). Provinces the
    ranking lacks (no PLUT, or outside the scope) are drawn unshaded, as are those it gives no
    value (a rate of nothing, such as satisfaction without answered surveys: ``missing``)."""
    if figure not in MAP_FIGURES:
        figure = DEFAULT_FIGURE
    values = {row["code"]: row[figure] for row in ranking if row[figure] is not None}
    # The portal's names where the ranking has them (the file says "DKI Jakarta").
    names = {row["code"]: row["name"] for row in ranking}
    bounds = _breaks(list(values.values())) if values else []
    label, kind = MAP_FIGURES[figure]
    legend = []
    previous: float | None = None
    for shade, upper in enumerate(bounds, start=1):
        held = [value for value in values.values() if previous is None or value > previous]
        # A count above the last class's bound starts at the next whole number; any other
        # figure (hours, rates, scores, Rupiah) at the smallest value the class holds, as
        # the next one after a bound depends on how the figure is rounded.
        lower = previous + 1 if kind == "int" and previous is not None else min(held)
        legend.append({"shade": shade, "lower": lower, "upper": upper})
        previous = upper
    shapes, height = province_shapes()
    provinces = []
    for shape in shapes:
        value = values.get(shape.code)
        shade = 0
        if value is not None:
            shade = next(i for i, upper in enumerate(bounds, start=1) if value <= upper)
        provinces.append(
            {
                "code": shape.code,
                "name": names.get(shape.code, shape.name),
                "path": shape.path,
                "value": value,
                "shade": shade,
                "ranked": shape.code in names,
            }
        )
    return {
        "figure": figure,
        "label": label,
        "kind": kind,
        "provinces": provinces,
        "legend": legend,
        "missing": any(code not in values for code in names),
        "width": WIDTH,
        "height": height,
    }
