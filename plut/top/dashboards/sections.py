"""The sections of a dashboard: what each computes, and the same numbers as table rows.

A page, its CSV/XLSX export and the monthly report all come from here, so a download holds
exactly the numbers on the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from plut.top.dashboards import selectors
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, Filters, Place
from plut.top.dashboards.maps import DEFAULT_FIGURE, MAP_FIGURES
from plut.top.dashboards.official import coverage, official_active


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    levels: tuple[str, ...]
    compute: Callable[[Any, Place, Filters, str], dict[str, Any]]
    # The figures as table rows; given ``options`` as keywords too.
    table: Callable[..., tuple[list[Any], list[list[Any]]]]
    columns: list[tuple[str, Any]] | None = None
    # Query parameters the table reads besides the figures (the map's ?figure=): they choose
    # what is shown of the figures, not what is computed, so they share one snapshot.
    options: tuple[str, ...] = ()


def _overview(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    return {"kpis": selectors.kpis(user, place, filters)}


def _overview_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    periods = data["kpis"]["periods"]

    def span(key: str) -> str:
        return f"{periods[key]['start'].isoformat()} – {periods[key]['end'].isoformat()}"

    headers = [
        _("Indikator"),
        f"{_('Periode ini')} ({span('current')})",
        f"{_('Periode sebelumnya')} ({span('previous')})",
        f"{_('Setahun sebelumnya')} ({span('year_ago')})",
    ]
    rows = [
        [card["label"], card["current"], card["previous"], card["year_ago"]]
        for card in data["kpis"]["cards"]
    ]
    return headers, rows


def _charts(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    data = {
        "over_time": selectors.sessions_over_time(user, place, filters),
        "workload": selectors.consultant_workload(user, place, filters),
        "outcomes": selectors.outcomes_over_time(user, place, filters),
        "ladder": selectors.formalisation_ladder(user, place, filters),
    }
    return {**data, "specs": _chart_specs(data)}


def _chart_specs(data: dict[str, Any]) -> dict[str, Any]:
    """What static/js/dashboards.js draws: Chart.js types, labels and series (plain JSON)."""
    over_time, outcomes = data["over_time"], data["outcomes"]
    return {
        "areas": {
            "type": "bar",
            "stacked": True,
            "labels": [month[:7] for month in over_time["months"]],
            "datasets": [
                {"label": str(area["label"]), "data": area["counts"]}
                for area in over_time["by_area"]
            ],
        },
        "modes": {
            "type": "doughnut",
            "labels": [str(mode["label"]) for mode in over_time["by_mode"]],
            "datasets": [
                {"label": str(_("Sesi")), "data": [m["count"] for m in over_time["by_mode"]]}
            ],
        },
        "workload": {
            "type": "bar",
            "horizontal": True,
            "labels": [person["name"] for person in data["workload"]],
            "datasets": [
                {"label": str(_("Sesi")), "data": [p["sessions"] for p in data["workload"]]}
            ],
        },
        "outcomes": {
            "type": "line",
            "labels": [month[:7] for month in outcomes["months"]],
            "datasets": [
                {"label": str(_("Hasil dicatat")), "data": outcomes["outcomes"]},
                {"label": str(_("Izin dan sertifikat")), "data": outcomes["permits"]},
            ],
        },
        "ladder": {
            "type": "bar",
            "labels": [str(step["label"]) for step in data["ladder"]],
            "datasets": [
                {
                    "label": str(_("UMKM")),
                    "data": [step["enterprises"] for step in data["ladder"]],
                }
            ],
        },
    }


def _charts_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    rows: list[list[Any]] = []
    over_time = data["over_time"]
    for area in over_time["by_area"]:
        for month, count in zip(over_time["months"], area["counts"], strict=True):
            rows.append([_("Sesi per bidang layanan"), area["label"], month, count])
    for mode in over_time["by_mode"]:
        rows.append([_("Sesi per cara"), mode["label"], "", mode["count"]])
    for person in data["workload"]:
        rows.append([_("Beban kerja konsultan (sesi)"), person["name"], "", person["sessions"]])
        rows.append(
            [_("Beban kerja konsultan (jam kontak)"), person["name"], "", person["contact_hours"]]
        )
    outcomes = data["outcomes"]
    for index, month in enumerate(outcomes["months"]):
        rows.append([_("Hasil per bulan"), _("Hasil dicatat"), month, outcomes["outcomes"][index]])
        rows.append(
            [_("Hasil per bulan"), _("Pembiayaan (Rp)"), month, outcomes["financing"][index]]
        )
        rows.append(
            [_("Hasil per bulan"), _("Izin dan sertifikat"), month, outcomes["permits"][index]]
        )
    for step in data["ladder"]:
        rows.append([_("Tangga formalisasi (UMKM)"), step["label"], "", step["enterprises"]])
    return [_("Grafik"), _("Label"), _("Bulan"), _("Nilai")], rows


def _cooperatives(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    block = selectors.cooperatives_by_area(user, place, filters)
    # The published counts beside the portal's: for the nation and each province (a centre's
    # cooperatives are no area BPS or a Dinas counts). Filters narrow the portal's count, not
    # the published one, so
    # coverage is said only for the unfiltered place.
    unfiltered = not (filters.centre or filters.regency)
    if place.level != CENTRE:
        block["official"] = official_active(place.province.code if place.province else None)
        block["coverage"] = (
            coverage(block["total"]["active"], block["official"]) if unfiltered else None
        )
    if place.level == NATIONAL:
        for row in block["rows"]:
            published = official_active(row["code"])
            row["official"] = published[0] if published else None
            row["coverage"] = coverage(row["active"], published) if unfiltered else None
    return {"cooperatives": block}


def _published_cells(official: dict[str, Any] | None, share: float | None) -> list[Any]:
    return [official["active"], official["year"], share] if official else [None, None, None]


def _cooperatives_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    block = data["cooperatives"]
    headers = [
        _("Provinsi") if block["by"] == "province" else _("Kabupaten/kota"),
        _("Koperasi"),
        _("Koperasi aktif (RAT)"),
        _("% aktif"),
        _("Anggota"),
        _("Tenaga kerja"),
    ]
    columns = ("total", "active", "active_rate", "members", "workforce")
    rows = [[row["name"], *(row[c] for c in columns)] for row in block["rows"]]
    total = [_("Jumlah"), *(block["total"][c] for c in columns)]
    if block["by"] == "province":
        # The nation's table carries each province's published count, as the screen does.
        headers += [_("Koperasi aktif menurut statistik resmi"), _("Tahun"), _("Cakupan portal")]
        for cells, row in zip(rows, block["rows"], strict=True):
            cells += _published_cells(row["official"], row["coverage"])
        latest = block["official"][0] if block["official"] else None
        total += _published_cells(latest, block["coverage"])
    rows.append(total)
    return headers, rows


# The league tables' order until a heading is clicked: the busiest first.
DEFAULT_SORT = "-sessions"


def _centres(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    return {"league": selectors.centre_league(user, place, filters, sort=sort or DEFAULT_SORT)}


LEAGUE_COLUMNS = [
    ("name", _("PLUT")),
    ("province", _("Provinsi")),
    ("sessions", _("Sesi")),
    ("consultants", _("Konsultan")),
    ("per_consultant_day", _("Sesi per konsultan per hari kerja")),
    ("fill_rate", _("Keterisian pemesanan (%)")),
    ("enterprises", _("UMKM unik")),
    ("satisfaction", _("Kepuasan (1-5)")),
    ("outcomes", _("Hasil dicatat")),
    ("flagged", _("Kurang dimanfaatkan")),
]


def _centres_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    def cell(row: dict[str, Any], key: str) -> Any:
        if key == "flagged":
            return _("ya") if row[key] else _("tidak")
        return row[key]

    return [label for _key, label in LEAGUE_COLUMNS], [
        [cell(row, key) for key, _label in LEAGUE_COLUMNS] for row in data["league"]
    ]


def _provinces(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    return {"ranking": selectors.province_ranking(user, place, filters, sort=sort or DEFAULT_SORT)}


PROVINCE_COLUMNS = [
    ("name", _("Provinsi")),
    ("centres", _("PLUT")),
    ("sessions", _("Sesi")),
    ("enterprises", _("UMKM unik")),
    ("cooperatives", _("Koperasi")),
    ("active_rate", _("% koperasi aktif")),
]


def _provinces_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    return [label for _key, label in PROVINCE_COLUMNS], [
        [row[key] for key, _label in PROVINCE_COLUMNS] for row in data["ranking"]
    ]


def _map(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    return {"ranking": selectors.province_figures(user, place, filters, sort=sort or DEFAULT_SORT)}


# What the map's table may be sorted by: the name, or any figure the map offers.
MAP_COLUMNS = [PROVINCE_COLUMNS[0], *((key, label) for key, (label, _kind) in MAP_FIGURES.items())]


def map_columns(figure: str) -> list[tuple[str, Any, str]]:
    """The map's table, on the page and in its export: the ranking's columns and the figure
    on the map if it is not one of them (key, label and format of each; the name's first)."""
    if figure not in MAP_FIGURES:
        figure = DEFAULT_FIGURE
    shown = [key for key, _label in PROVINCE_COLUMNS]
    if figure not in shown:
        shown.append(figure)
    labels = dict(PROVINCE_COLUMNS)
    labels.setdefault(figure, MAP_FIGURES[figure][0])
    return [(key, labels[key], MAP_FIGURES[key][1] if key in MAP_FIGURES else "") for key in shown]


def _map_table(data: dict[str, Any], figure: str = "") -> tuple[list[Any], list[list[Any]]]:
    columns = map_columns(figure)
    return [label for _key, label, _kind in columns], [
        [row[key] for key, _label, _kind in columns] for row in data["ranking"]
    ]


def _consultants(user: Any, place: Place, filters: Filters, sort: str) -> dict[str, Any]:
    return {"workload": selectors.consultant_workload(user, place, filters)}


WORKLOAD_COLUMNS = [
    ("name", _("Konsultan")),
    ("sessions", _("Sesi")),
    ("contact_hours", _("Jam kontak")),
    ("preparation_hours", _("Jam persiapan")),
    ("travel_hours", _("Jam perjalanan")),
]


def _consultants_table(data: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    return [label for _key, label in WORKLOAD_COLUMNS], [
        [row[key] for key, _label in WORKLOAD_COLUMNS] for row in data["workload"]
    ]


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in (
        Section(
            "overview", _("Ringkasan"), (NATIONAL, PROVINCE, CENTRE), _overview, _overview_table
        ),
        Section("charts", _("Grafik"), (NATIONAL, PROVINCE, CENTRE), _charts, _charts_table),
        Section(
            "provinces",
            _("Peringkat provinsi"),
            (NATIONAL,),
            _provinces,
            _provinces_table,
            PROVINCE_COLUMNS,
        ),
        Section(
            "map",
            _("Peta"),
            (NATIONAL,),
            _map,
            _map_table,
            MAP_COLUMNS,
            options=("figure",),
        ),
        Section(
            "centres",
            _("Peringkat PLUT"),
            (NATIONAL, PROVINCE),
            _centres,
            _centres_table,
            LEAGUE_COLUMNS,
        ),
        Section(
            "consultants",
            _("Konsultan"),
            (CENTRE,),
            _consultants,
            _consultants_table,
            WORKLOAD_COLUMNS,
        ),
        Section(
            "cooperatives",
            _("Koperasi"),
            (NATIONAL, PROVINCE, CENTRE),
            _cooperatives,
            _cooperatives_table,
        ),
    )
}


def sections_for(level: str) -> list[Section]:
    return [section for section in SECTIONS.values() if level in section.levels]
