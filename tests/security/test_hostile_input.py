"""Hostile input: a broken or hostile upload on each import path (the staff page and the API)
is a clear error — a form error on the page, a 400 from the API, never a 500 — and nothing is
imported; JSON nested too deep or too big for the API is a 400. Every file is built here.
The limits are in settings (``IMPORT_*``, ``API_JSON_MAX_DEPTH``); docs/security.md."""

from __future__ import annotations

import contextlib
import io
import os
import random
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from rest_framework.test import APIClient

from cooperatives.models import Enterprise
from cooperatives.services.imports import COLUMNS, ENTERPRISES, ImportFileError, read_table
from plut.top.api.models import ImportJob
from tests.conftest import World

pytestmark = pytest.mark.django_db

HEADER = list(COLUMNS[ENTERPRISES])
NAME = "Usaha Dari Berkas Uji"
VALID_ROW = [NAME, "", "", "18.71", "", "", "", "2", "Siti", "", "", "", ""]
SHEET = "xl/worksheets/sheet1.xml"
WORKBOOK = "xl/workbook.xml"
MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
UNREADABLE = "tidak dapat dibaca sebagai XLSX"
TOO_MANY_ROWS = "lebih dari 100.000 baris"  # IMPORT_MAX_ROWS, grouped the reader's way
MILLIONS = 2_000_000


# --- Files -----------------------------------------------------------------------------------


def _workbook() -> bytes:
    """A good workbook as Excel users send it: the template's header and one valid row."""
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(VALID_ROW)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replaced(parts: dict[str, bytes]) -> bytes:
    """The good workbook with some of its parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, parts.get(name, source.read(name)))
    return out.getvalue()


def _row(number: int, values: list[str]) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + column)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in enumerate(values)
        if value
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def _sheet(rows: bytes, *, prolog: bytes = b"", dimension: str = "") -> bytes:
    """A sheet's XML written directly, with the template header as row 1."""
    size = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        prolog
        + f"<worksheet {MAIN_NS}>".encode()
        + size
        + b"<sheetData>"
        + _row(1, HEADER)
        + rows
        + b"</sheetData></worksheet>"
    )


