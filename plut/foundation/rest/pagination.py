"""Cursor pagination for every API list: no COUNT, no OFFSET, so page 10 000 costs page 1.

The cursor is DRF's (an opaque position on the ordering column, which is ``id`` unless the
client orders by ``updated_at`` for syncing; both are indexed). A cursor that was damaged or
edited by hand is a 400 with a message, never a 404 or a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

INVALID_CURSOR = _("Kursor halaman tidak valid. Mulai lagi dari halaman pertama (tanpa cursor).")


class ApiCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Lazy, so each request reads it in its own language; DRF's stubs expect a plain str.
    invalid_cursor_message = INVALID_CURSOR  # type: ignore[assignment]

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({"cursor": [INVALID_CURSOR]}) from None
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            # A well-formed cursor whose position does not fit the column (a forged value).
            raise ValidationError({"cursor": [INVALID_CURSOR]}) from None
