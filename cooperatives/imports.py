"""Bulk import of enterprises (with their owners) and cooperatives from CSV or XLSX.

Provinces hold their clients in spreadsheets and in exports of national systems. A file in the
documented template (``template_response``) is read (``read_table``, by content, not by its
name), every row is validated with the same rules as the forms and models (the identifier
validators, E.164 phones, the model's own ``clean``), and then written in bulk:

- ``all_or_nothing``: one invalid row and nothing is written;
- ``valid_rows``: the valid rows are written, the others reported.

A NIB, NIK or Nomor Induk Koperasi already registered at the importing centre (or at none)
updates that record instead of adding a duplicate; one registered at another centre is
refused, as in ``enterprise_register``. Validation reads the database a fixed number of times
per batch, and the writes are ``bulk_create`` / ``bulk_update`` in batches, so a file of
50 000 rows takes seconds of database time, not 50 000 round trips.

Errors name the spreadsheet row (the header is row 1) and the column, in the active language.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBase
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
from plut.core.exports import export_response
from plut.core.phone import phone_to_e164
from plut.regions.models import Regency

ENTERPRISES, COOPERATIVES = "enterprises", "cooperatives"
ALL_OR_NOTHING, VALID_ROWS = "all_or_nothing", "valid_rows"
BATCH = 500
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


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


def _xlsx_rows(data: bytes) -> Iterable[Sequence[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(_t("Berkas XLSX tidak dapat dibaca.")) from error
    return workbook.worksheets[0].iter_rows(values_only=True)


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
    UTF-8 text. Raises ``ImportFileError`` for an unreadable file or missing columns.
    """
    rows = iter(_xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(data))
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
    table = []
    try:
        for number, cells in enumerate(rows, start=2):
            values = {
                name: _text(cells[index]) if index < len(cells) else ""
                for index, name in enumerate(header)
                if name in columns
            }
            if any(values.values()):
                table.append((number, values))
            if len(table) > MAX_ROWS:
                raise ImportFileError(
                    _t("Berkas berisi lebih dari %(max)s baris; bagi menjadi beberapa berkas.")
                    % {"max": MAX_ROWS}
                )
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


class _RowForm(forms.Form):
    number_fields: tuple[str, ...] = ()

    def __init__(self, data: dict[str, str], *, regencies: set[str]) -> None:
        data = dict(data)
        for name in self.number_fields:
            data[name] = _number(data.get(name, ""))
        super().__init__(data)
        self.regencies = regencies

    def clean_kode_kabupaten(self) -> str:
        code = self.cleaned_data["kode_kabupaten"].strip()
        if code not in self.regencies:
            raise forms.ValidationError(
                _("Kode kabupaten/kota %(code)s tidak dikenal atau bukan di provinsi PLUT ini."),
                params={"code": code},
            )
        return code


def _identifier(validator: Callable[[str], None], length: int) -> forms.CharField:
    return forms.CharField(required=False, max_length=length, validators=[validator])


def _count() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=10_000_000)


def _rupiah() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=10**15)


def _date() -> forms.DateField:
    return forms.DateField(required=False, input_formats=DATE_FORMATS)


class EnterpriseRowForm(_RowForm):
    number_fields = ("modal_usaha", "omzet_tahunan", "jumlah_tenaga_kerja")

    nama_usaha = forms.CharField(max_length=200)
    nib = _identifier(validate_nib, 13)
    kbli = _identifier(validate_kbli, 5)
    kode_kabupaten = forms.CharField(max_length=5)
    alamat = forms.CharField(required=False, max_length=1000)
    modal_usaha = _rupiah()
    omzet_tahunan = _rupiah()
    jumlah_tenaga_kerja = _count()
    nama_pemilik = forms.CharField(max_length=200)
    nik_pemilik = _identifier(validate_nik, 16)
    jenis_kelamin = forms.ChoiceField(required=False, choices=[("", "—"), *Gender.choices])
    telepon_pemilik = forms.CharField(required=False, max_length=30)
    email_pemilik = forms.EmailField(required=False)

    def clean_telepon_pemilik(self) -> str:
        phone = self.cleaned_data["telepon_pemilik"].strip()
        return phone_to_e164(phone) if phone else ""


class CooperativeRowForm(_RowForm):
    number_fields = ("jumlah_anggota", "jumlah_karyawan")

    nama_koperasi = forms.CharField(max_length=200)
    nomor_induk_koperasi = _identifier(validate_cooperative_number, 16)
    nomor_badan_hukum = forms.CharField(required=False, max_length=100)
    tanggal_badan_hukum = _date()
    jenis = forms.ChoiceField(choices=CooperativeType.choices)
    kode_kabupaten = forms.CharField(max_length=5)
    alamat = forms.CharField(required=False, max_length=1000)
    jumlah_anggota = _count()
    jumlah_karyawan = _count()
    tanggal_rat_terakhir = _date()


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


def _model_errors(
    number: int, instance: Any, exclude: list[str], columns: dict[str, str]
) -> list[RowError]:
    """The model's own field validators and ``clean`` (no database: uniqueness and foreign
    keys are checked in bulk by the caller)."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            RowError(number, columns.get(name, name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _form_errors(number: int, form: forms.Form) -> list[RowError]:
    return [
        RowError(number, name if name != "__all__" else "", message)
        for name, messages in form.errors.items()
        for message in messages
    ]


def _existing(queryset: Any, field_name: str, values: set[str]) -> dict[str, Any]:
    """Rows of ``queryset`` whose ``field_name`` is in ``values``, by that value, in batches
    (a single IN list of 100 000 values is more than SQLite accepts)."""
    ordered = sorted(values)
    found: dict[str, Any] = {}
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
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


def _assign(instance: Any, **values: Any) -> None:
    """Set the row's non-empty values. An empty cell keeps what is stored (a provincial list
    without phone numbers must not erase the ones the centre has) or, on a new record, the
    model's default."""
    for name, value in values.items():
        if value is None or (value == "" and instance.pk is not None):
            continue
        setattr(instance, name, value)


