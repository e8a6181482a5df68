"""Filters for the staff lists of sessions and follow-ups.

Dropdowns offer only the user's scope (their centres, their colleagues, their provinces'
regencies): a centre or consultant from elsewhere is an invalid choice, and an invalid filter
shows nothing (``ListFilterSet.rows``).
"""

from __future__ import annotations

import datetime
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre, ServiceArea
from clinics.selectors import centres_visible_to
from cooperatives.filters import scoped_choices
from mentoring.models import FollowUp, MentoringSession, Mode, SessionEnterprise
from mentoring.selectors import sessions_matching
from plut.accounts.models import Role, User
from plut.accounts.scope import scope_of
from plut.core.pagination import ListFilterSet
from plut.regions.models import Regency, TimeZone


class QuickSelect(forms.Select):
    """Django's <select>, written in Python: its template includes a template per <option>,
    about 0.2 ms each, so the hundred centres alone cost more than the page's queries."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], flatatt(option["attrs"]), option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class _OfferedIterator(django_filters.fields.ModelChoiceIterator):
    def __init__(self, field: OfferedChoiceField) -> None:
        super().__init__(field)
        if field.offered is not None:
            self.queryset = field.offered


class OfferedChoiceField(django_filters.fields.ModelChoiceField):
    """A dropdown that accepts any row of its (scoped) queryset but lists only ``offered``.

    A national officer's scope holds a thousand consultants and 514 regencies: listing them all
    made the page's cost grow with the country. The dropdown lists what fits the chosen centre,
    plus the current choice, while a link to any valid choice still filters as before.
    """

    iterator = _OfferedIterator

    def __init__(self, *args: Any, offered: QuerySet | None = None, **kwargs: Any) -> None:
        self.offered = offered  # before super(), which builds the widget's choices
        super().__init__(*args, **kwargs)


class OfferedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = OfferedChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)


class StaffChoiceField(OfferedChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class StaffChoiceFilter(OfferedChoiceFilter):
    field_class = StaffChoiceField


def _date_widget() -> forms.DateInput:
    # type=date wants ISO dates whatever the active locale formats dates as.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _staff_of(user: Any) -> QuerySet[User]:
    """The managers and consultants of the centres ``user`` sees."""
    return User.objects.filter(staff_membership__centre__in=centres_visible_to(user)).order_by(
        "first_name", "last_name", "username"
    )


def _narrowed_to_centre(user: Any, centre: str | None) -> dict[str, Q | None]:
    """Which consultants and client regencies the session filters list: the chosen centre's
    (its staff, its province's regencies), else all the scope holds (None) when that is one
    centre's staff or one province's regencies, else none until a centre is chosen: the
    choices then arrive from ``session_filter_options`` (the page's script) or the next submit.
    """
    scope = scope_of(user)
    if centre and centre.isdigit():
        return {
            "consultant": Q(staff_membership__centre=centre),
            "regency": Q(province__centres=centre),
        }
    return {
        "consultant": None if scope.centre_id else Q(pk__in=[]),
        "regency": Q(pk__in=[]) if scope.national else None,
    }


def _local_day_start(day: datetime.date, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(zone))


def _local_days(lookup: str, day: datetime.date) -> Q:
    """Sessions compared with the start of ``day`` as each centre's own calendar has it: the
    list shows times in the centre's zone, so "from 5 November" matches the dates on the
    screen. A range on the column, not a date cast, so the (centre, starts_at) index serves it.
    """
    return reduce(
        or_,
        (
            Q(
                centre__province__timezone=zone,
                **{f"starts_at__{lookup}": _local_day_start(day, zone)},
            )
            for zone in TimeZone.values
        ),
    )


class SessionFilter(ListFilterSet):
    orderings = {
        "newest": (_("Terbaru"), ("-starts_at", "-id")),
        "oldest": (_("Terlama"), ("starts_at", "id")),
    }

    q = django_filters.CharFilter(
        label=_("Cari topik, UMKM, NIB atau pemilik"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    service_area = django_filters.ModelChoiceFilter(
        label=_("Bidang layanan"),
        queryset=ServiceArea.objects.all(),
        to_field_name="code",
        empty_label=_("Semua bidang"),
        widget=QuickSelect,
    )
    consultant = StaffChoiceFilter(
        label=_("Konsultan"), queryset=User.objects.none(), empty_label=_("Semua konsultan")
    )
    mode = django_filters.ChoiceFilter(
        label=_("Cara"), choices=Mode.choices, empty_label=_("Semua cara"), widget=QuickSelect
    )
    date_from = django_filters.DateFilter(
        label=_("Dari tanggal"), method="starting_from", widget=_date_widget()
    )
    date_to = django_filters.DateFilter(
        label=_("Sampai tanggal"), method="starting_until", widget=_date_widget()
    )
    regency = OfferedChoiceFilter(
        label=_("Kabupaten/kota UMKM"),
        queryset=Regency.objects.none(),
        method="by_client_regency",
        empty_label=_("Semua kabupaten/kota"),
    )
    centre = django_filters.ModelChoiceFilter(
        label=_("PLUT"), queryset=Centre.objects.none(), empty_label=_("Semua PLUT")
    )

    class Meta:
        model = MentoringSession
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped_choices(self)
        self.filters["consultant"].queryset = _staff_of(self.user)
        centre = self.data.get("centre") if "centre" in self.filters else None
        for name, fits in _narrowed_to_centre(self.user, centre).items():
            self._offer(name, fits)
        if "centre" in self.filters:
            self.filters["centre"].extra["widget"] = QuickSelect(
                attrs={
                    "data-options-url": reverse("mentoring:session_filter_options"),
                    "aria-controls": "id_consultant id_regency",
                }
            )

    def _offer(self, name: str, fits: Q | None) -> None:
        """List the rows that ``fits`` (None: all) in ``name``'s dropdown, and the choice."""
        field = self.filters[name]
        if self.several_centres:
            field.extra["help_text"] = _("Pilihan mengikuti PLUT yang dipilih.")
        if fits is None:
            return
        chosen = self.data.get(name)
        try:
            field.extra["offered"] = field.queryset.filter(fits | Q(pk=chosen) if chosen else fits)
        except (ValueError, ValidationError):  # a malformed choice: the form says so
            field.extra["offered"] = field.queryset.filter(fits)

    def offered_choices(self) -> dict[str, list[dict[str, str]]]:
        """The consultants and regencies the dropdowns list, for the page's script."""
        return {
            name: [
                {"value": str(value), "label": str(label)}
                for value, label in self.form.fields[name].choices
                if value != ""
            ]
            for name in ("consultant", "regency")
        }

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sessions_matching(queryset, value)

    def starting_from(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(_local_days("gte", value))

    def starting_until(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(_local_days("lt", value + datetime.timedelta(days=1)))

    def by_client_regency(self, queryset: QuerySet, name: str, value: Regency) -> QuerySet:
        clients_there = SessionEnterprise.objects.filter(
            session=OuterRef("pk"), enterprise__regency=value
        )
        return queryset.filter(Exists(clients_there))


class FollowUpFilter(ListFilterSet):
    MINE, ALL = "mine", "all"
    OPEN, OVERDUE, DONE, ANY = "open", "overdue", "done", "any"

    orderings = {
        "due": (_("Tenggat terdekat"), ("due_on", "id")),
        "due_last": (_("Tenggat terjauh"), ("-due_on", "-id")),
    }

    # Chosen with the tabs above the list; the form carries them along as hidden fields.
    who = django_filters.ChoiceFilter(
        label=_("Milik"),
        choices=[(MINE, _("Tugas saya")), (ALL, _("Semua"))],
        method="by_who",
        empty_label=None,
        widget=forms.HiddenInput,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[
            (OPEN, _("Terbuka")),
            (OVERDUE, _("Terlambat")),
            (DONE, _("Selesai")),
            (ANY, _("Semua status")),
        ],
        method="by_status",
        empty_label=None,
        widget=forms.HiddenInput,
    )
    due_from = django_filters.DateFilter(
        label=_("Tenggat dari"), field_name="due_on", lookup_expr="gte", widget=_date_widget()
    )
    due_to = django_filters.DateFilter(
        label=_("Tenggat sampai"), field_name="due_on", lookup_expr="lte", widget=_date_widget()
    )
    assignee = StaffChoiceFilter(
        label=_("Penanggung jawab"),
        queryset=User.objects.none(),
        empty_label=_("Semua penanggung jawab"),
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, user: Any, **kwargs: Any) -> None:
        # Always bound, with defaults: a consultant opens their own open follow-ups; the
        # others, who rarely carry follow-ups themselves, everything open in their scope.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("who"):
            data["who"] = self.MINE if user.role == Role.CONSULTANT else self.ALL
        if not data.get("status"):
            data["status"] = self.OPEN
        super().__init__(data, *args, user=user, **kwargs)
        self.filters["assignee"].queryset = _staff_of(self.user)

    @property
    def tabs(self) -> dict[str, str]:
        """The who/status in force, for the tabs; the defaults when the input is invalid."""
        return {"who": self.data["who"], "status": self.data["status"]}

    def by_who(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(assignee=self.user) if value == self.MINE else queryset

    def by_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == self.OPEN:
            return queryset.filter(done_at__isnull=True)
        if value == self.OVERDUE:
            return queryset.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
        if value == self.DONE:
            return queryset.filter(done_at__isnull=False)
        return queryset
