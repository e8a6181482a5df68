"""Formatting dashboard figures the way Indonesians read them."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from plut.foundation.core.templatetags.plut import rupiah_short

register = template.Library()


def _decimal(value: float, places: int) -> str:
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@register.filter
def figure(value: Any, fmt: str = "int") -> str:
    """A KPI value in its format: 1.234 · 12,5 jam · 57 % · 4,3 · Rp 3,9 miliar; a dash if none."""
    if value is None:
        return "–"
    if fmt == "hours":
        return _("%(hours)s jam") % {"hours": _decimal(value, 1)}
    if fmt == "percent":
        return f"{_decimal(value, 1).removesuffix(',0')} %"
    if fmt == "percent0":
        # Whole percent, as the ministry quotes rates: 3.017 of 5.302 -> 57 %.
        return f"{_decimal(value, 0)} %"
    if fmt == "score":
        return _decimal(value, 2)
    if fmt == "rupiah":
        return rupiah_short(value)
    if isinstance(value, float):
        return _decimal(value, 2)
    return intcomma(value, use_l10n=False).replace(",", ".")


@register.filter
def change(current: Any, previous: Any) -> str:
    """The change from ``previous`` to ``current`` as a signed percentage, or an empty string."""
    if current is None or not previous:
        return ""
    share = (current - previous) * 100 / previous
    sign = "+" if share > 0 else ""
    return f"{sign}{_decimal(share, 0)} %"


@register.filter
def sort_toggle(key: str, current: str | None) -> str:
    """The sort parameter for a column heading: largest first, then reversed on a second click."""
    return key if current == f"-{key}" else f"-{key}"


@register.filter
def index(values: list[Any], position: int) -> Any:
    return values[position]
