"""The widgets written in Python (plut.foundation.core.widgets) write what Django's templates write.

Each case renders the same field with Django's own widget and with ours and compares the HTML
as a browser parses it (attribute order aside), so a value, an error state or an attribute
can never be drawn differently on the lists than in any other form.
"""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.test.html import parse_html

from plut.foundation.core.widgets import DateInput, QuickSelect, SearchInput

CHOICES = [("", "Semua"), ("a", "Alpha & <Omega>"), ("b", 'Beta "2"'), ("Grup", [("c", "Gamma")])]


def _render(field: forms.Field, data: dict | None, name: str = "x") -> str:
    form_class = type("F", (forms.Form,), {name: field})
    form = form_class(data) if data is not None else form_class()
    form.is_valid()
    return str(form[name])


def _same(ours: forms.Field, django: forms.Field, data: dict | None) -> None:
    assert parse_html(_render(ours, data)) == parse_html(_render(django, data))


@pytest.mark.parametrize(
    "data",
    [None, {}, {"x": "kopi"}, {"x": '"><script>alert(1)</script>'}, {"x": "Siti & Sons"}],
)
def test_search_input_writes_what_django_writes(data: dict | None) -> None:
    _same(
        forms.CharField(required=False, widget=SearchInput(attrs={"placeholder": "Cari"})),
        forms.CharField(
            required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": "Cari"})
        ),
        data,
    )


@pytest.mark.parametrize(
    "data", [None, {}, {"x": "2026-11-05"}, {"x": "5 November"}, {"x": '"><b>'}]
)
@pytest.mark.parametrize("required", [True, False])
def test_date_input_writes_what_django_writes(data: dict | None, required: bool) -> None:
    _same(
        forms.DateField(required=required, widget=DateInput()),
        forms.DateField(
            required=required,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        ),
        data,
    )


def test_date_input_writes_an_initial_date_as_iso_whatever_the_language() -> None:
    field = forms.DateField(widget=DateInput(), initial=datetime.date(2026, 11, 5))
    assert 'value="2026-11-05"' in _render(field, None)


@pytest.mark.parametrize("data", [None, {}, {"x": "a"}, {"x": "c"}, {"x": "zzz"}])
def test_quick_select_writes_what_django_writes(data: dict | None) -> None:
    _same(
        forms.ChoiceField(required=False, choices=CHOICES, widget=QuickSelect),
        forms.ChoiceField(required=False, choices=CHOICES, widget=forms.Select),
        data,
    )