def _declared_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s size in the central directory (what zipfile believes)
    changed to ``size``."""
    entry = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == name.encode():
            return data[: entry + 24] + struct.pack("<I", size) + data[entry + 28 :]
        entry = data.index(b"PK\x01\x02", entry + 4)


def _truncated(_tmp: Path) -> bytes:
    data = _workbook()
    return data[: len(data) // 2]


def _invalid_xml(_tmp: Path) -> bytes:
    return _replaced({SHEET: f"<worksheet {MAIN_NS}><sheetData><row>".encode()})


def _more_than_declared(_tmp: Path) -> bytes:
    # A part that claims to be small to pass the size check, with 10 MB behind it.
    padding = b"<!--" + b" " * 10_000_000 + b"-->"
    data = _replaced({SHEET: _sheet(_row(2, VALID_ROW) + padding)})
    return _declared_size(data, SHEET, 2_000)


def _xxe(tmp: Path) -> bytes:
    secret = tmp / "secret.txt"
    secret.write_text("RAHASIA-SERVER")
    prolog = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return _replaced({SHEET: _sheet(row + _row(3, VALID_ROW), prolog=prolog)})


def _billion_laughs(_tmp: Path) -> bytes:
    # In the workbook's own part, which openpyxl parses whole (the sheet's is streamed).
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    part = source.read(WORKBOOK).replace(b'name="Sheet"', b'name="&lol9;"')
    return _replaced({WORKBOOK: f"<!DOCTYPE workbook [{entities}]>".encode() + part})


def _zip_bomb(_tmp: Path) -> bytes:
    # 20 MB of nothing packs into 20 KB: a part a thousand times its packed size.
    return _replaced({SHEET: _sheet(_row(2, VALID_ROW) + b"<!--" + b" " * 20_000_000 + b"-->")})


def _unpacks_past_the_limit(_tmp: Path) -> bytes:
    # Packs only about two to one, so only the total's limit stops it (lowered by the test).
    noise = os.urandom(1_000_000).hex().encode()
    return _replaced({SHEET: _sheet(_row(2, VALID_ROW) + b"<!--" + noise + b"-->")})


def _empty_rows_packed_tight(_tmp: Path) -> bytes:
    # The reported file: two million rows without a cell in 22 KB.
    return _replaced({SHEET: _sheet(b"<row/>" * MILLIONS + _row(MILLIONS + 2, VALID_ROW))})


def _empty_rows(_tmp: Path) -> bytes:
    # The same with some noise, so that it packs under a hundred to one.
    noise = b"<!--" + os.urandom(150_000).hex().encode() + b"-->"
    return _replaced({SHEET: _sheet(noise + b"<row/>" * MILLIONS + _row(MILLIONS + 2, VALID_ROW))})


def _one_row_far_below(_tmp: Path) -> bytes:
    # One row, numbered two million: openpyxl returns every row before it, empty.
    return _replaced({SHEET: _sheet(_row(MILLIONS, VALID_ROW))})


def _empty_csv_lines(_tmp: Path) -> bytes:
    return (",".join(HEADER) + "\n" * 100_001 + ",".join(VALID_ROW) + "\n").encode()


# name: (file, what the error says, settings for the case, most rows openpyxl may read)
HOSTILE: dict[str, tuple[Callable[[Path], bytes], str, dict[str, Any], int]] = {
    "truncated zip": (_truncated, UNREADABLE, {}, 0),
    "invalid xml": (_invalid_xml, UNREADABLE, {}, 0),
    "a part larger than it declares": (_more_than_declared, UNREADABLE, {}, 0),
    "xxe": (_xxe, UNREADABLE, {}, 0),
    "billion laughs": (_billion_laughs, UNREADABLE, {}, 0),
    "zip bomb": (_zip_bomb, "mengembang lebih dari 100 kali", {}, 0),
    "past the unpacked limit": (
        _unpacks_past_the_limit,
        "terlalu besar setelah diekstrak (maksimum 1 MB)",
        {"IMPORT_MAX_XLSX_UNPACKED_BYTES": 1024 * 1024},
        0,
    ),
    "2M empty rows in 22 KB": (_empty_rows_packed_tight, "mengembang lebih dari 100 kali", {}, 0),
    "2M empty rows": (_empty_rows, TOO_MANY_ROWS, {}, 0),
    "a row numbered 2M": (_one_row_far_below, TOO_MANY_ROWS, {}, 100_000 + 2),
    "100001 empty csv lines": (_empty_csv_lines, TOO_MANY_ROWS, {}, 0),
    "slower than the time limit": (
        lambda _tmp: _workbook(),
        "tidak selesai dibaca dalam 0 detik",
        {"IMPORT_READ_SECONDS": 0},
        0,
    ),
}


@pytest.fixture
def rows_read(monkeypatch) -> Iterator[list[int]]:
    """The width of every row openpyxl returned (empty ones too), counted where it makes them."""
    widths: list[int] = []
    cells_by_row = ReadOnlyWorksheet._cells_by_row

    def counted(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for row in cells_by_row(self, *args, **kwargs):
            widths.append(len(row))
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    yield widths


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("klien.xlsx", data, content_type="application/octet-stream")


def _nothing_imported() -> None:
    assert not ImportJob.objects.exists()
    assert not Enterprise.objects.filter(name=NAME).exists()


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_a_form_error_on_the_upload_page(
    case: str, client, world: World, settings, tmp_path: Path, rows_read: list[int]
) -> None:
    build, message, overrides, most_rows = HOSTILE[case]
    data = build(tmp_path)
    for name, value in overrides.items():
        setattr(settings, name, value)
    client.force_login(world.a.manager)
    client.raise_request_exception = False
    response = client.post(
        "/staff/imports/", {"file": _upload(data), "kind": ENTERPRISES, "mode": "valid_rows"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(rows_read) <= most_rows
    assert b"RAHASIA-SERVER" not in response.content
    _nothing_imported()


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_a_400_from_the_api(
    case: str, world: World, settings, tmp_path: Path, rows_read: list[int]
) -> None:
    build, message, overrides, most_rows = HOSTILE[case]
    data = build(tmp_path)
    for name, value in overrides.items():
        setattr(settings, name, value)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(world.a.manager)
    response = api.post(
        "/api/v1/imports/", {"file": _upload(data), "kind": ENTERPRISES}, format="multipart"
    )
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"]["file"][0]
    assert len(rows_read) <= most_rows
    _nothing_imported()


def test_a_sheets_declared_size_is_not_believed(client, world: World, rows_read: list[int]) -> None:
    # openpyxl would make every row as wide as the sheet says: 16384 cells each.
    sheet = _sheet(_row(2, VALID_ROW), dimension=f"A1:XFD{MILLIONS}")
    client.force_login(world.a.manager)
    response = client.post(
        "/staff/imports/",
        {"file": _upload(_replaced({SHEET: sheet})), "kind": ENTERPRISES, "mode": "valid_rows"},
    )
    assert response.status_code == 302
    assert Enterprise.objects.filter(name=NAME).exists()
    assert len(rows_read) == 2
    assert max(rows_read) <= len(HEADER)


def _mutants(count: int) -> Iterator[bytes]:
    """The good workbook broken at random, the same way on every run: bytes of the archive
    changed, or a part's XML cut and given odd text, and sometimes another part emptied."""
    rng = random.Random(21)
    good = _workbook()
    names = zipfile.ZipFile(io.BytesIO(good)).namelist()
    for n in range(count):
        if n % 2:
            data = bytearray(good)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
            continue
        name = rng.choice(names)
        xml = bytearray(zipfile.ZipFile(io.BytesIO(good)).read(name))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(xml))
            del xml[at : at + rng.randint(0, 20)]
            xml[at:at] = rng.choice(
                [b"<", b"&x;", b'"', b'<c r="ZZZZ9"/>', b' r="-1"', b"<v>a</v>"]
            )
        parts = {name: bytes(xml)}
        if rng.random() < 0.2:
            parts[rng.choice(names)] = b""
        yield _replaced(parts)


