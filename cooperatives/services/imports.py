"""Bulk import of enterprises (with their owners) and cooperatives from CSV or XLSX.

Provinces hold their clients in spreadsheets and in exports of national systems. A file in the
documented template (``template_response``) is read (``read_table``, by content, not by its
name), every row is validated with the same rules as the forms and models (the identifier
validators, E.164 phones, the model's own ``clean``), and then written in bulk:

- ``all_or_nothing``: one invalid row and nothing is written;
- ``valid_rows``: the valid rows are written, the others reported.

The file comes from outside and is read within limits, each refused with an error naming it:
rows read, empty ones included (``IMPORT_MAX_ROWS``); an XLSX's size once unpacked and how
much any part of it grows (``IMPORT_MAX_XLSX_UNPACKED_BYTES``, ``IMPORT_MAX_XLSX_RATIO``, from
the zip's directory before anything is unpacked); and the time spent reading
(``IMPORT_READ_SECONDS``). Any other failure to read a workbook (a broken zip, invalid XML,
entities, which defusedxml refuses: openpyxl uses it once installed) is "not an XLSX".

A NIB, NIK or Nomor Induk Koperasi already registered at the importing centre (or at none)
updates that record instead of adding a duplicate; one registered at another centre is
refused, as in ``enterprise_register``. A row without a registered identifier is matched by
a key (``_enterprise_key``, ``_cooperative_by_key``), so importing a file again adds nothing
twice, and a record the row would leave as it is is not written at all. Validation reads the
database a few times per CHUNK of rows; new rows are written with COPY on PostgreSQL
(``bulk_create`` elsewhere), changed rows with ``_update``, each change with its audit entry.
``make bench`` compares the import with a plain COPY of the same rows (plut/top/bench/imports.py;
the target is a quarter of COPY's rate).

Errors name the spreadsheet row (the header is row 1) and the column. A file's errors are
in the active language; a row's are kept untranslated (``RowError``) and stored in every
language the site speaks, as a job runs in a worker and is read later, in either language.
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, Model
from django.db.models.functions import Lower, Upper
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook

from clinics.models import Centre
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from cooperatives.validators import (
    validate_cooperative_number,
    validate_kbli,
    validate_nib,
    validate_nik,
)
from plut.foundation.core.copy import copy_rows, field_writer
from plut.foundation.core.dates import BoundedDateField
from plut.foundation.core.exports import export_response
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.core.translation import (
    every_language,
    in_every_language,
    in_reader_language,
    said,
)
from plut.foundation.regions.models import Regency

ENTERPRISES, COOPERATIVES = "enterprises", "cooperatives"
ALL_OR_NOTHING, VALID_ROWS = "all_or_nothing", "valid_rows"
BATCH = 500  # rows between two progress reports
# Rows looked up, validated and then written together: the model instances an import holds
# at once, whatever the file's length.
CHUNK = 5_000
LOOKUP_BATCH = 10_000  # identifiers per lookup query
WRITE_BATCH = 5_000  # rows per INSERT
UPDATE_BATCH = 500  # rows per UPDATE (its CASE grows with the batch, per row)
XLSX_MAGIC = b"PK\x03\x04"
RATIO_CHECKED_FROM = 1024 * 1024  # unpacked bytes; smaller parts parse quickly however packed
ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")  # <row ...> or <x:row ...>, in a sheet's XML
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


# A stored record's state before the import changed it: (model, pk) -> a copy.
_Before = dict[tuple[type, Any], Any]


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, missing columns, empty).

    Keeps its msgid and parameters: ``str()`` says it in the active language, and a job, which
    runs in no reader's language, stores ``every_language()``."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def __str__(self) -> str:
        return said(self.message, **self.params)

    def every_language(self) -> dict[str, str]:
        return every_language(self.message, **self.params)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    # One message, lazy text and its params, translated only when read.
    error: ValidationError

    @property
    def message(self) -> str:
        """The message in the active language."""
        return " ".join(self.error.messages)

    def as_dict(self) -> dict[str, Any]:
        """The error as a job stores it: the message in each of the site's languages (read it
        back with ``row_error_read``)."""
        messages = in_every_language(lambda: self.message)
        return {"row": self.row, "field": self.field, "message": messages}


def row_error_read(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored row error (``RowError.as_dict``) with its message in the active language."""
    return {**stored, "message": in_reader_language(stored["message"])}


def _row_error(number: int, column: str, message: Any, **params: Any) -> RowError:
    return RowError(number, column, ValidationError(message, params=params))


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    # Rows matching a stored record that already holds their values: nothing written.
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def invalid_rows(self) -> int:
        return len({error.row for error in self.errors})


# --- Reading ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: spreadsheets turn 13- and 16-digit identifiers into numbers, and dates
    into datetimes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class _Deadline:
    """When reading a file must be done by (``IMPORT_READ_SECONDS`` from now)."""

    def __init__(self) -> None:
        self.seconds = settings.IMPORT_READ_SECONDS
        self.at = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() >= self.at:
            raise ImportFileError(
                gettext_noop(
                    "Berkas tidak selesai dibaca dalam %(seconds)s detik; "
                    "bagi menjadi beberapa berkas yang lebih kecil."
                ),
                seconds=self.seconds,
            )


class _TimedBytes(io.BytesIO):
    """The upload as a file that checks the deadline on every read. openpyxl parses a part
    while it reads it from the zip, in chunks of a few KB, so this also stops it inside a
    part (a sheet's XML is read once to find its size, before any row is returned)."""

    def __init__(self, data: bytes, deadline: _Deadline) -> None:
        super().__init__(data)
        self.deadline = deadline

    def read(self, size: int | None = -1, /) -> bytes:
        self.deadline.check()
        return super().read(size)


def _too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(
        gettext_noop(
            "Berkas berisi lebih dari %(max)s baris (baris kosong ikut dihitung); "
            "bagi menjadi beberapa berkas."
        ),
        max=limit,
    )


