"""Form widgets written in Python for the pages every user opens many times a day.

Django draws a widget through its template engine: a template per widget, another for its
attributes and one per <option>. On the workspace lists that cost more than the page's
queries (docs/performance.md), so the filter forms' widgets write the same markup here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from plut.foundation.core.markup import escape


class QuickSelect(forms.Select):
    """Django's <select>, written in Python: its template includes a template per <option>,
    so the hundred centres alone cost more than the page's queries
    (docs/performance.md#measurements-behind-the-codes-shape). The options come straight from
    the choices (no per-option context dicts either)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            self._options(self.choices, chosen),
        )

    def _options(self, choices: Any, chosen: set[str]) -> SafeString:
        # Plain escape() and joins: format_html per option made a long list much slower
        # (docs/performance.md#measurements-behind-the-codes-shape).
        parts = []
        for option_value, label in choices:
            if isinstance(label, (list, tuple)):  # an <optgroup>
                parts.append(
                    f'<optgroup label="{escape(option_value)}">'
                    f"{self._options(label, chosen)}</optgroup>"
                )
                continue
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            parts.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
        return mark_safe("".join(parts))


class QuickInput(forms.widgets.Input):
    """Django's <input>, written in Python, for the filter forms every list page draws: its
    template and the attributes' template, rendered for every field, are a cost every list
    page pays (docs/performance.md#measurements-behind-the-codes-shape)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        value = self.format_value(value)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            "" if value is None else format_html(' value="{}"', value),
            flatatt(self.build_attrs(self.attrs, attrs)),
        )


class SearchInput(QuickInput, forms.TextInput):
    input_type = "search"


class DateInput(QuickInput, forms.DateInput):
    """A calendar picker: type=date wants ISO dates whatever the locale writes dates as."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class PhoneInput(forms.TextInput):
    """A phone number: the phone's dialling keypad (``type=tel``) and the browser's saved
    number offered. Every phone field uses it, so owners and staff get the same keyboard."""

    input_type = "tel"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "tel", "autocomplete": "tel", **(attrs or {})})
