"""The workspace lists' tables, written in Python, and the cell formats they share.

A list page shows 50 rows of six or seven cells. Through the template engine every cell is a
variable lookup, an autoescape and often a localising filter or a ``{% url %}`` (a reverse()
each): added up over a page, the rows cost more than the page's queries and kept the national
lists above their target of five times the floor
(docs/performance.md#measurements-behind-the-codes-shape). Here a column is a header and a
function from the row to its text; cells are escaped as the templates escape them, and the
language's month names and separators are looked up once per language, not once per cell.

The output is the same markup the templates wrote; ``{{ table }}`` renders the head and body.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from plut.foundation.core.dates import TimeZone
from plut.foundation.core.markup import escape

R = TypeVar("R")

DASH = "–"


@dataclass(frozen=True)
class Column(Generic[R]):
    header: Any  # a (lazy) translated string, or SafeString
    cell: Callable[[R], Any]  # text (escaped here) or SafeString; None or "" shows a dash
    link: Callable[[R], str] | None = None  # the cell links there
    dash: bool = True  # False: an empty cell stays empty


@dataclass
class Table(Generic[R]):
    columns: Sequence[Column[R]]
    rows: Iterable[R]
    empty: Any = ""  # the message of the one row shown when there are none
    row_class: Callable[[R], str] | None = None  # a row's class attribute, "" for none

    def __html__(self) -> SafeString:
        head = "".join(f'<th scope="col">{escape(c.header)}</th>' for c in self.columns)
        body = [self._row(row) for row in self.rows]
        if not body:
            body = [f'<tr><td colspan="{len(self.columns)}">{escape(self.empty)}</td></tr>']
        return mark_safe(f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>")

    __str__ = __html__

    def _row(self, row: R) -> str:
        cells = []
        for column in self.columns:
            value = column.cell(row)
            blank = DASH if column.dash else ""
            text = blank if value is None or value == "" else escape(value)
            if column.link is not None:
                text = f'<a href="{escape(column.link(row))}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        css = self.row_class(row) if self.row_class is not None else ""
        attrs = f' class="{escape(css)}"' if css else ""
        return f"<tr{attrs}>{''.join(cells)}</tr>"


_PLACEHOLDER = 987654321


@functools.lru_cache(maxsize=64)
def _url_halves(name: str, prefix: str, rest: tuple[Any, ...]) -> tuple[str, str]:
    # ``prefix`` (the script prefix reverse() reads) is part of the key: a portal served
    # under a sub-path must not reuse links made for another.
    head, tail = reverse(name, args=[_PLACEHOLDER, *rest]).rsplit(str(_PLACEHOLDER), 1)
    return head, tail


def url_by_pk(name: str, *rest: Any) -> Callable[[int], str]:
    """``reverse(name, args=[pk, *rest])`` for many rows: one reverse(), then the pk put in
    its place (a reverse() is slow next to joining strings, and a page of rows makes fifty;
    docs/performance.md#measurements-behind-the-codes-shape)."""
    head, tail = _url_halves(name, get_script_prefix(), rest)
    return lambda pk: f"{head}{int(pk)}{tail}"


@functools.lru_cache(maxsize=8)
def _months(language: str | None) -> tuple[str, ...]:
    # Django's "M": the language's three-letter month, title-cased ("Agu", "Aug").
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


@functools.lru_cache(maxsize=8)
def _thousands(language: str | None) -> str | None:
    if formats.get_format("NUMBER_GROUPING") != 3:
        return None  # a grouping the f-string below cannot write: number_format() does
    return formats.get_format("THOUSAND_SEPARATOR")


def day(value: datetime.date | None) -> str:
    """'9 Agu 2017' (English: '9 Aug 2017'), as the ``date:"j M Y"`` filter writes it."""
    if value is None:
        return ""
    return f"{value.day} {_months(get_language())[value.month]} {value.year}"


def moment(value: datetime.datetime | None, zone: str) -> str:
    """A moment in the given IANA zone, labelled WIB/WITA/WIT: '9 Agu 2017 09:00 WIB'."""
    if value is None:
        return ""
    local = timezone.localtime(value, ZoneInfo(zone))
    return f"{day(local)} {local:%H:%M} {TimeZone(zone).label}"


def integer(value: int | None) -> str:
    """An integer grouped in the reader's way: '1.234' (English: '1,234')."""
    if value is None:
        return ""
    separator = _thousands(get_language())
    if separator is None:
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return f"{value:,}".replace(",", separator)
