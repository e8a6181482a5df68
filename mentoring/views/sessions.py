"""Logging, reading and editing a mentoring session."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.models import Centre
from clinics.selectors import centre_of
from cooperatives.forms import EnterpriseRegisterForm
from mentoring.forms.sessions import FollowUpFormSet, SessionForm
from mentoring.models import ACTIVE_BOOKING_STATUSES, Booking, MentoringSession, SessionFormat
from mentoring.selectors.records import bookings_visible_to, sessions_visible_to
from mentoring.services.follow_ups import follow_up_can_delete
from mentoring.services.sessions import session_can_delete, session_can_edit, session_log
from mentoring.services.sessions import session_update as session_save
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import CENTRE_ROLES
from plut.foundation.core.history import history_for


def _chosen(form: SessionForm) -> dict[str, Any]:
    """The clients already picked, with labels, so the form re-renders them as chips."""
    enterprise_ids = [v for v in (form["enterprises"].value() or []) if str(v).isdigit()]
    attended = {str(v) for v in (form["attended"].value() or [])}
    cooperative_ids = [v for v in (form["cooperatives"].value() or []) if str(v).isdigit()]
    enterprises = form.fields["enterprises"].queryset.filter(pk__in=enterprise_ids)
    return {
        "chosen_enterprises": [(e, str(e.pk) in attended) for e in enterprises],
        "chosen_cooperatives": list(
            form.fields["cooperatives"].queryset.filter(pk__in=cooperative_ids)
        ),
    }


def _render_form(
    request: HttpRequest, form: SessionForm, follow_ups: Any, centre: Centre, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "follow_ups": follow_ups,
        "centre": centre,
        "register_form": EnterpriseRegisterForm(province_id=centre.province_id),
        **_chosen(form),
        **extra,
    }
    return render(request, "mentoring/session_form.html", context)


def _booking_initial(booking: Booking, centre: Centre) -> dict[str, Any]:
    local = timezone.localtime(booking.starts_at, ZoneInfo(centre.timezone))
    return {
        "service_area": booking.service_area_id,
        "mode": booking.mode,
        "format": SessionFormat.INDIVIDUAL,
        "date": local.date(),
        "start_time": local.time(),
        "duration_minutes": int((booking.ends_at - booking.starts_at).total_seconds() // 60),
        "topic": booking.description[:200],
        "enterprises": [booking.enterprise_id],
    }


# "Catat sesi" on a client's profile: ?enterprise=<id> or ?cooperative=<id> -> the form's field.
PRESELECT = {"enterprise": "enterprises", "cooperative": "cooperatives"}


def _preselect(request: HttpRequest, form: SessionForm) -> None:
    """Start the form with the client a profile's link names. The form's own choices are the
    scope (the centre's clients the user may see): any other id is a 404."""
    for param, field in PRESELECT.items():
        wanted = request.GET.get(param)
        if wanted:
            client = get_object_or_404(
                form.fields[field].queryset, pk=wanted if wanted.isdigit() else 0
            )
            form.initial[field] = [client.pk]
            if field == "enterprises":
                form.initial["attended"] = [client.pk]  # as a client picked by search is


def _draft_key(request: HttpRequest, booking: Booking | None) -> str:
    """Where the form keeps its draft on the device (static/js/session_form.js): one per
    booking and per profile's client, so "Catat sesi" from one client's profile does not
    restore a half-typed session about another, nor add that other client to it."""
    if booking is not None:
        return f"session-new-booking-{booking.pk}"
    for param in PRESELECT:
        wanted = request.GET.get(param, "")
        if wanted.isdigit():
            return f"session-new-{param}-{wanted}"
    return "session-new"


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def session_create(request: HttpRequest) -> HttpResponse:
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    booking = None
    if request.GET.get("booking"):
        booking = get_object_or_404(
            bookings_visible_to(request.user).filter(
                centre=centre, status__in=ACTIVE_BOOKING_STATUSES, session__isnull=True
            ),
            pk=request.GET["booking"] if request.GET["booking"].isdigit() else 0,
        )
    data = request.POST if request.method == "POST" else None
    initial = _booking_initial(booking, centre) if booking else {}
    form = SessionForm(data, initial=initial, user=request.user, centre=centre)
    if data is None and booking is None:
        _preselect(request, form)
    session_date = form.cleaned_data.get("date") if data and form.is_valid() else None
    follow_ups = FollowUpFormSet(data, prefix="fu", session_date=session_date)
    if data is not None and form.is_valid() and follow_ups.is_valid():
        try:
            session, created = session_log(
                centre=centre,
                consultant=request.user,
                values=form.session_values(),
                attendance=form.attendance(),
                cooperatives=list(form.cleaned_data["cooperatives"]),
                follow_ups=follow_ups.actions(),
                submission_key=form.cleaned_data["submission_key"],
                booking=booking,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if created:
                messages.success(request, _("Sesi tersimpan."))
            else:
                messages.info(request, _("Sesi ini sudah tersimpan sebelumnya."))
            return redirect("mentoring:session_detail", pk=session.pk)
    return _render_form(
        request, form, follow_ups, centre, booking=booking, draft_key=_draft_key(request, booking)
    )


@role_required(*STAFF_ROLES)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        sessions_visible_to(request.user).prefetch_related(
            "sessionenterprise_set__enterprise", "cooperatives", "follow_ups__assignee"
        ),
        pk=pk,
    )
    # Each follow-up's centre is its session's (FollowUp.centre): no query for its "overdue".
    for item in session.follow_ups.all():
        item.centre = session.centre
    return render(
        request,
        "mentoring/session_detail.html",
        {
            "session": session,
            "can_edit": session_can_edit(user=request.user, session=session),
            "can_delete": session_can_delete(user=request.user, session=session),
            "deletable_follow_ups": {
                item.pk
                for item in session.follow_ups.all()
                if follow_up_can_delete(user=request.user, follow_up=item)
            },
            "history": history_for(session),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def session_update(request: HttpRequest, pk: int) -> HttpResponse:
    session: MentoringSession = get_object_or_404(sessions_visible_to(request.user), pk=pk)
    if not session_can_edit(user=request.user, session=session):
        raise PermissionDenied
    centre = session.centre
    local = timezone.localtime(session.starts_at, ZoneInfo(centre.timezone))
    links = list(session.sessionenterprise_set.all())
    initial = {
        "service_area": session.service_area_id,
        "mode": session.mode,
        "format": session.format,
        "meeting_link": session.meeting_link,
        "date": local.date(),
        "start_time": local.time(),
        "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "topic": session.topic,
        "problems": session.problems,
        "advice": session.advice,
        "contact_minutes": session.contact_minutes,
        "preparation_minutes": session.preparation_minutes,
        "travel_minutes": session.travel_minutes,
        "enterprises": [link.enterprise_id for link in links],
        "attended": [link.enterprise_id for link in links if link.attended],
        "cooperatives": list(session.cooperatives.values_list("pk", flat=True)),
        "submission_key": session.submission_key or "00000000-0000-0000-0000-000000000000",
    }
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, initial=initial, user=request.user, centre=centre)
    session_date = form.cleaned_data.get("date") if data and form.is_valid() else None
    follow_ups = FollowUpFormSet(data, prefix="fu", session_date=session_date)
    if data is not None and form.is_valid() and follow_ups.is_valid():
        session_save(
            session=session,
            values=form.session_values(),
            attendance=form.attendance(),
            cooperatives=list(form.cleaned_data["cooperatives"]),
            follow_ups=follow_ups.actions(),
        )
        messages.success(request, _("Perubahan sesi tersimpan."))
        return redirect("mentoring:session_detail", pk=session.pk)
    return _render_form(request, form, follow_ups, centre, session=session)
