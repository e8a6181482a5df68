"""The lists that can be downloaded, by name.

A download that becomes a background job is rebuilt in the worker from the job's name, user and
query string: each list says how, once, and its page and the job use the same definition. Each
app defines its lists' exports in its ``exports`` module and imports it in ``AppConfig.ready``,
so web processes and workers alike know them, and this layer names none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from plut.foundation.accounts.models import User


@dataclass(frozen=True)
class ListExport:
    """A list's download: its FilterSet for a user and a query string (scope, filters and order
    exactly as the list shows them: it has ``is_valid()``, ``form``, ``rows`` and ``ordering``),
    how an object becomes cells, the column headers, the file's name and the list's title (on
    the download's page)."""

    name: str
    title: Any  # a lazy translation
    filename: str
    headers: Sequence[Any]
    filterset: Callable[[User, QueryDict], Any]
    rows: Callable[[Iterator[Any]], Iterable[Sequence[Any]]]


_EXPORTS: dict[str, ListExport] = {}


def export_register(export: ListExport) -> ListExport:
    """Make ``export`` downloadable by name; returns it, for module-level definitions."""
    known = _EXPORTS.setdefault(export.name, export)
    if known is not export:
        raise ValueError(f"two list exports are called {export.name!r}")
    return export


def export_get(name: str) -> ListExport | None:
    """The export called ``name``, or None for a name no app defines (any more)."""
    return _EXPORTS.get(name)
