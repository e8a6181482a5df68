"""The workspace lists' filters (``ListFilterSet``) and their dropdowns: scoped to the user,
small at national scale, cheap to render.

A dropdown offers only the user's scope (their centres, their provinces' regencies), so a
filter can narrow a list and never reach outside it. A national officer's scope holds a hundred
centres, a thousand consultants and 514 regencies: listing them all made each page's cost grow
with the country. The consultant and regency dropdowns therefore list what fits the chosen
centre (plus the current choice), while validation still accepts anything in the scope, so a
link to any valid choice filters as before and one outside the scope shows nothing
(``ListFilterSet.rows``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clinics.selectors import (
    centre_province,
    centres_kept_for,
    centres_visible_to,
    provinces_seen_by,
)
from plut.foundation.accounts.models import User
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.widgets import QuickSelect
from plut.foundation.regions.models import Regency

NOTHING = Q(pk__in=[])  # Django answers it without a query


class ListFilterSet(django_filters.FilterSet):
    """A workspace list's filters, for one user, with a whitelist of keyset sort orders.

    Subclasses set ``orderings`` ({key: (label, order)}, the first is the default) and narrow
    their dropdowns to the user's scope in ``__init__``. Input that does not validate (a centre
    outside the scope, a malformed date) shows nothing: ``rows`` never silently drops a filter
    the user asked for and shows more than they meant.
    """

    orderings: ClassVar[dict[str, tuple[str | Promise, tuple[str, ...]]]] = {}

    sort = django_filters.ChoiceFilter(
        label=_("Urutkan"), method="keep", empty_label=None, widget=QuickSelect
    )

    def __init__(
        self, data: Any = None, *args: Any, user: User | AnonymousUser, **kwargs: Any
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.user = user
        # Manager and consultant work at one centre; everyone else above them sees several.
        self.several_centres = scope_of(user).centre_id is None
        # Last in the form, after what the list is narrowed by.
        self.filters["sort"] = self.filters.pop("sort")
        self.filters["sort"].extra["choices"] = [
            (key, label) for key, (label, _order) in self.orderings.items()
        ]

    def keep(self, queryset: models.QuerySet, name: str, value: Any) -> models.QuerySet:
        return queryset  # the order is applied by the paginator, not here

    @property
    def rows(self) -> models.QuerySet:
        return self.qs if self.is_valid() else self.queryset.none()

    def nothing_found(self, message: str | Promise) -> str | Promise:
        """What an empty list says: ``message``, or that the filters need fixing first."""
        if self.errors:
            return _("Saringan tidak valid; perbaiki isian yang ditandai.")
        return message

    @property
    def ordering(self) -> tuple[str, ...]:
        chosen = self.form.cleaned_data.get("sort") if self.is_valid() else None
        default = next(iter(self.orderings))
        return self.orderings[chosen or default][1]


class _OfferedIterator(django_filters.fields.ModelChoiceIterator):
    def __init__(self, field: OfferedChoiceField) -> None:
        super().__init__(field)
        if field.offered is not None:
            self.queryset = field.offered

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        rows = self.field.rows() if self.field.rows is not None else None
        if rows is not None:
            for key, row in rows.items():
                yield key, self.field.label_from_instance(row)
            return
        if self.queryset.query.is_empty():  # none(): Django would compile it to learn that
            return
        # One plain query: Django's .iterator() here opens a server-side cursor on
        # PostgreSQL, three more round trips per dropdown for at most a few hundred rows.
        key = self.field.to_field_name or "pk"
        if isinstance(self.field.label_column, tuple):
            for value, *columns in self.queryset.values_list(key, *self.field.label_column):
                yield value, self.field.label_from_values(*columns)
            return
        if self.field.label_column:
            yield from self.queryset.values_list(key, self.field.label_column)
            return
        for obj in self.queryset:
            yield self.choice(obj)


class OfferedChoiceField(django_filters.fields.ModelChoiceField):
    """A dropdown that accepts any row of its (scoped) queryset but lists only ``offered``.

    With ``label_column`` the options are that column's values, read without building a
    model per option (a hundred centres as models cost more than the page's own query); with
    a tuple of columns, what ``label_from_values()`` makes of them. With ``rows`` (rows by the
    key a form receives, the same rows as the queryset: the centres and service areas each
    process keeps, clinics.centre_cache), it lists them and accepts a choice among them
    without a query; when ``rows()`` gives None, the queryset answers both."""

    iterator = _OfferedIterator

    def __init__(
        self,
        *args: Any,
        offered: QuerySet | None = None,
        label_column: str | tuple[str, ...] | None = None,
        rows: Callable[[], dict[str, Model] | None] | None = None,
        **kwargs: Any,
    ) -> None:
        # Before super(), which builds the widget's choices.
        self.offered, self.label_column, self.rows = offered, label_column, rows
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        rows = None
        if self.rows is not None and value not in self.empty_values:
            rows = self.rows()
        if rows is None:
            return super().to_python(value)
        try:
            return rows[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class OfferedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = OfferedChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)


def scoped_choices(filterset: ListFilterSet) -> None:
    """Point the centre and regency dropdowns at the user's scope; drop the centre dropdown
    for someone who works at one centre (it would offer one choice)."""
    user = filterset.user
    if "regency" in filterset.filters:
        regency = filterset.filters["regency"]
        regency.queryset = Regency.objects.filter(province__in=provinces_seen_by(user))
        regency.extra["label_column"] = "name"
    if "centre" in filterset.filters:
        if filterset.several_centres:
            centre = filterset.filters["centre"]
            centre.queryset = centres_visible_to(user).select_related(None)
            centre.extra["label_column"] = "name"
            centre.extra["rows"] = partial(centres_kept_for, user)
        else:
            del filterset.filters["centre"]


def chosen_centre(filterset: ListFilterSet) -> str | None:
    """The centre id the list is filtered by, unchecked: the queryset only narrows what the
    dropdowns list, and the form still refuses a centre outside the scope."""
    centre = filterset.data.get("centre") if "centre" in filterset.filters else None
    return centre if centre and centre.isdigit() else None


def regencies_fitting(filterset: ListFilterSet, centre: str | None) -> Q | None:
    """The regencies a regency dropdown lists: the chosen centre's province's, else all the
    scope holds (None) when that is one province's, else none until a centre is chosen."""
    if centre:
        return Q(province=centre_province(int(centre)))
    return NOTHING if scope_of(filterset.user).national else None


def narrow_to_centre(
    filterset: ListFilterSet, fits: dict[str, Q | None], *, options_url: str | None = None
) -> None:
    """List in each dropdown of ``fits`` only the rows that fit (None: all), and the choice.

    Without ``options_url`` the narrowed choices arrive with the next submit ("Terapkan");
    with it, the centre dropdown tells the page's script (js/list_filters.js) where to
    fetch them as soon as the centre changes, for the dropdowns it names in aria-controls.
    """
    for name, fit in fits.items():
        field = filterset.filters[name]
        if filterset.several_centres:
            field.extra["help_text"] = _("Pilihan mengikuti PLUT yang dipilih.")
        if fit is None:
            continue
        chosen = filterset.data.get(name)
        if fit is NOTHING and not chosen:
            # Known empty without compiling a query, which each empty dropdown paid for
            # (_OfferedIterator; docs/performance.md#measurements-behind-the-codes-shape).
            field.extra["offered"] = field.queryset.none()
            continue
        try:
            field.extra["offered"] = field.queryset.filter(fit | Q(pk=chosen) if chosen else fit)
        except (ValueError, ValidationError):  # a malformed choice: the form says so
            field.extra["offered"] = field.queryset.filter(fit)
    if options_url and "centre" in filterset.filters:
        filterset.filters["centre"].extra["widget"] = QuickSelect(
            attrs={
                "data-options-url": options_url,
                "aria-controls": " ".join(f"id_{name}" for name in fits),
            }
        )


def offered_choices(filterset: ListFilterSet, names: tuple[str, ...]) -> dict[str, list]:
    """What the ``names`` dropdowns list, as JSON for the page's script."""
    return {
        name: [
            {"value": str(value), "label": str(label)}
            for value, label in filterset.form.fields[name].choices
            if value != ""
        ]
        for name in names
    }
