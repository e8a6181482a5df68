"""Masking personal identifiers for display (UU 27/2022): enough to recognise, not to use."""

from __future__ import annotations

from plut.foundation.core.phone import phone_mask

# A NIK's first six digits are the region code and its last two end the serial: a clerk can
# match them against an ID card without the page showing the birth date in between.
NIK_SHOWN_START = 6
NIK_SHOWN_END = 2


def nik_mask(nik: str | None) -> str:
    """187101120585 0001 -> '187101********01'; empty or None -> ''."""
    nik = (nik or "").strip()
    if not nik:
        return ""
    hidden = len(nik) - NIK_SHOWN_START - NIK_SHOWN_END
    if hidden < 4:
        # Too short to show both ends and still hide something worth hiding.
        return "*" * len(nik)
    return nik[:NIK_SHOWN_START] + "*" * hidden + nik[-NIK_SHOWN_END:]


def audit_mask(value: str) -> str:
    """How the audit trail stores a masked field (``AUDITLOG_MASK_CALLABLE``): the same masks
    as the pages. django-auditlog's own hides only the first half of a value, which left a
    NIK's birth month, year and serial readable. The callable gets the value alone; the only
    masked fields are a person's NIK and phone, told apart by the phone's leading "+"."""
    value = str(value)
    return phone_mask(value) if value.startswith("+") else nik_mask(value)
