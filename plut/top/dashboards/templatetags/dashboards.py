"""Formatting dashboard figures in the reader's language: 1.234 · 12,5 jam (English: 1,234 ·
12.5 hours); the province map's data and table."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from plut.foundation.core.tables import integer
from plut.foundation.core.templatetags.plut import rupiah_short
from plut.top.dashboards.maps import DEFAULT_FIGURE, MAP_FIGURES, choropleth
from plut.top.dashboards.sections import map_columns

register = template.Library()


@register.filter
def figure(value: Any, fmt: str = "int") -> Any:
    """A KPI value in its format: 1.234 · 12,5 jam · 57 % · 4,33 · Rp 3,9 miliar; a dash if none.

    Separators are the reader's, thousands grouped whatever USE_THOUSAND_SEPARATOR says
    (floatformat's "g"). Any other value, such as a label in a report's table, is left as is.
    """
    if value is None:
        return "–"
    if fmt == "hours":
        return _("%(hours)s jam") % {"hours": floatformat(value, "1g")}
    if fmt == "percent":
        return f"{floatformat(value, '-1g')} %"
    if fmt == "percent0":
        # Whole percent, as the ministry quotes rates: 3.017 of 5.302 -> 57 %.
        return f"{floatformat(value, '0g')} %"
    if fmt == "score":
        return floatformat(value, "2g")
    if fmt == "rupiah":
        return rupiah_short(value)
    if isinstance(value, float):
        return floatformat(value, "2g")
    if isinstance(value, int):
        return integer(value)
    return value


@register.filter
def change(current: Any, previous: Any) -> str:
    """The change from ``previous`` to ``current`` as a signed percentage, or an empty string."""
    if current is None or not previous:
        return ""
    share = (current - previous) * 100 / previous
    sign = "+" if share > 0 else ""
    return f"{sign}{floatformat(share, '0g')} %"


@register.filter
def sort_toggle(key: str, current: str | None) -> str:
    """The sort parameter for a column heading: largest first, then reversed on a second click."""
    return key if current == f"-{key}" else f"-{key}"


@register.simple_tag
def province_map(ranking: list[dict[str, Any]], figure: str | None) -> dict[str, Any]:
    """The national map for the ranking's rows, shaded by ``figure`` (maps.choropleth)."""
    return choropleth(ranking, figure or DEFAULT_FIGURE)


@register.simple_tag
def map_figures() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _kind) in MAP_FIGURES.items()]


@register.simple_tag
def map_table(ranking: list[dict[str, Any]], figure: str | None) -> dict[str, Any]:
    """The table under the map, as its export has it (sections.map_columns): the columns, and
    each province's cells after its name with their formats."""
    columns = map_columns(figure or DEFAULT_FIGURE)
    return {
        "columns": [(key, label) for key, label, _kind in columns],
        "rows": [
            {
                "code": row["code"],
                "name": row["name"],
                "cells": [(row[key], kind) for key, _label, kind in columns[1:]],
            }
            for row in ranking
        ],
    }


@register.filter
def aria_sort(key: str, current: str | None) -> str:
    """A column heading's aria-sort: "descending" or "ascending" when the table is ordered by
    it (``sort_toggle``'s "-key" is largest first), else "" (not sorted by it)."""
    if current == f"-{key}":
        return "descending"
    return "ascending" if current == key else ""


@register.filter
def index(values: list[Any], position: int) -> Any:
    return values[position]
