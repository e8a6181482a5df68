"""The monthly report as a document to sign: printed for real (WeasyPrint) for the nation, a
province and a centre, with long names and large amounts, then read back as pages (pdftoppm)
and as text (pdftotext). Nothing may run off a page, and the cover, the contents, the page
numbers, the formatted amounts and the annex must be there."""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from clinics.models import Centre
from mentoring.models import Booking, BookingStatus, Outcome
from plut.foundation.accounts.models import User
from plut.top.dashboards.definitions import KPI_EXPLAINED
from plut.top.reports.documents import report_document, report_sections, report_xlsx
from plut.top.reports.models import Report, ReportLevel, report_key
from tests.factories.dashboards import generate, local

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (make test-tools)"),
]

NOW = datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)
DECEMBER = datetime.date(2026, 12, 1)
LONG_CENTRE = (
    "PLUT KUMKM Kabupaten Tulang Bawang Barat dan Kabupaten Mesuji Provinsi Lampung "
    "Wilayah Pengembangan Ekonomi Terpadu Pesisir Timur Sumatera Bagian Selatan"
)
LONG_WORD = "Konsultanpendampingkoperasiusahamikrokecilmenengahberkelanjutan"
LARGE_FINANCING = 987_654_321_000
PRINT_DPI = 40
RIGHT_MARGIN_MM, TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 14, 20, 18


@dataclass
class Printed:
    document: object
    pdf: Path
    pages: list[str]  # pdftotext, one string per page
    images: list[Image.Image]


def _report(world, level: str) -> Report:
    centre = world.a.centre
    place = {
        ReportLevel.CENTRE: {"centre": centre, "province": centre.province},
        ReportLevel.PROVINCE: {"province": centre.province},
        ReportLevel.NATIONAL: {},
    }[level]
    return Report.objects.create(
        level=level,
        month=DECEMBER,
        key=report_key(level, DECEMBER, centre.pk, centre.province_id),
        **place,
    )


@pytest.fixture
def busy_month(world, time_machine):
    """December 2026 in two centres, one with a long name, a consultant with a name that does
    not break, a financing in the hundreds of billions and a no-show rate with decimals."""
    time_machine.move_to(NOW, tick=False)
    generate([world.a.centre, world.b.centre])
    Centre.objects.filter(pk=world.a.centre.pk).update(name=LONG_CENTRE)
    User.objects.filter(staff_membership__centre=world.a.centre).update(first_name=LONG_WORD)
    Outcome.objects.filter(
        enterprise__centre=world.a.centre, recorded_on=datetime.date(2026, 12, 20)
    ).update(financing_amount=LARGE_FINANCING)
    december = Booking.objects.filter(
        centre=world.a.centre,
        starts_at__gte=local(world.a.centre, 2026, 12, 1),
        starts_at__lt=local(world.a.centre, 2027, 1, 1),
    )
    december.update(status=BookingStatus.COMPLETED)
    december.filter(pk=december.order_by("pk")[0].pk).update(status=BookingStatus.NO_SHOW)
    world.a.centre.refresh_from_db()
    return world


def _print(report: Report, tmp_path: Path) -> Printed:
    sections = report_sections(report)
    document = report_document(report, sections, NOW)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(document.write_pdf())
    subprocess.run(
        ["pdftoppm", "-r", str(PRINT_DPI), "-gray", str(pdf), str(tmp_path / "page")], check=True
    )
    images = [Image.open(path) for path in sorted(tmp_path.glob("page-*.pgm"))]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return Printed(document, pdf, text.split("\f")[: len(images)], images)


@pytest.fixture(params=[ReportLevel.NATIONAL, ReportLevel.PROVINCE, ReportLevel.CENTRE])
def printed(request, busy_month, tmp_path) -> Printed:
    return _print(_report(busy_month, request.param), tmp_path)


