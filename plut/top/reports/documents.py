"""What a monthly report holds and how its two files show it: a PDF a Dinas can sign (cover
with letterhead, contents, numbered pages, charts and the map as vector graphics, wide tables
on landscape pages, the indicator definitions as an annex) and an XLSX with a sheet per
section, number formats and frozen headings.

The numbers come from the same functions as the dashboards (plut.top.dashboards.sections), for
the place of the report and the whole calendar month, so a report and the dashboard filtered
to that month agree. The charts alone span the twelve months up to the report's: one month
is a single bar.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from plut.foundation.core.exports import _xlsx_cell
from plut.foundation.core.templatetags.plut import rupiah
from plut.top.dashboards.definitions import GENERAL, KPI_EXPLAINED
from plut.top.dashboards.filters import CENTRE, NATIONAL, PROVINCE, Filters, Place, SystemReader
from plut.top.dashboards.maps import choropleth
from plut.top.dashboards.periods import preset_period
from plut.top.dashboards.sections import SECTIONS, Section
from plut.top.dashboards.selectors import KPI_DEFINITIONS
from plut.top.dashboards.snapshots import section_figures
from plut.top.dashboards.templatetags.dashboards import figure
from plut.top.reports.charts import Series, bar_chart, line_chart
from plut.top.reports.models import Report, ReportLevel

if TYPE_CHECKING:
    from weasyprint import Document

PDF_STYLESHEET = Path(__file__).with_name("report.css")

# The formats of the columns that are not plain counts (the figure filter's names, and
# "rupiah" in full: a document of record shows Rp 500.000.000, not Rp 500 juta).
COLUMN_KINDS = {
    "per_consultant_day": "score",
    "fill_rate": "percent",
    "satisfaction": "score",
    "active_rate": "percent0",
    "contact_hours": "hours",
    "preparation_hours": "hours",
    "travel_hours": "hours",
}
COOPERATIVE_KINDS = ["text", "int", "int", "percent0", "int", "int", "int", "text", "percent0"]
XLSX_FORMATS = {
    "int": "#,##0",
    "hours": "#,##0.0",
    "score": "0.00",
    "percent": '0.0" %"',
    "percent0": '0" %"',
    "rupiah": '"Rp "#,##0',
}
# The map's shades as fill colours (dashboards.css's ColorBrewer "Blues", .shade-0 to
# .shade-5): WeasyPrint draws an SVG without the page's stylesheets.
MAP_FILLS = ("#e2e2e2", "#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


def cell_text(value: Any, kind: str) -> str:
    """A table cell as printed: Rupiah in full, hours without the unit (the heading has it),
    a year or a label as it is, everything else as the dashboards write it."""
    if value is None:
        return "–"
    if kind == "rupiah":
        return rupiah(value)
    if kind == "hours":
        return floatformat(value, "1g")
    if kind == "text":
        return str(value)
    return str(figure(value, kind))


@dataclass(frozen=True)
class Cell:
    value: Any
    kind: str = "int"

    @property
    def text(self) -> str:
        return cell_text(self.value, self.kind)

    @property
    def numeric(self) -> bool:
        """A number, or the dash of a missing one: aligned right, given a number format."""
        if self.kind == "text" or isinstance(self.value, bool | str):
            return False
        return self.value is None or isinstance(self.value, int | float)


def report_place(report: Report) -> Place:
    if report.level == ReportLevel.CENTRE:
        return Place(CENTRE, province=report.centre.province, centre=report.centre)
    if report.level == ReportLevel.PROVINCE:
        return Place(PROVINCE, province=report.province)
    return Place(NATIONAL)


def report_filters(month: datetime.date) -> Filters:
    """The whole calendar month, compared with the month before and the same month a year ago."""
    return Filters(period=preset_period("month", month), preset="custom")


def _kinds(section: Section, data: dict[str, Any], rows: list[list[Any]]) -> list[list[str]]:
    """Each cell's format, for the PDF's text and the XLSX's number format."""
    if section.key == "overview":
        return [["text"] + [card["format"]] * 3 for card in data["kpis"]["cards"]]
    if section.columns:
        kinds = [COLUMN_KINDS.get(key, "int") for key, _label in section.columns]
        return [kinds] * len(rows)
    if section.key == "cooperatives":
        return [COOPERATIVE_KINDS[: len(row)] for row in rows]
    # The charts' table: one value per row, named by the chart and series it belongs to.
    money, hours = str(_("Pembiayaan (Rp)")), str(_("Beban kerja konsultan (jam kontak)"))
    return [
        [
            "text",
            "text",
            "text",
            "rupiah" if row[1] == money else "hours" if row[0] == hours else "int",
        ]
        for row in rows
    ]


def _month_label(month: str) -> str:
    day = datetime.date.fromisoformat(month)
    return f"{date_format(day, 'M')}\n{day.year}"


