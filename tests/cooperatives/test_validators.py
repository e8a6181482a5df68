from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cooperatives.validators import (
    nik_birth_parts,
    validate_cooperative_number,
    validate_kbli,
    validate_nib,
    validate_nik,
)
from plut.foundation.core.phone import phone_mask, phone_to_e164, validate_e164


@pytest.mark.parametrize(
    "nik",
    [
        "1871011205850001",  # man born 12 May 1985
        "1871015205850002",  # woman born 12 May 1985 (12 + 40)
        "3273012902000003",  # 29 Feb 2000
        "9106017112990004",  # woman born 31 Dec 1999
    ],
)
def test_valid_niks_pass(nik):
    validate_nik(nik)


@pytest.mark.parametrize(
    ("nik", "fragment"),
    [
        ("187101120585001", "16 angka"),  # 15 digits
        ("18710112058500011", "16 angka"),
        ("1871O11205850001", "16 angka"),  # letter O
        ("1871 01120585001", "16 angka"),
        ("1871013205850001", "Tanggal lahir"),  # day 32
        ("1871017205850001", "Tanggal lahir"),  # woman's day 72 = 32
        ("1871011213850001", "Tanggal lahir"),  # month 13
        ("1871013002850001", "Tanggal lahir"),  # 30 February
        ("1871011205850000", "nomor urut"),  # serial 0000
        ("0071011205850001", "Kode wilayah"),
    ],
)
def test_invalid_niks_are_refused_with_an_indonesian_message(nik, fragment):
    with pytest.raises(ValidationError) as error:
        validate_nik(nik)
    assert fragment in str(error.value.messages[0])


def test_nik_tells_birth_date_and_sex():
    assert nik_birth_parts("1871015205850002") == (12, 5, 85, True)
    assert nik_birth_parts("1871011205850001") == (12, 5, 85, False)


@pytest.mark.parametrize(
    ("validator", "good", "bad", "message"),
    [
        (validate_nib, "9120301234567", "912030123456", "NIB harus terdiri dari 13 angka."),
        (
            validate_cooperative_number,
            "1871000000000001",
            "18710000000001",
            "Nomor Induk Koperasi harus terdiri dari 16 angka.",
        ),
        (validate_kbli, "10794", "1079", "Kode KBLI harus terdiri dari 5 angka (KBLI 2020)."),
    ],
)
def test_identifier_lengths(validator, good, bad, message):
    validator(good)
    with pytest.raises(ValidationError) as error:
        validator(bad)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    "raw", ["0812-3456-7890", "+62 812 3456 7890", "62812 3456 7890", "(0812) 3456 7890"]
)
def test_phones_in_local_forms_become_e164(raw):
    assert phone_to_e164(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "12345", "0812", "+1 202 555 01", "nomor saya"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValidationError) as error:
        phone_to_e164(raw)
    assert "Nomor telepon tidak valid" in error.value.messages[0]


def test_stored_phone_must_already_be_e164():
    validate_e164("+6281234567890")
    with pytest.raises(ValidationError):
        validate_e164("081234567890")


def test_phone_mask_hides_the_middle():
    assert phone_mask("+6281234567890") == "+62812****7890"
    assert phone_mask("") == ""
