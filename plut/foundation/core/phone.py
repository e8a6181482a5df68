"""Phone numbers: owners give them in any local form; we store E.164 (+62...)."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _


def _indonesian_mobile() -> tuple[str, frozenset[int]]:
    """The library's pattern and lengths of an Indonesian mobile number. Its metadata may
    lack a region or a number type; Indonesia's mobiles are always there, so a gap means a
    broken install, and the import says so by name."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("ID")
    mobile = metadata.mobile if metadata is not None else None
    if mobile is None or mobile.national_number_pattern is None:
        raise ImproperlyConfigured("phonenumbers has no Indonesian mobile pattern.")
    return mobile.national_number_pattern, frozenset(mobile.possible_length)


_MOBILE_PATTERN, _MOBILE_LENGTHS = _indonesian_mobile()
_MOBILE = re.compile(_MOBILE_PATTERN)
_SEPARATORS = re.compile(r"[\s\-.()]")
_NATIONAL = re.compile(r"(?:\+62|62|0)([1-9]\d*)")


def _mobile(raw: str) -> str | None:
    """E.164 of an Indonesian mobile number written the usual ways, checked against the
    library's own mobile pattern and lengths for Indonesia; None for anything else. The full
    parse is slow enough to be a large share of a bulk import's time; this check costs a small
    fraction of it (docs/performance.md#measurements-behind-the-codes-shape)."""
    national = _NATIONAL.fullmatch(_SEPARATORS.sub("", raw))
    if national is None:
        return None
    digits = national.group(1)
    if len(digits) in _MOBILE_LENGTHS and _MOBILE.fullmatch(digits):
        return "+62" + digits
    return None


def phone_to_e164(value: str) -> str:
    """Parse a number as an Indonesian would write it and return it in E.164.

    ``0812-3456-7890``, ``+62 812 3456 7890`` and ``62812...`` all become ``+6281234567890``.
    """
    raw = (value or "").strip()
    return _mobile(raw) or _parsed(raw)


def _parsed(raw: str) -> str:
    """E.164 of any number the library accepts for Indonesia (fixed lines, odd spellings)."""
    if raw.startswith("62") and not raw.startswith("+"):
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _(
                "Nomor telepon tidak valid. Contoh yang benar: 0812-3456-7890 atau +62 812 3456 7890."
            ),
            code="invalid_phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    """Model-level check: the stored value must already be a valid E.164 number."""
    if phone_to_e164(value) != value:
        raise ValidationError(_("Nomor telepon harus disimpan dalam format E.164 (+62...)."))


def phone_mask(value: str) -> str:
    """Show enough of a number to recognise it, not enough to use it: +62812****7890."""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 2) + value[-4:]
