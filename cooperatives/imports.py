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
refused, as in ``enterprise_register``. Validation reads the database a few times per file;
new rows are written with COPY on PostgreSQL (``bulk_create`` elsewhere), changed rows with
``bulk_update``, each change with its audit entry. ``make bench`` compares the import with a
plain COPY of the same rows (plut/bench/imports.py; the target is a quarter of COPY's rate).

Errors name the spreadsheet row (the header is row 1) and the column, in the active language.
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import json
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
from django.db.models import BooleanField, DateField, Field, JSONField, Model
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from clinics.models import Centre
from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from cooperatives.validators import (
    validate_cooperative_number,
    validate_kbli,
    validate_nib,
    validate_nik,
)
from plut.core import versions
from plut.core.dates import BoundedDateField
from plut.core.exports import export_response
from plut.core.phone import phone_to_e164
from plut.regions.models import Regency

ENTERPRISES, COOPERATIVES = "enterprises", "cooperatives"
ALL_OR_NOTHING, VALID_ROWS = "all_or_nothing", "valid_rows"
BATCH = 500  # rows between two progress reports
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
    """The file as a whole cannot be read (wrong type, missing columns, empty)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
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
                _t(
                    "Berkas tidak selesai dibaca dalam %(seconds)s detik; "
                    "bagi menjadi beberapa berkas yang lebih kecil."
                )
                % {"seconds": self.seconds}
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
        _t(
            "Berkas berisi lebih dari %(max)s baris (baris kosong ikut dihitung); "
            "bagi menjadi beberapa berkas."
        )
        % {"max": limit}
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
                _t("Isi berkas XLSX terlalu besar setelah diekstrak (maksimum %(mb)s MB).")
                % {"mb": max(1, limit // (1024 * 1024))}
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
                _t("Isi berkas XLSX mengembang lebih dari %(ratio)s kali saat diekstrak.")
                % {"ratio": ratio}
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
            _t(
                "Berkas tidak dapat dibaca sebagai XLSX. Simpan ulang dari Excel atau "
                "LibreOffice sebagai .xlsx, atau gunakan templat impor."
            )
        ) from error


def _csv_rows(data: bytes) -> Iterable[Sequence[Any]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_t("Berkas harus berupa CSV (UTF-8) atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_t("Berkas CSV harus disimpan dengan pengodean UTF-8.")) from error
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
        raise ImportFileError(_t("Berkas kosong.")) from None
    except csv.Error as error:
        raise ImportFileError(_t("Berkas CSV tidak dapat dibaca.")) from error
    columns = COLUMNS[kind]
    missing = [name for name in columns if columns[name][1] and name not in header]
    if missing:
        raise ImportFileError(
            _t("Kolom wajib tidak ada: %(columns)s. Gunakan templat impor.")
            % {"columns": ", ".join(missing)}
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
        raise ImportFileError(_t("Berkas CSV tidak dapat dibaca.")) from error
    if not table:
        raise ImportFileError(_t("Berkas tidak berisi baris data."))
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

    def cleaner(
        self, regencies: set[str]
    ) -> Callable[[dict[str, str]], tuple[dict[str, Any], list[tuple[str, str]]]]:
        """For one file: row -> (cleaned values, [(column, message)]), every column checked."""
        memo: dict[str, dict[str | None, tuple[Any, list[str]]]] = {
            name: {} for name in self.repeating
        }

        def clean_cell(name: str, column: forms.Field, text: str | None) -> tuple[Any, list[str]]:
            if name in self.numbers:
                text = _number(text or "")
            try:
                value = column.clean(text)
                check = self.checks.get(name)
                return (check(value, regencies) if check else value), []
            except ValidationError as error:
                return None, error.messages

        def clean(values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            data: dict[str, Any] = {}
            errors: list[tuple[str, str]] = []
            for name, column in self.fields.items():
                text = values.get(name)
                seen = memo.get(name)
                if seen is None:
                    value, messages = clean_cell(name, column, text)
                elif text in seen:
                    value, messages = seen[text]
                else:
                    value, messages = seen[text] = clean_cell(name, column, text)
                if messages:
                    errors.extend((name, message) for message in messages)
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
            RowError(number, columns.get(name, name), message)
            for name, messages in error.message_dict.items()
            for message in messages
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


def _assign(instance: Any, before: _Before, **values: Any) -> None:
    """Set the row's non-empty values. An empty cell keeps what is stored (a provincial list
    without phone numbers must not erase the ones the centre has) or, on a new record, the
    model's default. A stored record's state before the file is kept in ``before``, for the
    audit trail."""
    if instance.pk is not None:
        before.setdefault((type(instance), instance.pk), copy.copy(instance))
    for name, value in values.items():
        if value is None or (value == "" and instance.pk is not None):
            continue
        setattr(instance, name, value)


def _elsewhere(found: Any, centre: Centre) -> bool:
    return found is not None and found.centre_id not in (None, centre.pk)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    return str(value).translate(_COPY_ESCAPES)


def _copy_writer(column: Field) -> Callable[[Any], str]:
    """How ``column``'s values are written in COPY's text format, chosen once per column (not
    per value: half a million values a 20 000-row file), for the field types of the imported
    models and of the audit log."""
    if isinstance(column, JSONField):
        encoder = column.encoder
        write = lambda value: _copy_text(json.dumps(value, cls=encoder))  # noqa: E731
    elif isinstance(column, BooleanField):
        write = lambda value: "t" if value else "f"  # noqa: E731
    elif isinstance(column, DateField):  # and DateTimeField
        write = lambda value: value.isoformat()  # noqa: E731
    else:
        write = _copy_text
    return lambda value: "\\N" if value is None else write(value)


def _insert(model: type[Model], instances: list[Any]) -> None:
    """Insert new ``instances`` and set their ids. On PostgreSQL with COPY, ids taken from the
    table's sequence first: at thousands of rows a multi-row INSERT costs several times as much,
    most of it in Django compiling it."""
    if connection.vendor != "postgresql" or not instances:
        model.objects.bulk_create(instances, batch_size=WRITE_BATCH)
        return
    meta = model._meta
    fields = [column for column in meta.concrete_fields if not column.generated]
    quote = connection.ops.quote_name
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
        read = attrgetter(*(column.attname for column in fields))
        writers = [_copy_writer(column) for column in fields]
        text = "".join(
            "\t".join([write(value) for write, value in zip(writers, read(instance), strict=True)])
            + "\n"
            for instance in instances
        )
        cursor.cursor.copy_expert(
            f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
            " FROM STDIN",
            io.StringIO(text),
        )
    versions.copied(meta.db_table, using=connection.alias)


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


def _save(
    model: type[Model], instances: list[Any], fields: list[str], before: _Before, actor: Any
) -> tuple[int, int]:
    """Insert the new ``instances``, update ``fields`` of the stored ones and audit their
    changes; (created, updated)."""
    new = [instance for instance in instances if instance.pk is None]
    old = [instance for instance in instances if instance.pk is not None]
    _insert(model, new)
    # bulk_update leaves auto_now alone; integrations sync by updated_at.
    now = timezone.now()
    for instance in old:
        instance.updated_at = now
    model.objects.bulk_update(old, [*fields, "updated_at"], batch_size=UPDATE_BATCH)
    # What an import overwrites cannot be told afterwards, so each change is audited. Records
    # it creates are not: an entry per new record (auditlog's diff and a second row written)
    # would more than double the import's time (plut/bench/imports.py, docs/api.md).
    _audit(
        [(instance, before[(model, instance.pk)], [*fields, "updated_at"]) for instance in old],
        actor,
    )
    return len(new), len(old)


# --- Enterprises -----------------------------------------------------------------------------

PERSON_UPDATE = ["full_name", "gender", "phone", "email", "regency", "centre"]
ENTERPRISE_UPDATE = [
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


@dataclass
class _EnterpriseRow:
    number: int
    person: Person
    enterprise: Enterprise


def _validate_enterprises(
    table: list[tuple[int, dict[str, str]]],
    centre: Centre,
    regencies: set[str],
    tick: Callable[[int], None],
    before: _Before,
) -> tuple[list[_EnterpriseRow], list[RowError]]:
    persons = _existing(
        Person.objects.all(), "nik", {values.get("nik_pemilik", "") for _n, values in table} - {""}
    )
    enterprises = _existing(
        Enterprise.objects.select_related("owner"),
        "nib",
        {values.get("nib", "") for _n, values in table} - {""},
    )
    # One object per person, however it was found (by NIK, or as a known business's owner),
    # so two rows about the same person never write it twice with different values.
    by_pk = {person.pk: person for person in persons.values()}
    for enterprise in enterprises.values():
        enterprise.owner = by_pk.setdefault(enterprise.owner_id, enterprise.owner)
    seen_nib: dict[str, int] = {}
    people_in_file: dict[str, Person] = {}
    clean = ENTERPRISE_ROW.cleaner(regencies)
    valid, errors = [], []
    for done, (number, values) in enumerate(table, start=1):
        tick(done)
        data, field_errors = clean(values)
        if field_errors:
            errors += [RowError(number, name, message) for name, message in field_errors]
            continue
        row_errors = []
        nib, nik = data["nib"] or None, data["nik_pemilik"] or None
        if nib and nib in seen_nib:
            row_errors.append(
                RowError(
                    number,
                    "nib",
                    _t("NIB ini sudah ada di baris %(row)s berkas ini.") % {"row": seen_nib[nib]},
                )
            )
        known = enterprises.get(nib) if nib else None
        if _elsewhere(known, centre):
            row_errors.append(
                RowError(number, "nib", _t("NIB ini sudah terdaftar sebagai klien PLUT lain."))
            )
        owner = persons.get(nik) if nik else None
        if _elsewhere(owner, centre):
            row_errors.append(
                RowError(
                    number, "nik_pemilik", _t("NIK ini sudah terdaftar sebagai klien PLUT lain.")
                )
            )
        person = people_in_file.get(nik) if nik else None
        if person is None:
            # Without a NIK, a known business keeps its owner (whose details the row updates).
            keep = known.owner if known is not None and not nik else None
            person = owner or keep or Person(nik=nik)
            _assign(
                person,
                before,
                full_name=data["nama_pemilik"],
                gender=data["jenis_kelamin"],
                phone=data["telepon_pemilik"],
                email=data["email_pemilik"],
                regency_id=data["kode_kabupaten"],
                centre=centre,
            )
            row_errors += _model_errors(number, person, PERSON_COLUMNS)
        enterprise = known or Enterprise(nib=nib)
        _assign(
            enterprise,
            before,
            name=data["nama_usaha"],
            kbli=data["kbli"],
            regency_id=data["kode_kabupaten"],
            address=data["alamat"],
            business_capital=data["modal_usaha"],
            annual_turnover=data["omzet_tahunan"],
            employees=data["jumlah_tenaga_kerja"],
            centre=centre,
        )
        row_errors += _model_errors(number, enterprise, ENTERPRISE_COLUMNS)
        if row_errors:
            errors += row_errors
            continue
        if nib:
            seen_nib[nib] = number
        if nik:
            people_in_file[nik] = person
        valid.append(_EnterpriseRow(number, person, enterprise))
    return valid, errors


def _write_enterprises(rows: list[_EnterpriseRow], before: _Before, actor: Any) -> tuple[int, int]:
    # One owner may hold several rows' businesses: each person is written once.
    persons = list({id(row.person): row.person for row in rows}.values())
    _save(Person, persons, PERSON_UPDATE, before, actor)
    for row in rows:
        row.enterprise.owner = row.person
    return _save(Enterprise, [row.enterprise for row in rows], ENTERPRISE_UPDATE, before, actor)


# --- Cooperatives ----------------------------------------------------------------------------

COOPERATIVE_UPDATE = [
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


def _validate_cooperatives(
    table: list[tuple[int, dict[str, str]]],
    centre: Centre,
    regencies: set[str],
    tick: Callable[[int], None],
    before: _Before,
) -> tuple[list[tuple[int, Cooperative]], list[RowError]]:
    known_by_number = _existing(
        Cooperative.objects.all(),
        "number",
        {values.get("nomor_induk_koperasi", "") for _n, values in table} - {""},
    )
    seen: dict[str, int] = {}
    clean = COOPERATIVE_ROW.cleaner(regencies)
    valid, errors = [], []
    for done, (number, values) in enumerate(table, start=1):
        tick(done)
        data, field_errors = clean(values)
        if field_errors:
            errors += [RowError(number, name, message) for name, message in field_errors]
            continue
        row_errors = []
        official = data["nomor_induk_koperasi"] or None
        if official and official in seen:
            row_errors.append(
                RowError(
                    number,
                    "nomor_induk_koperasi",
                    _t("Nomor Induk Koperasi ini sudah ada di baris %(row)s berkas ini.")
                    % {"row": seen[official]},
                )
            )
        known = known_by_number.get(official) if official else None
        if _elsewhere(known, centre):
            row_errors.append(
                RowError(
                    number,
                    "nomor_induk_koperasi",
                    _t("Nomor Induk Koperasi ini sudah terdaftar sebagai klien PLUT lain."),
                )
            )
        cooperative = known or Cooperative(number=official)
        _assign(
            cooperative,
            before,
            name=data["nama_koperasi"],
            legal_entity_number=data["nomor_badan_hukum"],
            legal_entity_date=data["tanggal_badan_hukum"],
            type=data["jenis"],
            regency_id=data["kode_kabupaten"],
            address=data["alamat"],
            members=data["jumlah_anggota"],
            workforce=data["jumlah_karyawan"],
            last_rat_on=data["tanggal_rat_terakhir"],
            centre=centre,
        )
        row_errors += _model_errors(number, cooperative, COOPERATIVE_COLUMNS)
        if row_errors:
            errors += row_errors
            continue
        if official:
            seen[official] = number
        valid.append((number, cooperative))
    return valid, errors


def _write_cooperatives(
    rows: list[tuple[int, Cooperative]], before: _Before, actor: Any
) -> tuple[int, int]:
    return _save(Cooperative, [c for _n, c in rows], COOPERATIVE_UPDATE, before, actor)


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

    ``progress(rows_validated)`` is called every BATCH rows, outside any transaction, so a
    watcher sees it while the import runs. The writes happen in one transaction at the end.
    The audit entries of the records it changes name ``actor`` (the importing user).
    """
    if kind not in COLUMNS or mode not in (ALL_OR_NOTHING, VALID_ROWS):
        raise ValueError(f"Unknown import kind or mode: {kind!r}, {mode!r}")
    regencies = set(
        Regency.objects.filter(province_id=centre.province_id).values_list("code", flat=True)
    )
    validate = _validate_enterprises if kind == ENTERPRISES else _validate_cooperatives
    before: _Before = {}
    valid, errors = validate(table, centre, regencies, _ticker(progress), before)
    result = ImportResult(total=len(table), errors=errors)
    if progress is not None:
        progress(len(table))
    if errors and mode == ALL_OR_NOTHING:
        return result
    write = _write_enterprises if kind == ENTERPRISES else _write_cooperatives
    with transaction.atomic():
        result.created, result.updated = write(valid, before, actor)
    result.applied = True
    return result
