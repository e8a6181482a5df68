"""Lists as spreadsheets: CSV streamed row by row, XLSX written without holding the sheet.

Both are made from plain rows, so each list decides its columns and this module only knows
file formats. Every text cell that a spreadsheet would read as a formula (=, +, -, @, tab,
carriage return at the start) gets a leading apostrophe: an enterprise called
``=HYPERLINK(...)`` must stay a name on a ministry officer's laptop (CSV/formula injection).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, BinaryIO

from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

EXPORT_FORMATS = ("csv", "xlsx")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet should show it: text that could run as a formula is quoted.

    Numbers stay numbers (a negative number is not text and is never quoted).
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(value)


def _csv_lines(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte order mark tells Excel the file is UTF-8 (otherwise "Sulawesi" survives but
    # names with non-ASCII letters do not).
    yield "\ufeff" + writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Excel has no time zones; callers pass local times, this is only a safety net.
        value = timezone.make_naive(value)
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        # Control characters first: "\x01=CMD()" must not become a formula once stripped.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = neutralise(value)
    return value[:XLSX_MAX_CELL] if isinstance(value, str) else value


def export_write(
    handle: BinaryIO, *, rows: Iterable[Sequence[Any]], headers: Sequence[Any], sheet: str, fmt: str
) -> None:
    """Write ``rows`` under ``headers`` into the binary file ``handle`` as ``fmt``, row by row:
    CSV as it goes, XLSX through openpyxl's write-only mode (rows go to a temporary file, not
    into memory). ``sheet`` names the XLSX sheet."""
    if fmt == "csv":
        for line in _csv_lines(headers, rows):
            handle.write(line.encode("utf-8"))
        return
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.append([_xlsx_cell(h) for h in headers])
    for row in rows:
        worksheet.append([_xlsx_cell(value) for value in row])
    workbook.save(handle)


def export_response(
    *, rows: Iterable[Sequence[Any]], headers: Sequence[Any], filename: str, fmt: str
) -> HttpResponseBase:
    """A download of ``rows`` under ``headers`` as ``<filename>-<today>.<fmt>``.

    ``fmt`` is "csv" or "xlsx"; anything else is a 404. ``rows`` is read once, lazily, so a
    queryset ``.iterator()`` keeps memory flat however long the list is. For lists short
    enough to be sent within one request (plut.foundation.exports decides which).
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404
    name = export_filename(filename, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(headers, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    # An XLSX is whole only at its end: written to a temporary file, which the response then
    # streams back and closes.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    export_write(handle, rows=rows, headers=headers, sheet=filename, fmt=fmt)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def export_filename(filename: str, fmt: str) -> str:
    return f"{filename}-{timezone.localdate().isoformat()}.{fmt}"


def filters_refused(form: Any) -> HttpResponse:
    """A 400 naming the filters of ``form`` that do not validate, for a download: a file
    cannot mark the fields as the list page does, and an empty one reads as "nothing found"."""
    lines = [gettext("Daftar tidak diunduh karena saringannya tidak valid:")]
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}: " if field is not None and field.label else ""
        lines += [f"{label}{message}" for message in messages]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
