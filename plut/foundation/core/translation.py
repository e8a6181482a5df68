"""Text a background job writes for readers of any language.

A job runs in a worker, where no reader's language is active: what it tells people (a failed
import's reason, a row's error) is stored in every language of the site, numbers grouped each
language's way, and read back in the reader's. A text stored before this (one language only)
reads as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from plut.foundation.core.tables import integer


def said(message: str | Promise, **params: Any) -> str:
    """``message`` (an Indonesian msgid, or a lazy translation) in the active language, with
    ``params`` put in: integers grouped the reader's way."""
    text = translation.gettext(str(message)) if isinstance(message, str) else str(message)
    if not params:
        return text
    return text % {
        name: integer(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in params.items()
    }


def in_every_language(render: Callable[[], str]) -> dict[str, str]:
    """``render()`` in each of the site's languages: {"id": ..., "en": ...}."""
    stored = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            stored[code] = render()
    return stored


def every_language(message: str | Promise, **params: Any) -> dict[str, str]:
    """``said`` in each of the site's languages."""
    return in_every_language(lambda: said(message, **params))


def in_reader_language(stored: dict[str, str] | str) -> str:
    """What ``every_language`` stored, in the active language (the site's default when that
    one is missing); a plain text, stored before, as it is."""
    if isinstance(stored, str):
        return stored
    if not stored:
        return ""
    return stored.get(translation.get_language() or "", stored.get(settings.LANGUAGE_CODE, ""))