def _package_check(source: io.BytesIO) -> None:
    """Refuse a zip bomb from the archive's directory, before anything is unpacked, then a
    flood of rows before anything is parsed. zipfile stops each member at the size the
    directory declares (and refuses it, on its CRC, if there was more), so the declared sizes
    are what parsing can meet."""
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        limit = settings.IMPORT_MAX_XLSX_UNPACKED_BYTES
        if sum(member.file_size for member in members) > limit:
            raise ImportFileError(
                gettext_noop(
                    "Isi berkas XLSX terlalu besar setelah diekstrak (maksimum %(mb)s MB)."
                ),
                mb=max(1, limit // (1024 * 1024)),
            )
        # A spreadsheet's parts shrink about 14 times; a part that shrank far more is a few KB
        # that unpack into millions of XML elements, which also parse for long between two
        # checks of the deadline (one per read of the upload).
        ratio = settings.IMPORT_MAX_XLSX_RATIO
        if any(
            member.file_size > RATIO_CHECKED_FROM
            and member.file_size > ratio * member.compress_size
            for member in members
        ):
            raise ImportFileError(
                gettext_noop(
                    "Isi berkas XLSX mengembang lebih dari %(ratio)s kali saat diekstrak."
                ),
                ratio=ratio,
            )
        # openpyxl parses every sheet once to find its size before returning a row, each
        # empty row in Python; counting row tags in the unpacked XML runs in C. A tag cut
        # between two chunks is missed: this only stops a flood early, read_table counts
        # exactly.
        max_rows = settings.IMPORT_MAX_ROWS
        rows = 0
        for member in members:
            with archive.open(member) as part:
                while chunk := part.read(1024 * 1024):
                    rows += len(ROW_TAG.findall(chunk))
                    if rows > max_rows + 1:  # and the header
                        raise _too_many_rows(max_rows)
    source.seek(0)


def _xlsx_rows(data: bytes, deadline: _Deadline) -> Iterator[Sequence[Any]]:
    try:
        source = _TimedBytes(data, deadline)
        _package_check(source)
        workbook = load_workbook(source, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The size a sheet declares (<dimension>) is only the file's word: openpyxl would
            # make every row as wide as it says, up to 16,384 cells.
            sheet.reset_dimensions()
            yield from sheet.iter_rows(values_only=True)
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:
        # A hostile or broken workbook fails in many ways: zipfile (BadZipFile,
        # NotImplementedError, RuntimeError), the XML parser (ParseError), defusedxml
        # (EntitiesForbidden, DTDForbidden, ExternalReferenceForbidden) and openpyxl's
        # reading of each part (KeyError, ValueError, TypeError, IndexError...). Each of them
        # means this file is not a workbook we can read (our own checks raise ImportFileError).
        raise ImportFileError(
            gettext_noop(
                "Berkas tidak dapat dibaca sebagai XLSX. Simpan ulang dari Excel atau "
                "LibreOffice sebagai .xlsx, atau gunakan templat impor."
            )
        ) from error


def _csv_rows(data: bytes) -> Iterable[Sequence[Any]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(gettext_noop("Berkas harus berupa CSV (UTF-8) atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            gettext_noop("Berkas CSV harus disimpan dengan pengodean UTF-8.")
        ) from error
    first_line = text.split("\n", 1)[0]
    # Indonesian Excel saves CSV with semicolons (the comma is the decimal separator).
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text), delimiter=delimiter)


def read_table(data: bytes, kind: str) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: text}) for every non-empty row of the first sheet.

    The type is decided by the content: an XLSX is a zip archive, anything else must be
    UTF-8 text. Raises ``ImportFileError`` for an unreadable file, missing columns, or a file
    past a limit (rows read, unpacked size, time).
    """
    deadline = _Deadline()
    rows = iter(_xlsx_rows(data, deadline) if data.startswith(XLSX_MAGIC) else _csv_rows(data))
    try:
        header = [_text(cell).lower() for cell in next(rows)]
    except StopIteration:
        raise ImportFileError(gettext_noop("Berkas kosong.")) from None
    except csv.Error as error:
        raise ImportFileError(gettext_noop("Berkas CSV tidak dapat dibaca.")) from error
    columns = COLUMNS[kind]
    missing = [name for name in columns if columns[name][1] and name not in header]
    if missing:
        raise ImportFileError(
            gettext_noop("Kolom wajib tidak ada: %(columns)s. Gunakan templat impor."),
            columns=", ".join(missing),
        )
    # Where each template column is (a column named twice: its last one); other columns are
    # never looked at, however many the header has.
    positions = {name: index for index, name in enumerate(header) if name in columns}
    max_rows = settings.IMPORT_MAX_ROWS
    table = []
    try:
        for number, cells in enumerate(rows, start=2):
            # Rows read, not rows kept: a file of empty rows costs as much to read.
            if number - 1 > max_rows:
                raise _too_many_rows(max_rows)
            deadline.check()
            values = {
                name: _text(cells[index]) if index < len(cells) else ""
                for name, index in positions.items()
            }
            if any(values.values()):
                table.append((number, values))
    except csv.Error as error:
        raise ImportFileError(gettext_noop("Berkas CSV tidak dapat dibaca.")) from error
    if not table:
        raise ImportFileError(gettext_noop("Berkas tidak berisi baris data."))
    return table


# --- The template ----------------------------------------------------------------------------

# column: (description, required, example)
COLUMNS: dict[str, dict[str, tuple[Any, bool, str]]] = {
    ENTERPRISES: {
        "nama_usaha": (_("Nama usaha"), True, "Keripik Pisang Barokah"),
        "nib": (_("NIB, 13 angka (format sel: teks)"), False, "9120001234567"),
        "kbli": (_("KBLI 2020, 5 angka"), False, "10794"),
        "kode_kabupaten": (_("Kode Kemendagri kabupaten/kota, misalnya 18.71"), True, "18.71"),
        "alamat": (_("Alamat usaha"), False, "Jl. Teuku Umar 10"),
        "modal_usaha": (_("Modal usaha (Rp), tanpa tanah dan bangunan"), False, "50000000"),
        "omzet_tahunan": (_("Omzet tahunan (Rp)"), False, "600000000"),
        "jumlah_tenaga_kerja": (_("Jumlah tenaga kerja"), False, "4"),
        "nama_pemilik": (_("Nama pemilik"), True, "Siti Aminah"),
        "nik_pemilik": (_("NIK pemilik, 16 angka (format sel: teks)"), False, "1871014507850001"),
        "jenis_kelamin": (_("L atau P"), False, "P"),
        "telepon_pemilik": (_("Telepon / WhatsApp pemilik"), False, "0812-3456-7890"),
        "email_pemilik": (_("Email pemilik"), False, "siti@example.com"),
    },
    COOPERATIVES: {
        "nama_koperasi": (_("Nama koperasi"), True, "Koperasi Tani Makmur"),
        "nomor_induk_koperasi": (
            _("Nomor Induk Koperasi, 16 angka (format sel: teks)"),
            False,
            "1871010000000001",
        ),
        "nomor_badan_hukum": (_("Nomor badan hukum"), False, "AHU-0001234.AH.01.26.2020"),
        "tanggal_badan_hukum": (_("Tanggal badan hukum (YYYY-MM-DD)"), False, "2020-03-15"),
        "jenis": (
            _("simpan_pinjam, konsumen, produsen, pemasaran atau jasa"),
            True,
            "produsen",
        ),
        "kode_kabupaten": (_("Kode Kemendagri kabupaten/kota, misalnya 18.71"), True, "18.71"),
        "alamat": (_("Alamat koperasi"), False, "Jl. Pemuda 5"),
        "jumlah_anggota": (_("Jumlah anggota"), False, "120"),
        "jumlah_karyawan": (_("Jumlah karyawan"), False, "6"),
        "tanggal_rat_terakhir": (_("Tanggal RAT terakhir (YYYY-MM-DD)"), False, "2026-03-20"),
    },
}


def template_response(kind: str, fmt: str) -> HttpResponseBase:
    """The import template: the header row and one example row, as CSV or XLSX."""
    columns = COLUMNS[kind]
    return export_response(
        rows=[[example for _label, _required, example in columns.values()]],
        headers=list(columns),
        filename=f"templat-impor-{kind}",
        fmt=fmt,
    )


# --- Row validation --------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def _number(value: str) -> str:
    """'Rp 1.500.000' -> '1500000': how Indonesian spreadsheets write Rupiah."""
    value = value.replace("Rp", "").replace(" ", "").strip()
    return value.replace(".", "") if _THOUSANDS.match(value) else value


def _identifier(validator: Callable[[str], None], length: int) -> forms.CharField:
    return forms.CharField(required=False, max_length=length, validators=[validator])


def _count() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=10_000_000)


def _rupiah() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=10**15)


def _date() -> forms.DateField:
    return BoundedDateField(required=False, input_formats=DATE_FORMATS)


def _regency(code: str, regencies: set[str]) -> str:
    if code not in regencies:
        raise ValidationError(
            _("Kode kabupaten/kota %(code)s tidak dikenal atau bukan di provinsi PLUT ini."),
            params={"code": code},
        )
    return code


def _phone(value: str, _regencies: set[str]) -> str:
    return phone_to_e164(value) if value else ""


# A row -> (its cleaned values, [(column, error)]).
_Clean = Callable[[dict[str, str]], tuple[dict[str, Any], list[tuple[str, ValidationError]]]]


@dataclass(frozen=True)
class _RowSchema:
    """A row's columns as form fields, cleaned one by one with ``Field.clean``: the same
    conversions, validators and messages as a ``Form`` of these fields, without building one
    per row (a Form deep-copies every field and widget on creation, most of an import's time).
    """

    fields: dict[str, forms.Field]
    # Columns read as Rupiah ("Rp 1.500.000") before their field sees them.
    numbers: tuple[str, ...] = ()
    # Column checks that need more than the field: (cleaned value, the province's regencies).
    checks: dict[str, Callable[[Any, set[str]], Any]] = field(default_factory=dict)
    # Columns whose values repeat down a file (codes, choices, amounts, counts, dates): each
    # distinct value is cleaned once per file. A cell's cleaning depends on its text alone
    # (and on the province's regencies, the same for the whole file).
    repeating: frozenset[str] = frozenset()

    def cleaner(self, regencies: set[str]) -> _Clean:
        """For one file: row -> (cleaned values, [(column, error)]), every column checked."""
        memo: dict[str, dict[str | None, tuple[Any, list[ValidationError]]]] = {
            name: {} for name in self.repeating
        }

        def clean_cell(
            name: str, column: forms.Field, text: str | None
        ) -> tuple[Any, list[ValidationError]]:
            if name in self.numbers:
                text = _number(text or "")
            try:
                value = column.clean(text)
                check = self.checks.get(name)
                return (check(value, regencies) if check else value), []
            except ValidationError as error:
                return None, error.error_list

        def clean(
            values: dict[str, str],
        ) -> tuple[dict[str, Any], list[tuple[str, ValidationError]]]:
            data: dict[str, Any] = {}
            errors: list[tuple[str, ValidationError]] = []
            for name, column in self.fields.items():
                text = values.get(name)
                seen = memo.get(name)
                if seen is None:
                    value, cell_errors = clean_cell(name, column, text)
                elif text in seen:
                    value, cell_errors = seen[text]
                else:
                    value, cell_errors = seen[text] = clean_cell(name, column, text)
                if cell_errors:
                    errors.extend((name, error) for error in cell_errors)
                else:
                    data[name] = value
            return data, errors

        return clean


ENTERPRISE_ROW = _RowSchema(
    fields={
        "nama_usaha": forms.CharField(max_length=200),
        "nib": _identifier(validate_nib, 13),
        "kbli": _identifier(validate_kbli, 5),
        "kode_kabupaten": forms.CharField(max_length=5),
        "alamat": forms.CharField(required=False, max_length=1000),
        "modal_usaha": _rupiah(),
        "omzet_tahunan": _rupiah(),
        "jumlah_tenaga_kerja": _count(),
        "nama_pemilik": forms.CharField(max_length=200),
        "nik_pemilik": _identifier(validate_nik, 16),
        "jenis_kelamin": forms.ChoiceField(required=False, choices=[("", "—"), *Gender.choices]),
        "telepon_pemilik": forms.CharField(required=False, max_length=30),
        # The model's length, so that the model need not check the column again.
        "email_pemilik": forms.EmailField(required=False, max_length=254),
    },
    numbers=("modal_usaha", "omzet_tahunan", "jumlah_tenaga_kerja"),
    checks={"kode_kabupaten": _regency, "telepon_pemilik": _phone},
    repeating=frozenset(
        (
            "kbli",
            "kode_kabupaten",
            "modal_usaha",
            "omzet_tahunan",
            "jumlah_tenaga_kerja",
            "jenis_kelamin",
        )
    ),
)

COOPERATIVE_ROW = _RowSchema(
    fields={
        "nama_koperasi": forms.CharField(max_length=200),
        "nomor_induk_koperasi": _identifier(validate_cooperative_number, 16),
        "nomor_badan_hukum": forms.CharField(required=False, max_length=100),
        "tanggal_badan_hukum": _date(),
        "jenis": forms.ChoiceField(choices=CooperativeType.choices),
        "kode_kabupaten": forms.CharField(max_length=5),
        "alamat": forms.CharField(required=False, max_length=1000),
        "jumlah_anggota": _count(),
        "jumlah_karyawan": _count(),
        "tanggal_rat_terakhir": _date(),
    },
    numbers=("jumlah_anggota", "jumlah_karyawan"),
    checks={"kode_kabupaten": _regency},
    repeating=frozenset(
        (
            "tanggal_badan_hukum",
            "jenis",
            "kode_kabupaten",
            "jumlah_anggota",
            "jumlah_karyawan",
            "tanggal_rat_terakhir",
        )
    ),
)


# Model field -> template column, to put a model's own error on the column the user typed.
PERSON_COLUMNS = {"full_name": "nama_pemilik", "nik": "nik_pemilik", "gender": "jenis_kelamin"}
PERSON_COLUMNS |= {"phone": "telepon_pemilik", "email": "email_pemilik"}
ENTERPRISE_COLUMNS = {"name": "nama_usaha", "nib": "nib", "kbli": "kbli", "address": "alamat"}
COOPERATIVE_COLUMNS = {
    "name": "nama_koperasi",
    "number": "nomor_induk_koperasi",
    "last_rat_on": "tanggal_rat_terakhir",
    "legal_entity_date": "tanggal_badan_hukum",
}


def _model_errors(number: int, instance: Any, columns: dict[str, str]) -> list[RowError]:
    """The model's own ``clean`` (e.g. gender against NIK). Its field validators are not run
    again: every field the import sets comes from a column whose row field applies the same
    validators and lengths, or tighter ranges; uniqueness is checked in bulk by the caller."""
    try:
        instance.clean()
    except ValidationError as error:
        return [
            RowError(number, columns.get(name, name), single)
            for name, errors in error.error_dict.items()
            for single in errors
        ]
    return []


def _existing(queryset: Any, field_name: str, values: set[str]) -> dict[str, Any]:
    """Rows of ``queryset`` whose ``field_name`` is in ``values``, by that value, a few
    queries per file (SQLite takes at most 999 parameters a query)."""
    ordered = sorted(values)
    size = min(LOOKUP_BATCH, connection.features.max_query_params or LOOKUP_BATCH)
    found: dict[str, Any] = {}
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        found.update(
            (getattr(row, field_name), row)
            for row in queryset.filter(**{f"{field_name}__in": chunk})
        )
    return found


def _ticker(progress: Callable[[int], None] | None) -> Callable[[int], None]:
    """Report progress every BATCH rows (and never when nobody listens)."""

    def tick(done: int) -> None:
        if progress is not None and done % BATCH == 0:
            progress(done)

    return tick


def _assign(instance: Any, before: _Before | None, **values: Any) -> None:
    """Set the row's non-empty values. An empty cell keeps what is stored (a provincial list
    without phone numbers must not erase the ones the centre has) or, on a new record, the
    model's default. When writing, a stored record's state before the file is kept in
    ``before``: to tell whether the row changes it, and for the audit trail."""
    if instance.pk is not None and before is not None:
        before.setdefault((type(instance), instance.pk), copy.copy(instance))
    for name, value in values.items():
        if value is None or (value == "" and instance.pk is not None):
            continue
        setattr(instance, name, value)


def _elsewhere(found: Any, centre: Centre) -> bool:
    return found is not None and found.centre_id not in (None, centre.pk)


def _copy_into(table: str, fields: list[Field], instances: list[Any]) -> None:
    """COPY ``fields`` of ``instances`` into ``table``."""
    read = attrgetter(*(column.attname for column in fields))
    writers = [field_writer(column) for column in fields]
    copy_rows(table, [column.column for column in fields], map(read, instances), writers=writers)


def _insert(model: type[Model], instances: list[Any]) -> None:
    """Insert new ``instances`` and set their ids. On PostgreSQL with COPY, ids taken from the
    table's sequence first: at thousands of rows a multi-row INSERT costs several times as much,
    most of it in Django compiling it."""
    if connection.vendor != "postgresql" or not instances:
        model.objects.bulk_create(instances, batch_size=WRITE_BATCH)
        return
    meta = model._meta
    fields = [column for column in meta.concrete_fields if not column.generated]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
            instance._state.adding, instance._state.db = False, connection.alias
        # auto_now(_add) columns: one time for the batch, as bulk_update() stamps updated_at.
        now = timezone.now()
        for column in fields:
            if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
                for instance in instances:
                    setattr(instance, column.attname, now)
    _copy_into(meta.db_table, fields, instances)


def _update(model: type[Model], instances: list[Any], names: list[str]) -> None:
    """Write the fields ``names`` of stored ``instances``. On PostgreSQL: COPY into a temporary
    table, then one UPDATE joined to it. bulk_update's CASE has a branch per row for each
    column, which PostgreSQL walks for every row it updates, so its time grows with the square
    of the rows (docs/performance.md#measurements-behind-the-codes-shape). The UPDATE is plain
    SQL, which the data versions see (plut.foundation.core.versions)."""
    if connection.vendor != "postgresql" or not instances:
        model.objects.bulk_update(instances, names, batch_size=UPDATE_BATCH)
        return
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    table, source, pk = quote(meta.db_table), f"import_{meta.db_table}", quote(meta.pk.column)
    columns = ", ".join(quote(column.column) for column in fields)
    assignments = ", ".join(
        f"{quote(column.column)} = source.{quote(column.column)}" for column in fields[1:]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(source)} AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        _copy_into(source, fields, instances)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {quote(source)} AS source"
            f" WHERE {table}.{pk} = source.{pk}"
        )
        cursor.execute(f"DROP TABLE {quote(source)}")


def _audit(changed: list[tuple[Model, Model, list[str]]], actor: Any) -> None:
    """The update entries django-auditlog's signals would have written, which bulk writes do
    not send: for each (record, its state before, fields written), one entry with auditlog's
    own diff of those fields (masked as configured), by ``actor``.

    The actor is given, not read from auditlog's context: that context outlives the request
    that set it (a worker thread would name the previous request's user)."""
    if auditlog_disabled.get():
        return
    log_entry = get_logentry_model()
    shared = {"actor": actor, "actor_email": getattr(actor, "email", None), "cid": get_cid()}
    logs = []
    for instance, old, fields in changed:
        changes = model_instance_diff(
            old,
            instance,
            fields_to_check=fields,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
        if changes:
            logs.append(
                log_entry(
                    content_type=ContentType.objects.get_for_model(instance),
                    object_pk=str(instance.pk),
                    object_id=instance.pk,
                    object_repr=str(instance),
                    action=log_entry.Action.UPDATE,
                    changes=changes,
                    **shared,
                )
            )
    _insert(log_entry, logs)


def _state_reader(model: type[Model], names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's values of the fields ``names``, as one tuple: what a row may change."""
    return attrgetter(*(model._meta.get_field(name).attname for name in names))


def _save(
    model: type[Model], instances: list[Any], fields: list[str], before: _Before, actor: Any
) -> set[int]:
    """Insert the new ``instances``, update ``fields`` of the stored ones the file changes and
    audit those changes; returns the ids of the records written (new or changed).

    A stored record the file leaves as it was is not written at all: importing a file again
    changes nothing, not even ``updated_at`` (integrations sync by it)."""
    attnames = [(name, model._meta.get_field(name).attname) for name in fields]
    new = [instance for instance in instances if instance.pk is None]
    old, audited = [], []
    for instance in instances:
        if instance.pk is None:
            continue
        stored = before[(model, instance.pk)]
        changed = [
            name
            for name, attname in attnames
            if getattr(stored, attname) != getattr(instance, attname)
        ]
        if changed:
            old.append(instance)
            # The diff is computed for the changed fields only: the same entry, for a fraction
            # of auditlog's time.
            audited.append((instance, stored, [*changed, "updated_at"]))
    _insert(model, new)
    # bulk writes leave auto_now alone; integrations sync by updated_at.
    now = timezone.now()
    for instance in old:
        instance.updated_at = now
    _update(model, old, [*fields, "updated_at"])
    # What an import overwrites cannot be told afterwards, so each change is audited. Records
    # it creates are not: an entry per new record (auditlog's diff and a second row written)
    # would cost more than the rest of the import (plut/top/bench/imports.py, docs/api.md,
    # docs/performance.md#measurements-behind-the-codes-shape).
    _audit(audited, actor)
    return {instance.pk for instance in (*new, *old)}


@dataclass(slots=True)
class _Plan:
    """A valid row, kept until the writes as little as will do: its cleaned values (in the
    row schema's column order) and the ids of the stored records it matched. Model instances
    live for one chunk only, so an import's memory does not grow with them."""

    number: int
    values: tuple[Any, ...]
    record: int | None = None
    # Enterprises: the owner it matched, and whether this row sets the owner's details (the
    # first row naming an owner does; later rows about the same person only link to them).
    person: int | None = None
    sets_owner: bool = True


@dataclass
class _Seen:
    """What the file's earlier rows claimed, each with its row number: identifiers, matching
    keys, stored records and owners (a few dozen bytes a row, never model instances)."""

    identifiers: dict[str, int] = field(default_factory=dict)
    keys: dict[tuple[str, ...], int] = field(default_factory=dict)
    records: dict[int, int] = field(default_factory=dict)
    owners: dict[tuple[str, Any], int] = field(default_factory=dict)


def _by_lower_name(queryset: Any, names: set[str]) -> dict[str, list[Any]]:
    """Records of ``queryset`` whose name, lower-cased, is one of ``names``, oldest first: the
    candidates a row without a known identifier is matched against."""
    ordered = sorted(names)
    size = min(LOOKUP_BATCH, connection.features.max_query_params or LOOKUP_BATCH)
    found: dict[str, list[Any]] = {}
    for start in range(0, len(ordered), size):
        rows = (
            queryset.annotate(lower_name=Lower("name"))
            .filter(lower_name__in=ordered[start : start + size])
            .order_by("pk")
        )
        for row in rows:
            found.setdefault(row.lower_name, []).append(row)
    return found


def _row_errors_sorted(errors: list[RowError]) -> list[RowError]:
    # Cells are checked for the whole chunk before the rows are matched: back in row order.
    return sorted(errors, key=attrgetter("row"))


def _cleaned(
    chunk: Sequence[tuple[int, dict[str, str]]],
    clean: _Clean,
    tick: Callable[[], None],
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    rows, errors = [], []
    for number, values in chunk:
        tick()
        data, field_errors = clean(values)
        if field_errors:
            errors += [RowError(number, name, error) for name, error in field_errors]
        else:
            rows.append((number, data))
    return rows, errors


def _same_record(number: int, column: str, earlier: int) -> RowError:
    return _row_error(
        number,
        column,
        _("Baris ini dan baris %(row)s berkas ini menunjuk data tersimpan yang sama."),
        row=earlier,
    )


# --- Enterprises -----------------------------------------------------------------------------

PERSON_UPDATE = ["nik", "full_name", "gender", "phone", "email", "regency", "centre"]
ENTERPRISE_UPDATE = [
    "nib",
    "name",
    "kbli",
    "regency",
    "address",
    "business_capital",
    "annual_turnover",
    "employees",
    "owner",
    "centre",
]
ENTERPRISE_FIELDS = tuple(ENTERPRISE_ROW.fields)
PERSON_STATE = _state_reader(Person, PERSON_UPDATE)
ENTERPRISE_STATE = _state_reader(Enterprise, ENTERPRISE_UPDATE)


def _enterprise_key(data: dict[str, Any]) -> tuple[str, ...]:
    """How a row without a registered NIB finds its business (docs/api.md): the business's
    name and its owner's name, case ignored, and the regency, within the centre. Names and
    regency are required columns, so every row has the key; phones are often missing from a
    province's list and change, so they are values the import updates, not part of the key."""
    return (data["kode_kabupaten"], data["nama_usaha"].lower(), data["nama_pemilik"].lower())


def _enterprise_by_key(
    candidates: dict[str, list[Enterprise]],
    key: tuple[str, ...],
    nib: str | None,
    nik: str | None,
    owner: Person | None,
) -> Enterprise | None:
    """The oldest of the centre's enterprises with the row's key, if any. With a NIB in the
    row, only one registered without a NIB qualifies (another NIB is another business); with
    a NIK, only one whose owner has that NIK or none."""
    regency, _name, owner_name = key
    for enterprise in candidates.get(key[1], ()):
        stored_owner = enterprise.owner
        if enterprise.regency_id != regency or (nib and enterprise.nib):
            continue
        if owner is not None and stored_owner.pk == owner.pk:
            return enterprise
        if nik and stored_owner.nik and stored_owner.nik != nik:
            continue
        if stored_owner.full_name.lower() == owner_name:
            return enterprise
    return None


def _plan_enterprises(
    chunk: Sequence[tuple[int, dict[str, str]]],
    centre: Centre,
    clean: _Clean,
    seen: _Seen,
    tick: Callable[[], None],
) -> tuple[list[_Plan], list[RowError], int]:
    """Validate one chunk of rows and match them with what is stored (nothing is written):
    the rows to write, the errors, and how many rows would change nothing."""
    rows, errors = _cleaned(chunk, clean, tick)
    persons = _existing(
        Person.objects.all(), "nik", {data["nik_pemilik"] for _n, data in rows} - {""}
    )
    enterprises = _existing(
        Enterprise.objects.select_related("owner"),
        "nib",
        {data["nib"] for _n, data in rows} - {""},
    )
    # Rows whose NIB is registered need no key.
    candidates = _by_lower_name(
        Enterprise.objects.filter(centre=centre).select_related("owner"),
        {data["nama_usaha"].lower() for _n, data in rows if data["nib"] not in enterprises},
    )
    plans, unchanged = [], 0
    for number, data in rows:
        row_errors = []
        nib, nik = data["nib"] or None, data["nik_pemilik"] or None
        key = _enterprise_key(data)
        if nib and nib in seen.identifiers:
            row_errors.append(
                _row_error(
                    number,
                    "nib",
                    _("NIB ini sudah ada di baris %(row)s berkas ini."),
                    row=seen.identifiers[nib],
                )
            )
        known = enterprises.get(nib) if nib else None
        if _elsewhere(known, centre):
            row_errors.append(
                _row_error(number, "nib", _("NIB ini sudah terdaftar sebagai klien PLUT lain."))
            )
        owner = persons.get(nik) if nik else None
        if _elsewhere(owner, centre):
            row_errors.append(
                _row_error(
                    number, "nik_pemilik", _("NIK ini sudah terdaftar sebagai klien PLUT lain.")
                )
            )
        if not nib and key in seen.keys:
            row_errors.append(
                _row_error(
                    number,
                    "nama_usaha",
                    _(
                        "Usaha ini sudah ada di baris %(row)s berkas ini: nama usaha, nama "
                        "pemilik dan kabupaten/kota sama. Isi NIB-nya jika usahanya berbeda."
                    ),
                    row=seen.keys[key],
                )
            )
        elif known is None:
            known = _enterprise_by_key(candidates, key, nib, nik, owner)
        if known is not None and known.pk in seen.records:
            row_errors.append(_same_record(number, "nama_usaha", seen.records[known.pk]))
        # A known business keeps its owner when the row names no other (by NIK); the owner
        # gets the row's NIK if it had none.
        if owner is None and known is not None and (not nik or known.owner.nik is None):
            owner = known.owner
        person = owner or Person(nik=nik)
        # One owner named by several rows takes the details of the first of them.
        owner_ref = ("pk", person.pk) if person.pk else ("nik", nik) if nik else None
        sets_owner = owner_ref is None or owner_ref not in seen.owners
        # Whether the row changes anything stored: a row that does not is not written.
        person_changes = person.pk is None
        if sets_owner:
            stored_person = PERSON_STATE(person)
            _assign(person, None, **_person_values(data, nik, centre))
            person_changes = person_changes or PERSON_STATE(person) != stored_person
            row_errors += _model_errors(number, person, PERSON_COLUMNS)
        changes = person_changes or known is None or known.owner_id != person.pk
        enterprise = known or Enterprise(nib=nib)
        stored_enterprise = ENTERPRISE_STATE(enterprise)
        _assign(enterprise, None, **_enterprise_values(data, centre))
        changes = changes or ENTERPRISE_STATE(enterprise) != stored_enterprise
        row_errors += _model_errors(number, enterprise, ENTERPRISE_COLUMNS)
        if row_errors:
            errors += row_errors
            continue
        if nib:
            seen.identifiers[nib] = number
        seen.keys.setdefault(key, number)
        if known is not None:
            seen.records[known.pk] = number
        if owner_ref is not None:
            seen.owners.setdefault(owner_ref, number)
        if not changes:
            unchanged += 1
            continue
        values = tuple(data[name] for name in ENTERPRISE_FIELDS)
        sets_owner = sets_owner and person_changes
        plans.append(_Plan(number, values, known and known.pk, owner and owner.pk, sets_owner))
    return plans, _row_errors_sorted(errors), unchanged


def _person_values(data: dict[str, Any], nik: str | None, centre: Centre) -> dict[str, Any]:
    return {
        "nik": nik,
        "full_name": data["nama_pemilik"],
        "gender": data["jenis_kelamin"],
        "phone": data["telepon_pemilik"],
        "email": data["email_pemilik"],
        "regency_id": data["kode_kabupaten"],
        "centre": centre,
    }


def _enterprise_values(data: dict[str, Any], centre: Centre) -> dict[str, Any]:
    return {
        "nib": data["nib"] or None,
        "name": data["nama_usaha"],
        "kbli": data["kbli"],
        "regency_id": data["kode_kabupaten"],
        "address": data["alamat"],
        "business_capital": data["modal_usaha"],
        "annual_turnover": data["omzet_tahunan"],
        "employees": data["jumlah_tenaga_kerja"],
        "centre": centre,
    }


def _write_enterprises(plans: list[_Plan], centre: Centre, actor: Any) -> tuple[int, int]:
    """Write one chunk of planned rows; (created, changed) enterprise rows."""
    before: _Before = {}
    stored_persons = Person.objects.in_bulk(
        {plan.person for plan in plans if plan.sets_owner} - {None}
    )
    stored = Enterprise.objects.in_bulk({plan.record for plan in plans} - {None})
    rows = [(plan, dict(zip(ENTERPRISE_FIELDS, plan.values, strict=True))) for plan in plans]
    # Owners new to the portal whom an earlier chunk of this file has already written.
    written = _existing(
        Person.objects.all(),
        "nik",
        {data["nik_pemilik"] for plan, data in rows if not (plan.person or plan.sets_owner)},
    )
    persons: list[Person] = []
    # Each business with its owner: the person this row writes, or the id of one it only
    # links to (stored, or written by an earlier row).
    pairs: list[tuple[Person | int, Enterprise]] = []
    for plan, data in rows:
        nik = data["nik_pemilik"] or None
        owner: Person | int
        if plan.sets_owner:
            if plan.person:
                owner = stored_persons[plan.person]
            else:
                owner = written[nik] = Person(nik=nik) if nik else Person()
            _assign(owner, before, **_person_values(data, nik, centre))
            persons.append(owner)
        else:
            owner = plan.person or written[nik]
        enterprise = stored.get(plan.record) if plan.record else Enterprise()
        _assign(enterprise, before, **_enterprise_values(data, centre))
        pairs.append((owner, enterprise))
    changed_persons = _save(Person, persons, PERSON_UPDATE, before, actor)
    for owner, enterprise in pairs:
        enterprise.owner_id = owner if isinstance(owner, int) else owner.pk
    created = sum(1 for _owner, enterprise in pairs if enterprise.pk is None)
    changed = _save(Enterprise, [e for _o, e in pairs], ENTERPRISE_UPDATE, before, actor)
    # A row counts as changed when it changed its business or its owner.
    touched = sum(
        1
        for owner, enterprise in pairs
        if enterprise.pk in changed or (not isinstance(owner, int) and owner.pk in changed_persons)
    )
    return created, touched - created


# --- Cooperatives ----------------------------------------------------------------------------

COOPERATIVE_UPDATE = [
    "number",
    "name",
    "legal_entity_number",
    "legal_entity_date",
    "type",
    "regency",
    "address",
    "members",
    "workforce",
    "last_rat_on",
    "centre",
]
COOPERATIVE_FIELDS = tuple(COOPERATIVE_ROW.fields)
COOPERATIVE_STATE = _state_reader(Cooperative, COOPERATIVE_UPDATE)


def _legal_number(value: str) -> str:
    """A nomor badan hukum as compared: upper case, no spaces ("ahu-0001 .AH" = "AHU-0001.AH")."""
    return "".join(value.split()).upper()


def _cooperative_by_key(
    by_name: dict[str, list[Cooperative]],
    by_legal_number: dict[str, list[Cooperative]],
    data: dict[str, Any],
    official: str | None,
) -> Cooperative | None:
    """How a row without a registered Nomor Induk Koperasi finds its cooperative (docs/api.md):
    the centre's oldest cooperative with the same nomor badan hukum, or else with the same
    name (case ignored) in the same regency and no other nomor badan hukum. With a Nomor Induk
    in the row, only one registered without a Nomor Induk qualifies."""
    legal = _legal_number(data["nomor_badan_hukum"])
    for cooperative in by_legal_number.get(legal, ()) if legal else ():
        if not (official and cooperative.number):
            return cooperative
    for cooperative in by_name.get(data["nama_koperasi"].lower(), ()):
        if official and cooperative.number:
            continue
        stored_legal = _legal_number(cooperative.legal_entity_number)
        if cooperative.regency_id == data["kode_kabupaten"] and stored_legal in ("", legal):
            return cooperative
    return None


def _cooperative_values(data: dict[str, Any], centre: Centre) -> dict[str, Any]:
    return {
        "number": data["nomor_induk_koperasi"] or None,
        "name": data["nama_koperasi"],
        "legal_entity_number": data["nomor_badan_hukum"],
        "legal_entity_date": data["tanggal_badan_hukum"],
        "type": data["jenis"],
        "regency_id": data["kode_kabupaten"],
        "address": data["alamat"],
        "members": data["jumlah_anggota"],
        "workforce": data["jumlah_karyawan"],
        "last_rat_on": data["tanggal_rat_terakhir"],
        "centre": centre,
    }


def _plan_cooperatives(
    chunk: Sequence[tuple[int, dict[str, str]]],
    centre: Centre,
    clean: _Clean,
    seen: _Seen,
    tick: Callable[[], None],
) -> tuple[list[_Plan], list[RowError], int]:
    """Validate one chunk of rows and match them with what is stored (nothing is written):
    the rows to write, the errors, and how many rows would change nothing."""
    rows, errors = _cleaned(chunk, clean, tick)
    known_by_number = _existing(
        Cooperative.objects.all(),
        "number",
        {data["nomor_induk_koperasi"] for _n, data in rows} - {""},
    )
    # Candidates by name, and by nomor badan hukum (which finds a renamed cooperative).
    stored = Cooperative.objects.filter(centre=centre).select_related("regency__province")
    by_name = _by_lower_name(stored, {data["nama_koperasi"].lower() for _n, data in rows})
    by_legal_number: dict[str, list[Cooperative]] = {}
    legal_numbers = {_legal_number(data["nomor_badan_hukum"]) for _n, data in rows} - {""}
    for cooperative in (
        stored.annotate(legal_upper=Upper("legal_entity_number"))
        .filter(legal_upper__in=legal_numbers)
        .order_by("pk")
    ):
        key = _legal_number(cooperative.legal_entity_number)
        by_legal_number.setdefault(key, []).append(cooperative)
    plans, unchanged = [], 0
    for number, data in rows:
        row_errors = []
        official = data["nomor_induk_koperasi"] or None
        key = (data["kode_kabupaten"], data["nama_koperasi"].lower())
        if official and official in seen.identifiers:
            row_errors.append(
                _row_error(
                    number,
                    "nomor_induk_koperasi",
                    _("Nomor Induk Koperasi ini sudah ada di baris %(row)s berkas ini."),
                    row=seen.identifiers[official],
                )
            )
        known = known_by_number.get(official) if official else None
        if _elsewhere(known, centre):
            row_errors.append(
                _row_error(
                    number,
                    "nomor_induk_koperasi",
                    _("Nomor Induk Koperasi ini sudah terdaftar sebagai klien PLUT lain."),
                )
            )
        if not official and key in seen.keys:
            row_errors.append(
                _row_error(
                    number,
                    "nama_koperasi",
                    _(
                        "Koperasi ini sudah ada di baris %(row)s berkas ini: nama koperasi dan "
                        "kabupaten/kota sama."
                    ),
                    row=seen.keys[key],
                )
            )
        elif known is None:
            known = _cooperative_by_key(by_name, by_legal_number, data, official)
        if known is not None and known.pk in seen.records:
            row_errors.append(_same_record(number, "nama_koperasi", seen.records[known.pk]))
        cooperative = known or Cooperative(number=official)
        stored_state = COOPERATIVE_STATE(cooperative)
        _assign(cooperative, None, **_cooperative_values(data, centre))
        changes = known is None or COOPERATIVE_STATE(cooperative) != stored_state
        row_errors += _model_errors(number, cooperative, COOPERATIVE_COLUMNS)
        if row_errors:
            errors += row_errors
            continue
        if official:
            seen.identifiers[official] = number
        seen.keys.setdefault(key, number)
        if known is not None:
            seen.records[known.pk] = number
        if not changes:
            unchanged += 1
            continue
        values = tuple(data[name] for name in COOPERATIVE_FIELDS)
        plans.append(_Plan(number, values, known and known.pk))
    return plans, _row_errors_sorted(errors), unchanged


def _write_cooperatives(plans: list[_Plan], centre: Centre, actor: Any) -> tuple[int, int]:
    """Write one chunk of planned rows; (created, changed)."""
    before: _Before = {}
    stored = Cooperative.objects.in_bulk({plan.record for plan in plans} - {None})
    cooperatives = []
    for plan in plans:
        cooperative = stored.get(plan.record) if plan.record else Cooperative()
        data = dict(zip(COOPERATIVE_FIELDS, plan.values, strict=True))
        _assign(cooperative, before, **_cooperative_values(data, centre))
        cooperatives.append(cooperative)
    created = sum(1 for cooperative in cooperatives if cooperative.pk is None)
    changed = _save(Cooperative, cooperatives, COOPERATIVE_UPDATE, before, actor)
    return created, len(changed) - created


# --- The import ------------------------------------------------------------------------------


def import_clients(
    *,
    centre: Centre,
    kind: str,
    table: list[tuple[int, dict[str, str]]],
    mode: str,
    progress: Callable[[int], None] | None = None,
    actor: AbstractBaseUser | None = None,
) -> ImportResult:
    """Validate every row of ``table`` (from ``read_table``), then write per ``mode``.

    Rows are matched with what the centre holds (by NIB, NIK or Nomor Induk Koperasi, else
    by the keys of ``_enterprise_key`` and ``_cooperative_by_key``), so importing a file
    again creates nothing twice, and changes only what the file changes.

    Both steps go CHUNK rows at a time, keeping model instances for one chunk only. The
    validation writes nothing; ``progress(rows_validated)`` is called every BATCH rows,
    outside any transaction, so a watcher sees it while the import runs. The writes happen
    in one transaction at the end. The audit entries of the records it changes name
    ``actor`` (the importing user).
    """
    if kind not in COLUMNS or mode not in (ALL_OR_NOTHING, VALID_ROWS):
        raise ValueError(f"Unknown import kind or mode: {kind!r}, {mode!r}")
    regencies = set(
        Regency.objects.filter(province_id=centre.province_id).values_list("code", flat=True)
    )
    enterprises = kind == ENTERPRISES
    plan = _plan_enterprises if enterprises else _plan_cooperatives
    write = _write_enterprises if enterprises else _write_cooperatives
    clean = (ENTERPRISE_ROW if enterprises else COOPERATIVE_ROW).cleaner(regencies)
    report = _ticker(progress)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        report(done)

    seen = _Seen()
    plans: list[_Plan] = []
    errors: list[RowError] = []
    unchanged = 0
    for start in range(0, len(table), CHUNK):
        chunk = table[start : start + CHUNK]
        chunk_plans, chunk_errors, chunk_unchanged = plan(chunk, centre, clean, seen, tick)
        plans += chunk_plans
        errors += chunk_errors
        unchanged += chunk_unchanged
    del seen
    result = ImportResult(total=len(table), errors=errors, unchanged=unchanged)
    if progress is not None:
        progress(len(table))
    if errors and mode == ALL_OR_NOTHING:
        return result
    with transaction.atomic():
        for start in range(0, len(plans), CHUNK):
            created, updated = write(plans[start : start + CHUNK], centre, actor)
            result.created += created
            result.updated += updated
    # A planned row may still change nothing: its owner's details came from an earlier row.
    result.unchanged += len(plans) - result.created - result.updated
    result.applied = True
    return result
