"""Filters for the staff lists of sessions and follow-ups.

Dropdowns offer only the user's scope (their centres, their colleagues, their provinces'
regencies): a centre or consultant from elsewhere is an invalid choice, and an invalid filter
shows nothing (``ListFilterSet.rows``).
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinics.list_filters import (
    NOTHING,
    ListFilterSet,
    OfferedChoiceField,
    OfferedChoiceFilter,
    chosen_centre,
    narrow_to_centre,
    offered_choices,
    regencies_fitting,
    scoped_choices,
)
from clinics.models import Centre, ServiceArea
from clinics.selectors import areas_by_code, centres_visible_to
from mentoring.models import FollowUp, MentoringSession, Mode, SessionEnterprise
from mentoring.selectors.records import on_centres_clock, overdue, sessions_matching, zones_of
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.calendar import local_midnight
from plut.foundation.core.dates import BoundedDateFilter
from plut.foundation.core.widgets import DateInput, QuickSelect, SearchInput
from plut.foundation.regions.models import Regency


class StaffChoiceField(OfferedChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The three columns of display_name, read without a model per option.
        kwargs.setdefault("label_column", ("first_name", "last_name", "username"))
        super().__init__(*args, **kwargs)

    def label_from_values(self, *values: str) -> str:
        return User.name_shown(*values)


class StaffChoiceFilter(OfferedChoiceFilter):
    field_class = StaffChoiceField


def _staff_of(user: Any) -> QuerySet[User]:
    """The managers and consultants of the centres ``user`` sees."""
    return (
        User.objects.filter(staff_membership__centre__in=centres_visible_to(user))
        .only("first_name", "last_name", "username")  # what the option shows
        .order_by("first_name", "last_name", "username")
    )


def _local_days(lookup: str, day: datetime.date) -> Q:
    """Sessions compared with the start of ``day`` as each centre's own calendar has it: the
    list shows times in the centre's zone, so "from 5 November" matches the dates on the
    screen. A range on the column, not a date cast, so the (centre, starts_at) index serves it.
    """
    return on_centres_clock("starts_at", lookup, lambda zone: local_midnight(day, zone), zones=None)


class SessionFilter(ListFilterSet):
    orderings = {
        "newest": (_("Terbaru"), ("-starts_at", "-id")),
        "oldest": (_("Terlama"), ("starts_at", "id")),
    }

    q = django_filters.CharFilter(
        label=_("Cari topik, UMKM, NIB atau pemilik"),
        method="search",
        widget=SearchInput,
    )
    service_area = OfferedChoiceFilter(
        label=_("Bidang layanan"),
        queryset=ServiceArea.objects.all(),
        to_field_name="code",
        empty_label=_("Semua bidang"),
        rows=partial(areas_by_code, active=False),
    )
    consultant = StaffChoiceFilter(
        label=_("Konsultan"), queryset=User.objects.none(), empty_label=_("Semua konsultan")
    )
    mode = django_filters.ChoiceFilter(
        label=_("Cara"), choices=Mode.choices, empty_label=_("Semua cara"), widget=QuickSelect
    )
    date_from = BoundedDateFilter(
        label=_("Dari tanggal"), method="starting_from", widget=DateInput()
    )
    date_to = BoundedDateFilter(
        label=_("Sampai tanggal"), method="starting_until", widget=DateInput()
    )
    regency = OfferedChoiceFilter(
        label=_("Kabupaten/kota UMKM"),
        queryset=Regency.objects.none(),
        method="by_client_regency",
        empty_label=_("Semua kabupaten/kota"),
    )
    centre = OfferedChoiceFilter(
        label=_("PLUT"), queryset=Centre.objects.none(), empty_label=_("Semua PLUT")
    )

    class Meta:
        model = MentoringSession
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped_choices(self)
        self.filters["consultant"].queryset = _staff_of(self.user)
        # A centre's staff, else all the scope holds when that is one centre's, else none
        # until a centre is chosen.
        centre = chosen_centre(self)
        if centre:
            consultants: Q | None = Q(staff_membership__centre=centre)
        else:
            consultants = None if scope_of(self.user).centre_id else NOTHING
        narrow_to_centre(
            self,
            {"consultant": consultants, "regency": regencies_fitting(self, centre)},
            options_url=reverse("mentoring:session_filter_options"),
        )

    def offered_choices(self) -> dict[str, list[dict[str, str]]]:
        """The consultants and regencies the dropdowns list, for the page's script."""
        return offered_choices(self, ("consultant", "regency"))

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
    due_from = BoundedDateFilter(
        label=_("Tenggat dari"), field_name="due_on", lookup_expr="gte", widget=DateInput()
    )
    due_to = BoundedDateFilter(
        label=_("Tenggat sampai"), field_name="due_on", lookup_expr="lte", widget=DateInput()
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
            return queryset.filter(overdue(zones_of(self.user)))
        if value == self.DONE:
            return queryset.filter(done_at__isnull=False)
        return queryset
