"""Masking personal identifiers for display (UU 27/2022): enough to recognise, not to use."""

from __future__ import annotations

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
