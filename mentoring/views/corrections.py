"""Correcting mistakes in the workspace: edit or delete an outcome; delete a session, a
booking or a follow-up.

Who may: ``outcome_can_change``, ``session_can_delete``, ``booking_can_delete``,
``follow_up_can_delete`` (the centre's manager; the consultant for what they recorded, for a
short while). Outside the scope a record is a 404 (the selectors); in scope but not the
user's to correct, a 403; provincial officers, national users and owners never get these
pages (national administrators have the admin).

Every delete is a page that shows what will be deleted and what happens to what depends on
it (GET), and deletes on POST with a reason. A record already deleted, by a colleague or by a
second click, is a message naming who deleted it, never an error page; one changed since the
page was shown is shown again as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from clinics.centre_cache import centres_by_id
from mentoring.forms.corrections import DeleteForm, SeenForm
from mentoring.forms.profiles import OutcomeForm
from mentoring.models import Booking, FollowUp, MentoringSession, Outcome
from mentoring.selectors.records import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from mentoring.services.booking_actions import (
    BookingDeletePlan,
    booking_can_delete,
    booking_delete,
    booking_delete_plan,
)
from mentoring.services.deletion import GONE, STALE, centre_manager, deletion_of, version_of
from mentoring.services.follow_ups import follow_up_can_delete, follow_up_delete
from mentoring.services.outcomes import (
    outcome_can_change,
    outcome_delete,
    outcome_delete_plan,
    outcome_update,
)
from mentoring.services.sessions import session_can_delete, session_delete, session_delete_plan
from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import CENTRE_ROLES
from plut.foundation.core.tables import integer, moment

# --- What every correction page shares ------------------------------------------------------


def _gone(
    request: HttpRequest,
    model: type[models.Model],
    pk: int,
    back: Callable[[LogEntry], str],
) -> HttpResponse:
    """The record is no longer there: say who deleted it, if it was deleted here from a centre
    the user may see; anyone else gets the 404 any unknown id gets."""
    entry = deletion_of(request.user, model, pk)
    if entry is None:
        raise Http404
    centre_id = entry.additional_data["centre_id"]
    zone = centres_by_id([centre_id])[centre_id].timezone
    messages.info(
        request,
        _("%(what)s ini sudah dihapus oleh %(who)s (%(when)s).")
        % {
            "what": str(model._meta.verbose_name).capitalize(),
            "who": entry.actor.display_name if entry.actor else _("sistem"),
            "when": moment(entry.timestamp, zone),
        },
    )
    return redirect(back(entry))


def _safe_next(request: HttpRequest) -> str | None:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return None


def _confirm(
    request: HttpRequest,
    *,
    record: Any,
    queryset: models.QuerySet,
    delete: Callable[[Any, DeleteForm], str],
    done: Callable[[Any], str],
    back: Callable[[LogEntry], str],
    template: str,
    context: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """GET: the page confirming ``record``'s deletion. POST: ``delete(record, form)``, which
    returns the success message, then off to ``done(record)``."""
    form = DeleteForm(
        request.POST if request.method == "POST" else None,
        initial={"seen": version_of(record)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            success = delete(record, form)
        except ValidationError as error:
            code = getattr(error, "code", None)
            model, pk = type(record), record.pk
            if code == GONE:
                return _gone(request, model, pk, back)
            if code == STALE:
                # Shown again as it is now; the next confirmation deletes that version.
                record = queryset.filter(pk=pk).first()
                if record is None:
                    return _gone(request, model, pk, back)
                data = request.POST.copy()
                data["seen"] = version_of(record)
                form = DeleteForm(data)
                form.is_valid()
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect(done(record))
    return render(
        request,
        template,
        {"form": form, "next_url": _safe_next(request) or "", **context(record)},
    )


def _seen(form: DeleteForm) -> str | None:
    return form.cleaned_data["seen"] or None


# --- Outcomes -------------------------------------------------------------------------------


def _outcomes(request: HttpRequest) -> models.QuerySet[Outcome]:
    return outcomes_visible_to(request.user).select_related("enterprise__owner", "reported_by")


def _outcome(request: HttpRequest, pk: int) -> Outcome | None:
    outcome = _outcomes(request).filter(pk=pk).first()
    if outcome is not None and not outcome_can_change(user=request.user, outcome=outcome):
        raise PermissionDenied
    return outcome


def _profile_of_deleted_outcome(entry: LogEntry) -> str:
    enterprise_id = entry.additional_data.get("enterprise_id")
    if enterprise_id is None:
        return reverse("mentoring:staff_home")
    return reverse("mentoring:enterprise_profile", args=[enterprise_id])


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def outcome_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an outcome with the very form that records one."""
    outcome = _outcome(request, pk)
    if outcome is None:
        return _gone(request, Outcome, pk, _profile_of_deleted_outcome)
    enterprise = outcome.enterprise
    data = request.POST if request.method == "POST" else None
    form = OutcomeForm(data, instance=outcome, user=request.user, enterprise=enterprise)
    seen = SeenForm(data, initial={"seen": version_of(outcome)})
    profile = reverse("mentoring:enterprise_profile", args=[enterprise.pk])
    if data is not None and form.is_valid() and seen.is_valid():
        try:
            outcome_update(
                outcome=outcome,
                by=request.user,
                data=form.outcome_values(),
                sessions=form.cleaned_data["sessions"],
                seen=seen.cleaned_data["seen"] or None,
            )
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code == GONE:
                return _gone(request, Outcome, pk, _profile_of_deleted_outcome)
            if code == STALE:
                # The form again with what is stored now: the colleague's change is not
                # overwritten unseen.
                messages.warning(request, error.messages[0])
                return redirect("mentoring:outcome_update", pk=pk)
            form.add_error(None, error)
        else:
            messages.success(request, _("Perubahan hasil pendampingan tersimpan."))
            return redirect(profile)
    return render(
        request,
        "mentoring/outcome_form.html",
        {"form": form, "enterprise": enterprise, "outcome": outcome, "seen_form": seen},
    )


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def outcome_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = _outcome(request, pk)
    if outcome is None:
        return _gone(request, Outcome, pk, _profile_of_deleted_outcome)

    def delete(outcome: Outcome, form: DeleteForm) -> str:
        outcome_delete(
            outcome=outcome, by=request.user, reason=form.cleaned_data["reason"], seen=_seen(form)
        )
        return _("Hasil pendampingan dihapus. Angka dasbor dihitung ulang tanpa hasil ini.")

    return _confirm(
        request,
        record=outcome,
        queryset=_outcomes(request),
        delete=delete,
        done=lambda o: reverse("mentoring:enterprise_profile", args=[o.enterprise_id]),
        back=_profile_of_deleted_outcome,
        template="mentoring/outcome_delete.html",
        context=lambda o: {"outcome": o, "plan": outcome_delete_plan(o)},
    )