def _charts(data: dict[str, Any]) -> list[dict[str, Any]]:
    over_time, outcomes = data["over_time"], data["outcomes"]
    months = [_month_label(month) for month in over_time["months"]]
    charts = [
        (
            _("Sesi per bulan menurut bidang layanan"),
            bar_chart,
            months,
            [Series(str(area["label"]), area["counts"]) for area in over_time["by_area"]],
            "int",
        ),
        (
            _("Hasil dicatat dan izin diperoleh per bulan"),
            line_chart,
            months,
            [
                Series(_("Hasil dicatat"), outcomes["outcomes"]),
                Series(_("Izin dan sertifikat"), outcomes["permits"]),
            ],
            "int",
        ),
        (
            _("Pembiayaan diperoleh per bulan"),
            bar_chart,
            months,
            [Series(_("Pembiayaan"), outcomes["financing"])],
            "rupiah",
        ),
        (
            _("Sesi per cara"),
            bar_chart,
            [str(mode["label"]) for mode in over_time["by_mode"]],
            [Series(_("Sesi"), [mode["count"] for mode in over_time["by_mode"]])],
            "int",
        ),
        (
            _("Tangga formalisasi (UMKM)"),
            bar_chart,
            [str(step["label"]) for step in data["ladder"]],
            [Series(_("UMKM"), [step["enterprises"] for step in data["ladder"]])],
            "int",
        ),
    ]
    return [
        {"title": title, "svg": draw(labels, series, title=title, fmt=fmt)}
        for title, draw, labels, series, fmt in charts
    ]


def _drawn_map(ranking: list[dict[str, Any]], *, own: bool = False) -> dict[str, Any]:
    """The dashboards' choropleth of sessions, with fill colours. ``own``: a province's report,
    whose ranking is that province alone, drawn in the darkest shade among the others."""
    drawn = choropleth(ranking, "sessions")
    for shaded in (*drawn["provinces"], *drawn["legend"]):
        shade = shaded["shade"]
        shaded["fill"] = MAP_FILLS[-1 if own and shade else shade]
    for band in drawn["legend"]:
        band["lower"], band["upper"] = (
            figure(band[end], drawn["kind"]) for end in ("lower", "upper")
        )
    drawn["unshaded"] = _("Provinsi lain") if own else _("Belum ada PLUT")
    return drawn


def _figures(place: Place, name: str, filters: Filters) -> tuple[Section, dict[str, Any]]:
    section = SECTIONS[name]
    return section, section_figures(SystemReader(), place, section, filters, stale_ok=False).data


def report_sections(report: Report) -> list[dict[str, Any]]:
    """Each section's title and table (``rows`` of values, the ``kinds`` of their cells), with
    what the PDF shows beside it: a ``caption``, the ministry's ``indicator``, ``charts``, the
    ``map``, ``notes``; ``wide`` tables go on landscape pages."""
    place = report_place(report)
    names = ["overview", "charts"]
    if place.level == NATIONAL:
        names.append("provinces")
    if place.level != CENTRE:
        names += ["centres", "cooperatives"]
    names.append("consultants")
    result = []
    for name in names:
        # The charts show the year to the report's month; every table the month itself.
        filters = report_filters(report.month)
        if name == "charts":
            filters = Filters(period=preset_period("12m", report.month), preset="custom")
        section, data = _figures(place, name, filters)
        headers, rows = section.table(data)
        part: dict[str, Any] = {
            "key": name,
            "title": str(section.title),
            "headers": [str(header) for header in headers],
            "rows": rows,
            "kinds": _kinds(section, data, rows),
            "wide": len(headers) > 6,
            # The charts' numbers are in the XLSX; the PDF draws them.
            "table_in_pdf": name != "charts",
        }
        if name == "overview":
            part["indicator"] = _indicator(data["kpis"])
            if place.level == PROVINCE:
                sessions = next(c for c in data["kpis"]["cards"] if c["key"] == "sessions")
                row = {"code": place.province.code, "name": place.province.name}
                part["map"] = _drawn_map([row | {"sessions": sessions["current"]}], own=True)
        elif name == "charts":
            part["caption"] = _("Dua belas bulan sampai %(month)s.") % {
                "month": date_format(report.month, "F Y")
            }
            part["charts"] = _charts(data)
        elif name == "provinces":
            part["map"] = _drawn_map(data["ranking"])
        elif name == "cooperatives":
            part["notes"] = _published_notes(data["cooperatives"])
        result.append(part)
    return result


def _cells(section: dict[str, Any]) -> list[list[Cell]]:
    return [
        [Cell(value, kind) for value, kind in zip(row, kinds, strict=True)]
        for row, kinds in zip(section["rows"], section["kinds"], strict=True)
    ]


def _indicator(kpis: dict[str, Any]) -> dict[str, Any]:
    """The ministry's indicator as written beside the table: its value, the target and the
    enterprises it rests on."""
    value = next(c["current"] for c in kpis["cards"] if c["key"] == "turnover_increase")
    indicator = kpis["indicator"]
    return {
        "value": figure(value, "percent"),
        "target": figure(indicator["target"], "percent"),
        "enterprises": figure(indicator["enterprises"]),
        "met": indicator["met"],
    }