def _boxes_past_the_page(document) -> list[str]:
    """Every laid-out box whose right edge lies past its page's right edge."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        width = page_box.margin_width()
        for box in page_box.descendants():
            if not hasattr(box, "position_x") or box.width is None:
                continue
            right = box.border_box_x() + box.border_width()
            if box.border_box_x() < -0.5 or right > width + 0.5:
                found.append(f"page {number}: {type(box).__name__} {right:.0f} > {width:.0f}")
    return found


def _mm(pixels_per_inch: int, mm: float) -> int:
    return round(mm / 25.4 * pixels_per_inch)


def test_no_box_runs_past_the_page_edge(printed):
    assert _boxes_past_the_page(printed.document) == []


def test_the_right_margin_stays_blank_on_every_page(printed):
    # The margin's inner millimetre is left out: anti-aliasing of a border at the edge.
    for number, image in enumerate(printed.images, start=1):
        width, height = image.size
        strip = image.crop(
            (
                width - _mm(PRINT_DPI, RIGHT_MARGIN_MM - 1),
                _mm(PRINT_DPI, TOP_MARGIN_MM),
                width,
                height - _mm(PRINT_DPI, BOTTOM_MARGIN_MM),
            )
        )
        assert strip.getextrema()[0] > 245, f"page {number} has ink in its right margin"


def test_wide_tables_are_printed_on_landscape_pages(printed):
    for page, text in zip(printed.document.pages, printed.pages, strict=True):
        if re.search(r"^\s*Peringkat PLUT\s*$", text, re.MULTILINE):
            assert page.width > page.height
        if "Daftar isi" in text:
            assert page.width < page.height


def test_the_cover_names_the_ministry_the_place_and_the_period(printed, busy_month):
    cover = " ".join(printed.pages[0].split())
    assert "KEMENTERIAN KOPERASI DAN UKM REPUBLIK INDONESIA" in cover
    assert "PLUT KUMKM" in cover and "Laporan Bulanan" in cover
    assert "Periode: Desember 2026" in cover
    assert "Dibuat: 10 Januari 2027 12:00" in cover
    assert "Tanda tangan" in cover
    assert "Halaman" not in cover


def test_every_page_after_the_cover_is_numbered_of_the_total(printed):
    total = len(printed.pages)
    for number, text in enumerate(printed.pages[1:], start=2):
        assert f"Halaman {number} dari {total}" in text


def test_the_contents_give_the_page_each_section_starts_on(printed):
    contents = printed.pages[1]
    entries = re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", contents, re.MULTILINE)
    assert entries[0][0] == "Ringkasan"
    assert entries[-1][0] == "Lampiran: definisi indikator"
    for title, page in entries:
        heading = printed.pages[int(page) - 1]
        assert re.search(rf"^\s*{re.escape(title)}\s*$", heading, re.MULTILINE), title


def test_amounts_and_rates_are_written_the_indonesian_way(printed):
    text = "\n".join(printed.pages)
    assert re.search(r"Pembiayaan diperoleh\s+Rp \d{1,3}(\.\d{3}){3,}\b", text), text
    assert re.search(r"Tingkat tidak hadir\s+\d+(,\d)? %", text)
    assert not re.search(r"\d{7,}", text)  # no amount without its thousands


def test_the_indicator_definitions_close_the_report(printed):
    annex = " ".join(" ".join(printed.pages[-2:]).split())
    assert "Lampiran: definisi indikator" in annex
    assert " ".join(str(KPI_EXPLAINED["no_show_rate"]).split()[:8]) in annex


def test_national_and_province_reports_carry_the_map(busy_month, tmp_path):
    for level in (ReportLevel.NATIONAL, ReportLevel.PROVINCE):
        sections = report_sections(_report(busy_month, level))
        drawn = [section["map"] for section in sections if "map" in section]
        assert len(drawn) == 1
        assert {p["code"] for p in drawn[0]["provinces"]} >= {"18", "73", "91"}
    assert not any("map" in s for s in report_sections(_report(busy_month, ReportLevel.CENTRE)))


def test_the_xlsx_formats_its_numbers_and_freezes_its_headings(busy_month):
    report = _report(busy_month, ReportLevel.PROVINCE)
    workbook = load_workbook(io.BytesIO(report_xlsx(report, report_sections(report), NOW)))
    assert workbook.sheetnames == [
        "Ringkasan",
        "Grafik",
        "Peringkat PLUT",
        "Koperasi",
        "Konsultan",
        "Definisi indikator",
    ]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A6"
        assert sheet["A5"].font.b
    overview = workbook["Ringkasan"]
    formats = {row[0].value: row[1].number_format for row in overview.iter_rows(min_row=6)}
    assert formats["Pembiayaan diperoleh"] == '"Rp "#,##0'
    assert formats["Tingkat tidak hadir"] == '0.0" %"'
    assert formats["Sesi pendampingan"] == "#,##0"
    league = workbook["Peringkat PLUT"]
    headers = [cell.value for cell in league[5]]
    satisfaction = league.cell(row=6, column=headers.index("Kepuasan (1-5)") + 1)
    assert isinstance(satisfaction.value, int | float) and satisfaction.number_format == "0.00"
    assert league.column_dimensions["A"].width >= 40  # the long centre name


def test_two_pages_are_photographed_for_the_docs(busy_month, tmp_path):
    """docs/reports.md shows the contents and the charts of a national report: taken here
    into PLUT_SCREENSHOTS/reports when set, small enough for the repository."""
    printed = _print(_report(busy_month, ReportLevel.NATIONAL), tmp_path)
    folder = Path(os.environ.get("PLUT_SCREENSHOTS") or tmp_path) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    charts = next(
        number
        for number, text in enumerate(printed.pages, start=1)
        if re.search(r"^\s*Grafik\s*$", text, re.MULTILINE)
    )
    for number, name in ((2, "report-page-2"), (charts, "report-page-grafik")):
        pages = ["-f", str(number), "-l", str(number), "-singlefile"]
        command = ["pdftoppm", "-png", "-r", "60", *pages, str(printed.pdf), str(folder / name)]
        subprocess.run(command, check=True)
        assert (folder / f"{name}.png").stat().st_size < 150_000
