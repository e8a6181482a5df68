"""Availability: a consultant's weekly hours and absences, and the centre's booking policy.

A consultant edits their own availability; the centre's manager sees the team's and edits
anyone's; nobody else opens these pages (403). A consultant of another centre is simply not
found (404), as everywhere. Every change lands in the rows
``mentoring.selectors.bookings.slots_for`` reads, so the public booking page offers the new hours at
once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.forms.availability import (
    AbsenceForm,
    BookingPolicyForm,
    WorkingWindowFormSet,
    hours_initial,
)
from clinics.models import Absence, Centre, StaffMembership, Weekday, WorkingHours
from clinics.selectors import centre_of
from clinics.services.availability import (
    BOOKING_POLICY_FIELDS,
    absence_add,
    absence_remove,
    availability_hours_set,
    centre_booking_policy_set,
)
from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import Role
from plut.foundation.accounts.scope import visible_to

HOLIDAYS_SHOWN_DAYS = 90
PAST_ABSENCES_SHOWN = 10


def _centre(request: HttpRequest) -> Centre:
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    return centre


def _today(centre: Centre) -> datetime.date:
    return timezone.localtime(timezone.now(), ZoneInfo(centre.timezone)).date()


def _consultants(user: Any, centre: Centre) -> QuerySet[StaffMembership]:
    return visible_to(user, StaffMembership.objects.select_related("user")).filter(
        centre=centre, user__role=Role.CONSULTANT
    )


def _holidays_ahead(today: datetime.date) -> list[tuple[datetime.date, str]]:
    """Indonesia's public holidays in the coming weeks: the booking page closes them itself."""
    until = today + datetime.timedelta(days=HOLIDAYS_SHOWN_DAYS)
    language = "en_US" if (get_language() or "").startswith("en") else "id"
    calendar = holidays.country_holidays(
        "ID", years=sorted({today.year, until.year}), language=language
    )
    return sorted((day, name) for day, name in calendar.items() if today <= day <= until)


@dataclass(frozen=True)
class DayHours:
    day: str
    windows: list[str]


def _week(rows: list[WorkingHours]) -> list[DayHours]:
    """Windows grouped by weekday, for reading: Senin 08:00-12:00, 13:00-16:00."""
    by_day: dict[int, list[str]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.weekday, r.starts)):
        by_day[row.weekday].append(f"{row.starts:%H:%M}–{row.ends:%H:%M}")
    return [DayHours(Weekday(day).label, windows) for day, windows in sorted(by_day.items())]


def _editor(
    request: HttpRequest, *, membership: StaffMembership, centre: Centre, template: str, here: str
) -> HttpResponse:
    """The hours and absences of one consultant: shown, and changed one form at a time."""
    today = _today(centre)
    hours = list(membership.working_hours.all())
    formset = WorkingWindowFormSet(initial=hours_initial(hours), prefix="hours")
    absence_form = AbsenceForm(prefix="absence")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "hours":
            formset = WorkingWindowFormSet(
                request.POST, initial=hours_initial(hours), prefix="hours"
            )
            if formset.is_valid():
                try:
                    availability_hours_set(membership=membership, windows=formset.windows())
                except ValidationError as error:
                    errors = error.messages
                else:
                    messages.success(request, _("Jam kerja mingguan tersimpan."))
                    return redirect(here)
        elif action == "absence_add":
            absence_form = AbsenceForm(request.POST, prefix="absence")
            if absence_form.is_valid():
                data = absence_form.cleaned_data
                try:
                    absence_add(
                        membership=membership,
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                        kind=data["kind"],
                        note=data["note"],
                    )
                except ValidationError as error:
                    errors = error.messages
                else:
                    messages.success(request, _("Ketidakhadiran dicatat."))
                    return redirect(here)
        elif action == "absence_remove" and request.POST.get("absence", "").isdigit():
            absence = get_object_or_404(Absence, pk=request.POST["absence"], membership=membership)
            try:
                absence_remove(absence=absence, today=today)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("Ketidakhadiran dihapus."))
                return redirect(here)
        else:
            return HttpResponseBadRequest()
    absences = list(membership.absences.filter(ends_on__gte=today))
    past = list(
        membership.absences.filter(ends_on__lt=today).order_by("-starts_on")[:PAST_ABSENCES_SHOWN]
    )
    return render(
        request,
        template,
        {
            "centre": centre,
            "membership": membership,
            "member": membership.user,
            "week": _week(hours),
            "formset": formset,
            "absence_form": absence_form,
            "absences": absences,
            "past_absences": past,
            "holidays": _holidays_ahead(today),
            "errors": errors,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER, Role.CONSULTANT)
def availability(request: HttpRequest) -> HttpResponse:
    """A consultant's own availability; for a manager, the team's at a glance."""
    centre = _centre(request)
    user = request.user
    if user.role == Role.CONSULTANT:
        membership = get_object_or_404(_consultants(user, centre), user=user)
        return _editor(
            request,
            membership=membership,
            centre=centre,
            template="clinics/availability.html",
            here=request.path,
        )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    today = _today(centre)
    members = _consultants(user, centre).prefetch_related(
        "working_hours",
        Prefetch("absences", queryset=Absence.objects.filter(ends_on__gte=today)),
    )
    team = [
        {
            "membership": membership,
            "week": _week(list(membership.working_hours.all())),
            "absences": list(membership.absences.all()),
        }
        for membership in members.order_by(
            "-user__is_active", "user__first_name", "user__last_name", "user__pk"
        )
    ]
    return render(
        request,
        "clinics/availability.html",
        {"centre": centre, "team": team, "holidays": _holidays_ahead(today)},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER, Role.CONSULTANT)
def availability_member(request: HttpRequest, user_pk: int) -> HttpResponse:
    """A manager edits one consultant's availability."""
    user = request.user
    if user.role == Role.CONSULTANT:
        if user_pk == user.pk:
            return redirect("clinics:availability")
        raise PermissionDenied
    centre = _centre(request)
    membership = get_object_or_404(_consultants(user, centre), user_id=user_pk)
    return _editor(
        request,
        membership=membership,
        centre=centre,
        template="clinics/availability_member.html",
        here=request.path,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def booking_policy(request: HttpRequest) -> HttpResponse:
    """The manager sets how the centre takes bookings; slot lengths are national (read-only)."""
    centre = _centre(request)
    form = BookingPolicyForm(request.POST or None, instance=centre)
    if request.method == "POST" and form.is_valid():
        centre_booking_policy_set(
            centre=centre, values={name: form.cleaned_data[name] for name in BOOKING_POLICY_FIELDS}
        )
        messages.success(request, _("Aturan pemesanan tersimpan."))
        return redirect("clinics:booking_policy")
    return render(
        request,
        "clinics/booking_policy.html",
        {
            "centre": centre,
            "form": form,
            "areas": centre.service_areas.filter(is_active=True),
        },
    )
