"""The staff booking inbox: what needs doing, today, the weeks ahead, and the rest.

Centre staff see their centre's bookings, officers their province's and the national
administrator everything (the scope decides, as everywhere). Only the centre's own staff act
on a booking (``mentoring.services.booking_actions.booking_can``); the others read. Actions post to
one URL per action; htmx swaps the booking's card, and without JavaScript the form posts and the
page comes back with a message.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from clinics.list_filters import ListFilterSet, OfferedChoiceFilter, scoped_choices
from clinics.models import ServiceArea, StaffMembership
from clinics.selectors import areas_by_code, centres_visible_to
from mentoring.filters import StaffChoiceFilter
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus
from mentoring.selectors.profiles import booking_likely_duplicates
from mentoring.selectors.records import bookings_visible_to, on_centres_clock, zones_of
from mentoring.services.booking_actions import (
    ACTIONS,
    ASSIGN,
    CANCEL,
    CONFIRM,
    DECLINE,
    NO_SHOW,
    booking_assign,
    booking_can,
    booking_can_delete,
    booking_cancel_by_staff,
    booking_confirm,
    booking_decline,
    booking_no_show,
)
from mentoring.services.merge import enterprise_can_merge
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.calendar import day_bounds
from plut.foundation.core.history import history_for
from plut.foundation.core.pagination import keyset_page
from plut.foundation.messaging.selectors import messages_about

UPCOMING_DAYS = 28


# --- Forms for the actions ------------------------------------------------------------------


class BookingReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan (dibaca pelaku usaha)"),
        max_length=500,
        error_messages={"required": _("Tuliskan alasannya; pelaku usaha akan membacanya.")},
    )


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class BookingAssignForm(forms.Form):
    consultant = ConsultantChoiceField(
        label=_("Konsultan"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Pilih konsultan."),
            "invalid_choice": _("Pilih konsultan aktif dari PLUT pemesanan ini."),
        },
    )

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = User.objects.filter(
            role=Role.CONSULTANT, is_active=True, staff_membership__centre_id=centre_id
        )


# --- The list's tabs and filters ------------------------------------------------------------


def _by_local_day(zones: list[str] | None, now: datetime.datetime, build: Any) -> Q:
    """``build(start of today, start of tomorrow)`` on each centre's own calendar."""
    return on_centres_clock(lambda zone: build(*day_bounds(now, zone)), zones=zones)


NEEDS_ACTION = Q(status=BookingStatus.REQUESTED) | Q(
    status__in=ACTIVE_BOOKING_STATUSES, consultant__isnull=True
)


