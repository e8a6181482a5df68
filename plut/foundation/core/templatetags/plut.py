"""Template filters for counts, money and centre-local times, in the reader's language."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from plut.foundation.core.tables import integer, moment

register = template.Library()

# A count grouped the reader's way, as the lists' tables write it: {{ members|integer }} ->
# 12.345 (English: 12,345). Templates print numbers ungrouped otherwise (USE_THOUSAND_SEPARATOR
# stays off, see _grouped), and so does blocktranslate: give it the grouped text, keeping the
# number for the plural, {% blocktranslate count total=members with n=members|integer %}.
register.filter("integer", integer)


def _grouped(number: int | Decimal) -> str:
    # The reader's separators, whatever USE_THOUSAND_SEPARATOR says: that setting would also
    # group ids and years printed in templates (value="1.234", "2.017").
    return formats.number_format(number, use_l10n=True, force_grouping=True)


@register.filter
def rupiah(value: int | str | None) -> str:
    """Integer Rupiah in full: 3900000000 -> 'Rp 3.900.000.000' (English: 'Rp 3,900,000,000')."""
    if value is None or value == "":
        return "–"
    return f"Rp {_grouped(int(value))}"


@register.filter
def rupiah_short(value: int | str | None) -> str:
    """Rupiah for headlines: 3900000000 -> 'Rp 3,9 miliar' (English: 'Rp 3.9 billion')."""
    if value is None or value == "":
        return "–"
    amount = int(value)
    for size, unit in ((10**12, _("triliun")), (10**9, _("miliar")), (10**6, _("juta"))):
        if abs(amount) >= size:
            scaled = (Decimal(amount) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            whole = scaled == scaled.to_integral_value()
            return f"Rp {_grouped(int(scaled) if whole else scaled)} {unit}"
    return rupiah(amount)


@register.filter
def in_zone(value: datetime.datetime | None, zone: str) -> str:
    """A moment in the given IANA zone, labelled WIB/WITA/WIT: '9 Agu 2017 09:00 WIB'
    (English: '9 Aug 2017 09:00 WIB')."""
    return moment(value, zone)


@register.filter
def percent(part: int | None, whole: int | None) -> str:
    """Share of ``whole``, rounded to a whole percent: 3017 of 5302 -> '57 %'."""
    if not whole:
        return "–"
    share = (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)
    return f"{_grouped(share)} %"