def test_a_broken_workbook_is_refused_as_a_whole_never_an_exception(db) -> None:
    for data in _mutants(200):
        with contextlib.suppress(ImportFileError):
            read_table(data, ENTERPRISES)


def test_defusedxml_guards_openpyxl() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


# --- JSON ------------------------------------------------------------------------------------


@pytest.fixture
def api(world: World) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.a.manager)
    return client


@pytest.mark.parametrize(
    "body",
    ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000],
    ids=["arrays", "objects"],
)
def test_json_nested_a_thousand_deep_is_a_400(api: APIClient, body: str) -> None:
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "terlalu dalam (maksimum 32 tingkat)" in response.json()["error"]["message"]


def test_json_nested_past_the_limit_is_a_400(api: APIClient) -> None:
    body = '{"enterprise":' + "[" * 33 + "]" * 33 + "}"
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "terlalu dalam" in response.json()["error"]["message"]


def test_a_json_body_over_the_size_limit_is_a_400(api: APIClient, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"description": "' + "x" * 20_000 + '"}'
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "terlalu besar (maksimum 9 KB)" in response.json()["error"]["message"]


def test_a_get_never_reads_its_json_body(api: APIClient) -> None:
    """No GET of the API reads a body, so a hostile one is ignored rather than parsed."""
    body = "[" * 1000 + "]" * 1000
    response = api.generic("GET", "/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 200
