"""The staff booking inbox: what needs doing, today, the weeks ahead, and the rest.

Centre staff see their centre's bookings, officers their province's and the national
administrator everything (the scope decides, as everywhere). Only the centre's own staff act
on a booking (``mentoring.services.booking_actions.booking_can``); the others read. Actions post to
one URL per action; htmx swaps the booking's card, and without JavaScript the form posts and the
page comes back with a message.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from functools import partial, reduce
from operator import or_
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

from clinics.list_filters import (
    NOTHING,
    ListFilterSet,
    OfferedChoiceFilter,
    chosen_centre,
    narrow_to_centre,
    scoped_choices,
)
from clinics.models import ServiceArea, StaffMembership
from clinics.selectors import areas_by_code, attach_centres, centres_visible_to
from mentoring.filters import StaffChoiceFilter
from mentoring.models import (
    ACTIVE_BOOKING_STATUSES,
    BOOKING_NEEDS_ACTION,
    CLOSED_BOOKING_STATUSES,
    Booking,
    BookingStatus,
)
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
from mentoring.tables import InboxRow, RowForms, booking_rows
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
        # The country's thousand consultants made a dropdown nobody scrolls, and a fifth of
        # the national page (docs/performance.md, session 14: the workspace): listed once a
        # centre is chosen, as the session list does. Any consultant in the scope filters.
        centre = chosen_centre(self)
        if centre:
            consultants: Q | None = Q(staff_membership__centre=centre)
        else:
            consultants = NOTHING if scope_of(user).national else None
        narrow_to_centre(self, {"consultant": consultants})
        if user.role != Role.CONSULTANT:
            del self.filters["mine"]

    @property
    def current_tab(self) -> str:
        return self.data["tab"]

    @property
    def ordering(self) -> tuple[str, ...]:
        return self.LATEST if self.current_tab == self.OTHER else self.SOONEST

    def by_tab(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(reduce(or_, self.tab_parts(value)))

    @property
    def row_parts(self) -> list[QuerySet]:
        """The rows, as the parts of their tab (for ``keyset_page``)."""
        rows = self.rows
        parts = self.tab_parts(self.current_tab)
        return [rows.filter(part) for part in parts] if len(parts) > 1 else [rows]

    def tab_parts(self, tab: str) -> list[Q]:
        """The tab's rows as conditions that share no row, each of which an index reads in
        the tab's order. "Other" is two: as one OR, the database walked past every coming
        booking (all active) before it found the first past one."""
        now, zones = self.now, self.zones

        def today(zone: str) -> datetime.datetime:
            return day_bounds(now, zone)[0]

        def tomorrow(zone: str) -> datetime.datetime:
            return day_bounds(now, zone)[1]

        def horizon(zone: str) -> datetime.datetime:
            return tomorrow(zone) + datetime.timedelta(days=UPCOMING_DAYS)

        def since(bound: Callable[[str], datetime.datetime]) -> Q:
            return on_centres_clock("starts_at", "gte", bound, zones=zones)

        def before(bound: Callable[[str], datetime.datetime]) -> Q:
            return on_centres_clock("starts_at", "lt", bound, zones=zones)

        if tab == self.NEEDS:
            return [BOOKING_NEEDS_ACTION]
        if tab == self.TODAY:
            return [since(today) & before(tomorrow)]
        if tab == self.UPCOMING:
            return [Q(status__in=ACTIVE_BOOKING_STATUSES) & since(tomorrow) & before(horizon)]
        # Everything before today, and whatever is closed (completed, cancelled, no-show).
        return [before(today), Q(status__in=CLOSED_BOOKING_STATUSES) & since(today)]

    def only_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(consultant=self.user) if value else queryset


# --- One booking's card ---------------------------------------------------------------------


def _consultants_of(user: Any) -> list[tuple[User, set[int]]]:
    """The centre's active consultants, each with the ids of the areas they cover, for a
    manager's assign menu."""
    if user.role != Role.MANAGER:
        return []
    membership = getattr(user, "staff_membership", None)
    if membership is None:
        return []
    return [
        (member.user, {area.pk for area in member.areas.all()})
        for member in StaffMembership.objects.filter(
            centre_id=membership.centre_id, user__role=Role.CONSULTANT, user__is_active=True
        )
        .select_related("user")
        .prefetch_related(Prefetch("areas", queryset=ServiceArea.objects.only("id")))
        .order_by("user__first_name", "user__last_name", "user__pk")
    ]


def _row(
    booking: Booking,
    user: Any,
    now: datetime.datetime,
    forms: RowForms,
    consultants: Iterable[tuple[User, set[int]]] = (),
    **extra: Any,
) -> InboxRow:
    status = booking.status
    active = status in ACTIVE_BOOKING_STATUSES

    def can(action: str, **kwargs: Any) -> bool:
        return booking_can(user=user, booking=booking, action=action, **kwargs)

    zone = ZoneInfo(booking.centre.timezone)
    started_by_today = (
        timezone.localtime(booking.starts_at, zone).date() <= timezone.localtime(now, zone).date()
    )
    row = InboxRow(
        booking=booking,
        forms=forms,
        viewer=user.pk,
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
        for consultant, areas in consultants:
            covers = booking.service_area_id in areas
            (row.covering if covers else row.others).append(consultant)
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
        request.GET, queryset=booking_rows(bookings_visible_to(user)), user=user, now=now
    )
    page = keyset_page(
        filterset.row_parts,
        order=filterset.ordering,
        cursor=request.GET.get("cursor"),
    )
    attach_centres(page.items)
    consultants = _consultants_of(user)
    several = filterset.several_centres
    forms = RowForms.of(request, request.get_full_path())
    rows = [
        _row(booking, user, now, forms, consultants, several_centres=several)
        for booking in page.items
    ]
    return render(
        request,
        "mentoring/inbox.html",
        {
            "filterset": filterset,
            "tabs": filterset.TABS,
            "tab": filterset.current_tab,
            "needs_count": bookings_visible_to(user).filter(BOOKING_NEEDS_ACTION).count(),
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
        RowForms.of(request, request.get_full_path()),
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
            RowForms.of(request, request.POST.get("next", "")),
            _consultants_of(user),
            several_centres=scope_of(user).centre_id is None,
            errors=errors,
            failed=action if errors else "",
            notice="" if errors else str(SUCCESS[action]),
        )
        return render(request, "mentoring/_inbox_row.html", {"row": row})
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, SUCCESS[action])
    return redirect(_safe_next(request) or reverse("mentoring:inbox"))