def _elsewhere(found: Any, centre: Centre) -> bool:
    return found is not None and found.centre_id not in (None, centre.pk)


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
    valid, errors = [], []
    for done, (number, values) in enumerate(table, start=1):
        tick(done)
        form = EnterpriseRowForm(values, regencies=regencies)
        if not form.is_valid():
            errors.extend(_form_errors(number, form))
            continue
        data = form.cleaned_data
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
                full_name=data["nama_pemilik"],
                gender=data["jenis_kelamin"],
                phone=data["telepon_pemilik"],
                email=data["email_pemilik"],
                regency_id=data["kode_kabupaten"],
                centre=centre,
            )
            row_errors += _model_errors(
                number, person, ["regency", "centre", "user"], PERSON_COLUMNS
            )
        enterprise = known or Enterprise(nib=nib)
        _assign(
            enterprise,
            name=data["nama_usaha"],
            kbli=data["kbli"],
            regency_id=data["kode_kabupaten"],
            address=data["alamat"],
            business_capital=data["modal_usaha"],
            annual_turnover=data["omzet_tahunan"],
            employees=data["jumlah_tenaga_kerja"],
            centre=centre,
        )
        row_errors += _model_errors(
            number,
            enterprise,
            ["regency", "owner", "cooperative", "centre", "scale"],
            ENTERPRISE_COLUMNS,
        )
        if row_errors:
            errors += row_errors
            continue
        if nib:
            seen_nib[nib] = number
        if nik:
            people_in_file[nik] = person
        valid.append(_EnterpriseRow(number, person, enterprise))
    return valid, errors


def _write_enterprises(rows: list[_EnterpriseRow]) -> tuple[int, int]:
    # One owner may hold several rows' businesses: each person is written once.
    persons = list({id(row.person): row.person for row in rows}.values())
    known = [p for p in persons if p.pk is not None]
    Person.objects.bulk_create([p for p in persons if p.pk is None], batch_size=BATCH)
    Person.objects.bulk_update(known, PERSON_UPDATE, batch_size=BATCH)
    for row in rows:
        row.enterprise.owner = row.person
    new = [row.enterprise for row in rows if row.enterprise.pk is None]
    old = [row.enterprise for row in rows if row.enterprise.pk is not None]
    Enterprise.objects.bulk_create(new, batch_size=BATCH)
    Enterprise.objects.bulk_update(old, ENTERPRISE_UPDATE, batch_size=BATCH)
    return len(new), len(old)


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
) -> tuple[list[tuple[int, Cooperative]], list[RowError]]:
    known_by_number = _existing(
        Cooperative.objects.all(),
        "number",
        {values.get("nomor_induk_koperasi", "") for _n, values in table} - {""},
    )
    seen: dict[str, int] = {}
    valid, errors = [], []
    for done, (number, values) in enumerate(table, start=1):
        tick(done)
        form = CooperativeRowForm(values, regencies=regencies)
        if not form.is_valid():
            errors.extend(_form_errors(number, form))
            continue
        data = form.cleaned_data
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
        row_errors += _model_errors(
            number, cooperative, ["regency", "centre", "board_members"], COOPERATIVE_COLUMNS
        )
        if row_errors:
            errors += row_errors
            continue
        if official:
            seen[official] = number
        valid.append((number, cooperative))
    return valid, errors


def _write_cooperatives(rows: list[tuple[int, Cooperative]]) -> tuple[int, int]:
    new = [c for _n, c in rows if c.pk is None]
    old = [c for _n, c in rows if c.pk is not None]
    Cooperative.objects.bulk_create(new, batch_size=BATCH)
    Cooperative.objects.bulk_update(old, COOPERATIVE_UPDATE, batch_size=BATCH)
    return len(new), len(old)


# --- The import ------------------------------------------------------------------------------


def import_clients(
    *,
    centre: Centre,
    kind: str,
    table: list[tuple[int, dict[str, str]]],
    mode: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every row of ``table`` (from ``read_table``), then write per ``mode``.

    ``progress(rows_validated)`` is called every BATCH rows, outside any transaction, so a
    watcher sees it while the import runs. The writes happen in one transaction at the end.
    """
    if kind not in COLUMNS or mode not in (ALL_OR_NOTHING, VALID_ROWS):
        raise ValueError(f"Unknown import kind or mode: {kind!r}, {mode!r}")
    regencies = set(
        Regency.objects.filter(province_id=centre.province_id).values_list("code", flat=True)
    )
    validate = _validate_enterprises if kind == ENTERPRISES else _validate_cooperatives
    valid, errors = validate(table, centre, regencies, _ticker(progress))
    result = ImportResult(total=len(table), errors=errors)
    if progress is not None:
        progress(len(table))
    if errors and mode == ALL_OR_NOTHING:
        return result
    write = _write_enterprises if kind == ENTERPRISES else _write_cooperatives
    with transaction.atomic():
        result.created, result.updated = write(valid)
    result.applied = True
    return result