def _published_notes(block: dict[str, Any]) -> list[str]:
    """The latest published count of active cooperatives, with its year and sources."""
    if not block.get("official"):
        return []
    latest = block["official"][0]
    note = _("Koperasi aktif menurut %(publisher)s (%(year)s): %(active)s. Sumber: %(sources)s") % {
        "publisher": latest["publisher"],
        "year": latest["year"],
        "active": figure(latest["active"]),
        "sources": "; ".join(latest["sources"]),
    }
    if block.get("coverage") is not None:
        note += " · " + _("Cakupan portal: %(share)s") % {
            "share": figure(block["coverage"], "percent0")
        }
    return [note]


def definitions() -> list[tuple[str, str]]:
    """The annex: every indicator's label and what it counts (the in-app definitions page's)."""
    return [(str(label), str(KPI_EXPLAINED[key])) for key, label, _fmt in KPI_DEFINITIONS]


def _footer_css() -> str:
    """The page footer, "Halaman X dari Y" in the translation's own word order, as a
    stylesheet of its own: the template carries no <style> (tests/security/test_csp.py)."""
    parts = re.split(r"(%\(pages?\)s)", _("Halaman %(page)s dari %(pages)s"))
    values = []
    for part in parts:
        if part in ("%(page)s", "%(pages)s"):
            values.append(f"counter({part[2:-2]})")
        elif part:
            values.append('"' + re.sub(r'["\\<>]', "", part) + '"')
    content = " ".join(values)
    return (
        f"@page {{ @bottom-right {{ content: {content}; }} }} "
        "@page :first { @bottom-right { content: none; } }"
    )


def report_html(
    report: Report, sections: list[dict[str, Any]], generated_at: datetime.datetime
) -> str:
    return render_to_string(
        "reports/report_pdf.html",
        {
            "report": report,
            "sections": [section | {"cells": _cells(section)} for section in sections],
            "generated_at": timezone.localtime(generated_at),
            "definitions": definitions(),
            "general": [str(text) for text in GENERAL],
        },
    )


def report_document(
    report: Report, sections: list[dict[str, Any]], generated_at: datetime.datetime
) -> Document:
    """The PDF laid out in pages (WeasyPrint), before it is written: tests measure its boxes."""
    from weasyprint import CSS, HTML  # Pango is loaded only where a PDF is really made

    html = report_html(report, sections, generated_at)
    stylesheets = [CSS(filename=str(PDF_STYLESHEET)), CSS(string=_footer_css())]
    return HTML(string=html).render(stylesheets=stylesheets)


def report_pdf(
    report: Report, sections: list[dict[str, Any]], generated_at: datetime.datetime
) -> bytes:
    return report_document(report, sections, generated_at).write_pdf()


HEADER_ROW = 5  # under the place, the period and the generation time, and a blank row
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def _sheet(workbook: Workbook, report: Report, title: str, generated_at: datetime.datetime) -> Any:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(report.place_name)])
    sheet.append([_xlsx_cell(_("Periode")), report.month.strftime("%Y-%m")])
    sheet.append([_xlsx_cell(_("Dibuat")), timezone.localtime(generated_at).replace(tzinfo=None)])
    sheet.cell(row=3, column=2).number_format = "yyyy-mm-dd hh:mm"
    sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
    sheet.append([])
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"  # the headings stay while scrolling
    return sheet


def _headers(sheet: Any, headers: list[str]) -> None:
    sheet.append([_xlsx_cell(header) for header in headers])
    for cell in sheet[HEADER_ROW]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet: Any, columns: list[list[str]], most: int = 50) -> None:
    """Each column as wide as its longest text (headings wrap beyond ``most``)."""
    for index, texts in enumerate(columns, start=1):
        widest = max((len(text) for text in texts), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 10), most)


def report_xlsx(
    report: Report, sections: list[dict[str, Any]], generated_at: datetime.datetime
) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections:
        sheet = _sheet(workbook, report, section["title"], generated_at)
        _headers(sheet, section["headers"])
        cells = _cells(section)
        for row in cells:
            sheet.append([_xlsx_cell(cell.value) for cell in row])
            for written, cell in zip(sheet[sheet.max_row], row, strict=True):
                if cell.numeric and cell.kind in XLSX_FORMATS:
                    written.number_format = XLSX_FORMATS[cell.kind]
        columns = [[header] for header in section["headers"]]
        for row in cells:
            for texts, cell in zip(columns, row, strict=True):
                texts.append(cell.text)
        _widths(sheet, columns)
    sheet = _sheet(workbook, report, _("Definisi indikator"), generated_at)
    _headers(sheet, [_("Indikator"), _("Definisi")])
    for label, text in definitions():
        sheet.append([_xlsx_cell(label), _xlsx_cell(text)])
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