# --- Sessions -------------------------------------------------------------------------------


def _session_list(entry: LogEntry | None = None) -> str:
    return reverse("mentoring:session_list")


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def session_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sessions = sessions_visible_to(user)
    session = sessions.filter(pk=pk).first()
    if session is None:
        return _gone(request, MentoringSession, pk, _session_list)
    if not session_can_delete(user=user, session=session):
        raise PermissionDenied

    def delete(session: MentoringSession, form: DeleteForm) -> str:
        plan = session_delete(
            session=session, by=user, reason=form.cleaned_data["reason"], seen=_seen(form)
        )
        said = [_("Sesi “%(topic)s” dihapus.") % {"topic": session.topic}]
        if plan.follow_ups:
            count = len(plan.follow_ups)
            said.append(
                ngettext(
                    "%(count)s tindak lanjut ikut dihapus.",
                    "%(count)s tindak lanjut ikut dihapus.",
                    count,
                )
                % {"count": integer(count)}
            )
        if plan.booking is not None:
            said.append(_("Pemesanannya kembali berstatus Dikonfirmasi."))
        return " ".join(said)

    def context(session: MentoringSession) -> dict[str, Any]:
        plan = session_delete_plan(session)
        # Answered surveys: the consultant sees what is at stake, and that it is the manager's.
        blocked = plan.needs_manager and not centre_manager(user, session.centre_id)
        return {"session": session, "plan": plan, "blocked": blocked}

    return _confirm(
        request,
        record=session,
        queryset=sessions,
        delete=delete,
        done=lambda s: _session_list(),
        back=_session_list,
        template="mentoring/session_delete.html",
        context=context,
    )


# --- Bookings -------------------------------------------------------------------------------


def _inbox(entry: LogEntry | None = None) -> str:
    return reverse("mentoring:inbox")


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def booking_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    bookings = bookings_visible_to(user)
    booking = bookings.filter(pk=pk).first()
    if booking is None:
        return _gone(request, Booking, pk, _inbox)
    if not booking_can_delete(user=user, booking=booking):
        raise PermissionDenied

    def delete(booking: Booking, form: DeleteForm) -> str:
        withdrawn = booking_delete(
            booking=booking, by=user, reason=form.cleaned_data["reason"], seen=_seen(form)
        )
        said = [_("Pemesanan %(business)s dihapus.") % {"business": booking.business_name}]
        if withdrawn:
            said.append(
                ngettext(
                    "%(count)s pesan yang belum terkirim ditarik.",
                    "%(count)s pesan yang belum terkirim ditarik.",
                    withdrawn,
                )
                % {"count": integer(withdrawn)}
            )
        return " ".join(said)

    return _confirm(
        request,
        record=booking,
        queryset=bookings,
        delete=delete,
        done=_inbox,
        back=_inbox,
        template="mentoring/booking_delete.html",
        context=lambda b: {
            "booking": b,
            "plan": booking_delete_plan(b),
            "refusal": BookingDeletePlan.refusal(b),
        },
    )


# --- Follow-ups -----------------------------------------------------------------------------


def _follow_up_list(entry: LogEntry | None = None) -> str:
    return reverse("mentoring:follow_up_list")


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def follow_up_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    follow_ups = follow_ups_visible_to(user).select_related("session__centre__province")
    follow_up = follow_ups.filter(pk=pk).first()
    if follow_up is None:
        return _gone(request, FollowUp, pk, _follow_up_list)
    if not follow_up_can_delete(user=user, follow_up=follow_up):
        raise PermissionDenied

    def delete(follow_up: FollowUp, form: DeleteForm) -> str:
        follow_up_delete(
            follow_up=follow_up, by=user, reason=form.cleaned_data["reason"], seen=_seen(form)
        )
        return _("Tindak lanjut “%(action)s” dihapus.") % {"action": follow_up.action}

    return _confirm(
        request,
        record=follow_up,
        queryset=follow_ups,
        delete=delete,
        done=lambda f: (
            _safe_next(request) or reverse("mentoring:session_detail", args=[f.session_id])
        ),
        back=_follow_up_list,
        template="mentoring/follow_up_delete.html",
        context=lambda f: {"follow_up": f},
    )
