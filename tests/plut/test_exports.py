"""CSV and XLSX downloads: formats, file names, and no formulas smuggled in through data."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.exports import export_response, neutralise

HEADERS = [_("Nama usaha"), _("Jumlah tenaga kerja"), _("Tanggal RAT terakhir")]
ROWS = [
    ["Keripik Pisang Bu Sri", 3, datetime.date(2025, 5, 17)],
    ['=HYPERLINK("http://x.example","klik")', -12, None],
    ["+62812****7890", 0, None],
    ["-2+3", 1.5, None],
    ["@SUM(A1)", 7, None],
    ["\tTab", 8, None],
    ["\rCR", 9, None],
    ["Sate Makassar Daeng", 10, None],
]


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_content(response).decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Koperasi = Sejahtera", "Koperasi = Sejahtera"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_neutralise_quotes_only_text_that_would_run(value, shown):
    assert neutralise(value) == shown


def test_csv_has_a_bom_headers_and_neutralised_rows():
    response = export_response(rows=iter(ROWS), headers=HEADERS, filename="umkm", fmt="csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert _content(response).startswith(b"\xef\xbb\xbf")
    rows = _csv(export_response(rows=iter(ROWS), headers=HEADERS, filename="umkm", fmt="csv"))
    assert rows[0] == ["Nama usaha", "Jumlah tenaga kerja", "Tanggal RAT terakhir"]
    assert rows[1] == ["Keripik Pisang Bu Sri", "3", "2025-05-17"]
    assert rows[2] == ['\'=HYPERLINK("http://x.example","klik")', "-12", ""]
    assert [row[0] for row in rows[3:]] == [
        "'+62812****7890",
        "'-2+3",
        "'@SUM(A1)",
        "'\tTab",
        "'\rCR",
        "Sate Makassar Daeng",
    ]


def test_xlsx_keeps_numbers_and_dates_and_quotes_formulas():
    response = export_response(rows=iter(ROWS), headers=HEADERS, filename="umkm", fmt="xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    assert [cell.value for cell in sheet[1]] == [
        "Nama usaha",
        "Jumlah tenaga kerja",
        "Tanggal RAT terakhir",
    ]
    assert sheet["B2"].value == 3 and sheet["B2"].data_type == "n"
    assert sheet["B3"].value == -12 and sheet["B3"].data_type == "n"
    assert sheet["C2"].value == datetime.datetime(2025, 5, 17)
    assert sheet["A3"].value == '\'=HYPERLINK("http://x.example","klik")'
    assert sheet["A3"].data_type == "s"  # text, not a formula
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_drops_control_characters_before_judging_formulas():
    rows = [["\x01=CMD()", "Nama\x07 usaha"]]
    values = _xlsx(export_response(rows=rows, headers=["a", "b"], filename="x", fmt="xlsx"))
    assert values[1] == ["'=CMD()", "Nama usaha"]


def test_xlsx_writes_aware_datetimes_as_local_wall_clock():
    moment = datetime.datetime(2026, 1, 2, 3, 0, tzinfo=datetime.UTC)
    values = _xlsx(export_response(rows=[[moment]], headers=["t"], filename="x", fmt="xlsx"))
    assert values[1] == [datetime.datetime(2026, 1, 2, 10, 0)]  # Asia/Jakarta


@time_machine.travel(datetime.datetime(2026, 11, 27, 20, 0, tzinfo=datetime.UTC))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_file_is_named_for_todays_date_in_indonesia(fmt):
    # 20.00 UTC is already 28 November in Jakarta.
    response = export_response(rows=[], headers=["a"], filename="sesi", fmt=fmt)
    assert response["Content-Disposition"] == f'attachment; filename="sesi-2026-11-28.{fmt}"'


@pytest.mark.parametrize("fmt", ["pdf", "CSV", "", "xls"])
def test_other_formats_are_not_found(fmt):
    with pytest.raises(Http404):
        export_response(rows=[], headers=["a"], filename="sesi", fmt=fmt)


def test_rows_are_read_lazily_while_the_csv_streams():
    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    response = export_response(rows=rows(), headers=["n"], filename="x", fmt="csv")
    assert read == []  # nothing fetched before the response is sent
    assert _csv(response) == [["n"], ["0"], ["1"], ["2"]]
