"""The API's JSON parser, bounded in depth: a body nested deeper than ``API_JSON_MAX_DEPTH``
is a 400, never a 500.

DRF's parser turns only ``ValueError`` into a 400: ``[[[[...]]]]`` a thousand deep makes the
decoder raise ``RecursionError``. A body nested less deep than that but still deep is refused
too, so that no code after the parser (a serializer, an error body) recurses on it. Its size
is limited before: DRF reads a JSON body through ``request.body``, which refuses more than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a 400, ``plut/foundation/rest/exceptions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in ``value`` (a scalar: 0), without recursing."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = _depth(data) > settings.API_JSON_MAX_DEPTH
        except RecursionError:  # deeper than Python's own limit
            too_deep = True
        if too_deep:
            raise ParseError(
                _("JSON bersarang terlalu dalam (maksimum %(depth)s tingkat).")
                % {"depth": settings.API_JSON_MAX_DEPTH}
            )
        return data