class BookingInboxFilter(ListFilterSet):
    NEEDS, TODAY, UPCOMING, OTHER = "needs", "today", "upcoming", "other"
    TABS = (
        (NEEDS, _("Perlu tindakan")),
        (TODAY, _("Hari ini")),
        (UPCOMING, _("Mendatang")),
        (OTHER, _("Selesai/lainnya")),
    )
    SOONEST, LATEST = ("starts_at", "id"), ("-starts_at", "-id")

    # Chosen with the tabs above the list; the filter form carries it along hidden.
    tab = django_filters.ChoiceFilter(
        label=_("Bagian"), choices=TABS, method="by_tab", empty_label=None, widget=forms.HiddenInput
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=BookingStatus.choices, empty_label=_("Semua status")
    )
    consultant = StaffChoiceFilter(
        label=_("Konsultan"), queryset=User.objects.none(), empty_label=_("Semua konsultan")
    )
    area = OfferedChoiceFilter(
        label=_("Bidang layanan"),
        field_name="service_area",
        queryset=ServiceArea.objects.all(),
        to_field_name="code",
        empty_label=_("Semua bidang"),
        rows=partial(areas_by_code, active=False),
    )
    centre = OfferedChoiceFilter(label=_("PLUT"), queryset=None, empty_label=_("Semua PLUT"))
    mine = django_filters.BooleanFilter(
        label=_("Hanya pemesanan saya"), method="only_mine", widget=forms.CheckboxInput
    )

    class Meta:
        model = Booking
        fields: list[str] = []

    def __init__(
        self, data: QueryDict | None = None, *args: Any, user: Any, now: datetime.datetime, **kwargs
    ) -> None:
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if data.get("tab") not in dict(self.TABS):
            data["tab"] = self.NEEDS
        super().__init__(data, *args, user=user, **kwargs)
        self.now = now
        self.zones = zones_of(user)
        # The tab decides the order; there is no sort to choose.
        del self.filters["sort"]
        scoped_choices(self)
        self.filters["consultant"].queryset = User.objects.filter(
            role=Role.CONSULTANT, staff_membership__centre__in=centres_visible_to(user)
        ).order_by("first_name", "last_name", "username")
        if user.role != Role.CONSULTANT:
            del self.filters["mine"]

    @property
    def current_tab(self) -> str:
        return self.data["tab"]

    @property
    def ordering(self) -> tuple[str, ...]:
        return self.LATEST if self.current_tab == self.OTHER else self.SOONEST

    def by_tab(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(self.tab_condition(value))

    def tab_condition(self, tab: str) -> Q:
        if tab == self.NEEDS:
            return NEEDS_ACTION
        if tab == self.TODAY:
            return _by_local_day(
                self.zones, self.now, lambda start, end: Q(starts_at__gte=start, starts_at__lt=end)
            )
        if tab == self.UPCOMING:
            horizon = datetime.timedelta(days=UPCOMING_DAYS)
            return Q(status__in=ACTIVE_BOOKING_STATUSES) & _by_local_day(
                self.zones,
                self.now,
                lambda start, end: Q(starts_at__gte=end, starts_at__lt=end + horizon),
            )
        # Everything before today, and whatever is closed (completed, cancelled, no-show).
        return ~Q(status__in=ACTIVE_BOOKING_STATUSES) | _by_local_day(
            self.zones, self.now, lambda start, end: Q(starts_at__lt=start)
        )

    def only_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(consultant=self.user) if value else queryset


# --- One booking's card ---------------------------------------------------------------------


@dataclass
class InboxRow:
    booking: Booking
    can_confirm: bool = False
    can_assign: bool = False  # the manager's choice of consultant
    can_take: bool = False  # a consultant takes an unassigned booking for themselves
    can_decline: bool = False
    can_cancel: bool = False
    can_no_show: bool = False
    can_log: bool = False
    needs_consultant: bool = False
    several_centres: bool = False
    plain: bool = False  # forms post without htmx (the detail page reloads its history)
    covering: list[User] = field(default_factory=list)
    others: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: str = ""  # the action whose form should open again with its error
    notice: str = ""

    @property
    def can_act(self) -> bool:
        return any(
            (
                self.can_confirm,
                self.can_assign,
                self.can_take,
                self.can_decline,
                self.can_cancel,
                self.can_no_show,
                self.can_log,
            )
        )


def _consultants_of(user: Any) -> list[StaffMembership]:
    """The centre's active consultants with their areas, for a manager's assign menu."""
    if user.role != Role.MANAGER:
        return []
    membership = getattr(user, "staff_membership", None)
    if membership is None:
        return []
    return list(
        StaffMembership.objects.filter(
            centre_id=membership.centre_id, user__role=Role.CONSULTANT, user__is_active=True
        )
        .select_related("user")
        .prefetch_related(Prefetch("areas", queryset=ServiceArea.objects.only("id")))
        .order_by("user__first_name", "user__last_name", "user__pk")
    )


def _row(
    booking: Booking,
    user: Any,
    now: datetime.datetime,
    consultants: Iterable[StaffMembership] = (),
    **extra: Any,
) -> InboxRow:
    status = booking.status
    active = status in ACTIVE_BOOKING_STATUSES

    def can(action: str, **kwargs: Any) -> bool:
        return booking_can(user=user, booking=booking, action=action, **kwargs)

    zone = ZoneInfo(booking.centre.province.timezone)
    started_by_today = (
        timezone.localtime(booking.starts_at, zone).date() <= timezone.localtime(now, zone).date()
    )
    row = InboxRow(
        booking=booking,
        can_confirm=status == BookingStatus.REQUESTED
        and booking.consultant_id is not None
        and can(CONFIRM),
        can_assign=active and user.role == Role.MANAGER and can(ASSIGN),
        can_take=active
        and user.role == Role.CONSULTANT
        and booking.consultant_id is None
        and can(ASSIGN, consultant=user),
        can_decline=status == BookingStatus.REQUESTED and can(DECLINE),
        can_cancel=status == BookingStatus.CONFIRMED and can(CANCEL),
        can_no_show=status == BookingStatus.CONFIRMED and booking.starts_at <= now and can(NO_SHOW),
        # Logging the session completes the booking; it makes sense once the day has come.
        can_log=active and booking.session_id is None and started_by_today and can(CANCEL),
        needs_consultant=active and booking.consultant_id is None,
        **extra,
    )
    if row.can_assign:
        for membership in consultants:
            covers = any(area.pk == booking.service_area_id for area in membership.areas.all())
            (row.covering if covers else row.others).append(membership.user)
    return row


def _safe_next(request: HttpRequest) -> str | None:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return None


# --- Pages ----------------------------------------------------------------------------------


@require_safe
@role_required(*STAFF_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    filterset = BookingInboxFilter(
        request.GET, queryset=bookings_visible_to(user), user=user, now=now
    )
    page = keyset_page(
        filterset.rows,
        order=filterset.ordering,
        cursor=request.GET.get("cursor"),
    )
    consultants = _consultants_of(user)
    several = filterset.several_centres
    rows = [
        _row(booking, user, now, consultants, several_centres=several) for booking in page.items
    ]
    return render(
        request,
        "mentoring/inbox.html",
        {
            "filterset": filterset,
            "tabs": filterset.TABS,
            "tab": filterset.current_tab,
            "needs_count": bookings_visible_to(user).filter(NEEDS_ACTION).count(),
            "page": page,
            "rows": rows,
            "next_url": request.get_full_path(),
        },
    )


@require_safe
@role_required(*STAFF_ROLES)
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    booking = get_object_or_404(
        bookings_visible_to(user).select_related("consent", "session"), pk=pk
    )
    row = _row(
        booking,
        user,
        timezone.now(),
        _consultants_of(user),
        several_centres=scope_of(user).centre_id is None,
        plain=True,
    )
    return render(
        request,
        "mentoring/booking_detail.html",
        {
            "booking": booking,
            "row": row,
            "messages_sent": messages_about(booking),
            # A public booking is filed under records of its own: what it may really be, and
            # the merge that links it (every candidate is at the record's centre).
            "duplicates": booking_likely_duplicates(user, booking),
            "can_merge": enterprise_can_merge(user=user, enterprise=booking.enterprise),
            "can_delete": booking_can_delete(user=user, booking=booking),
            "history": history_for(booking),
            "next_url": request.get_full_path(),
        },
    )


SUCCESS = {
    CONFIRM: _("Pemesanan dikonfirmasi; pelaku usaha diberi tahu."),
    ASSIGN: _("Konsultan ditetapkan."),
    DECLINE: _("Pemesanan ditolak; pelaku usaha diberi tahu beserta alasannya."),
    CANCEL: _("Pemesanan dibatalkan; pelaku usaha diberi tahu beserta alasannya."),
    NO_SHOW: _("Pemesanan ditandai tidak hadir."),
}


def _act(request: HttpRequest, booking: Booking, action: str) -> None:
    """Run ``action`` on ``booking`` with what was posted; ValidationError when refused."""
    user = request.user
    if action == ASSIGN:
        form: forms.Form = BookingAssignForm(request.POST, centre_id=booking.centre_id)
        if not form.is_valid():
            raise ValidationError(list(form.errors["consultant"]))
        consultant = form.cleaned_data["consultant"]
        if not booking_can(user=user, booking=booking, action=ASSIGN, consultant=consultant):
            raise PermissionDenied
        booking_assign(booking=booking, consultant=consultant, by=user)
    elif action in (DECLINE, CANCEL):
        form = BookingReasonForm(request.POST)
        if not form.is_valid():
            raise ValidationError(list(form.errors["reason"]))
        service = booking_decline if action == DECLINE else booking_cancel_by_staff
        service(booking=booking, reason=form.cleaned_data["reason"], by=user)
    elif action == CONFIRM:
        booking_confirm(booking=booking, by=user)
    else:
        booking_no_show(booking=booking, by=user)


@require_POST
@role_required(*STAFF_ROLES)
def booking_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on one booking: the card again for htmx, else back where the form was."""
    if action not in ACTIONS:
        raise Http404
    user = request.user
    # Outside the scope: 404 from the selector. In scope but not theirs to change: 403.
    booking = get_object_or_404(bookings_visible_to(user), pk=pk)
    if not booking_can(user=user, booking=booking, action=action):
        raise PermissionDenied
    errors: list[str] = []
    try:
        _act(request, booking, action)
    except ValidationError as error:
        errors = error.messages
    if request.htmx:
        # As it is now, whoever changed it, with its relations in one query.
        booking = bookings_visible_to(user).get(pk=pk)
        now = timezone.now()
        row = _row(
            booking,
            user,
            now,
            _consultants_of(user),
            several_centres=scope_of(user).centre_id is None,
            errors=errors,
            failed=action if errors else "",
            notice="" if errors else str(SUCCESS[action]),
        )
        return render(
            request,
            "mentoring/_inbox_row.html",
            {"row": row, "next_url": request.POST.get("next", "")},
        )
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, SUCCESS[action])
    return redirect(_safe_next(request) or reverse("mentoring:inbox"))
