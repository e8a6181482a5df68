"""Indonesian identifiers, checked with messages a clerk can act on."""

from __future__ import annotations

import calendar
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only: \d would also take other scripts' digits ("٣"), which int() reads.
_DIGITS = re.compile(r"[0-9]+")


def _digits_only(value: str, length: int, message: str, code: str) -> None:
    if not (isinstance(value, str) and len(value) == length and _DIGITS.fullmatch(value)):
        raise ValidationError(message, code=code, params={"value": value})


def nik_birth_parts(nik: str) -> tuple[int, int, int, bool]:
    """(day, month, two-digit year, is_female) encoded in a NIK's digits 7-12."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    # Women's NIKs carry the birth day plus 40.
    is_female = day > 40
    return (day - 40 if is_female else day), month, year, is_female


def validate_nik(value: str) -> None:
    """NIK: 16 digits = region (6) + birth date DDMMYY, women +40 on DD (6) + serial (4)."""
    _digits_only(
        value,
        16,
        _("NIK harus terdiri dari 16 angka (tanpa spasi atau tanda baca)."),
        "nik_format",
    )
    day, month, year, _female = nik_birth_parts(value)
    # The century is not encoded, so 29 Feb is valid when either 19YY or 20YY is a leap year.
    max_day = (
        max(calendar.monthrange(century + year, month)[1] for century in (1900, 2000))
        if 1 <= month <= 12
        else 0
    )
    if not (1 <= month <= 12 and 1 <= day <= max_day):
        raise ValidationError(
            _(
                "Tanggal lahir dalam NIK (angka ke-7 sampai ke-12) tidak valid. "
                "Periksa kembali NIK pada KTP."
            ),
            code="nik_date",
        )
    if value[:2] == "00" or value[2:4] == "00" or value[12:] == "0000":
        raise ValidationError(
            _("Kode wilayah atau nomor urut dalam NIK tidak valid."), code="nik_region"
        )


def validate_nib(value: str) -> None:
    """NIB (Nomor Induk Berusaha) from OSS: 13 digits."""
    _digits_only(value, 13, _("NIB harus terdiri dari 13 angka."), "nib_format")


def validate_cooperative_number(value: str) -> None:
    """Nomor Induk Koperasi (NIK koperasi) from the ministry's ODS: 16 digits."""
    _digits_only(
        value, 16, _("Nomor Induk Koperasi harus terdiri dari 16 angka."), "nik_koperasi_format"
    )


def validate_kbli(value: str) -> None:
    """KBLI 2020 business classification: 5 digits."""
    _digits_only(value, 5, _("Kode KBLI harus terdiri dari 5 angka (KBLI 2020)."), "kbli_format")
