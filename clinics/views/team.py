"""The centre's team: a manager lists, invites and manages the centre's staff; the province
(or the ministry) moves a staff member to another centre.

Only managers open the team pages: a national or provincial user reaches a centre's staff
through the centres pages (``clinics.views.centres``) instead. Moving someone is for a
provincial officer within their province and a national user anywhere: a manager's scope is
their own centre, and a move takes a person out of it (to a centre they cannot see), so a
manager who wants a colleague moved asks the province.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from clinics.forms.centres import StaffAreasForm, StaffInviteForm, StaffMoveForm
from clinics.models import Centre, StaffMembership
from clinics.selectors import centre_of, centres_visible_to
from clinics.services.centres import (
    staff_invitation_send,
    staff_member_deactivate,
    staff_member_invite,
    staff_member_move,
    staff_member_reactivate,
    staff_member_set_areas,
    staff_move_blockers,
)
from plut.foundation.accounts.decorators import AuthenticatedHttpRequest, role_required
from plut.foundation.accounts.forms import UnlockForm
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.scope import visible_to


def _managed_centre(request: HttpRequest) -> Centre:
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    return centre


def _team_of(user: Any, centre: Centre) -> QuerySet[StaffMembership]:
    # Through the scope like every other read; the centre filter keeps a superuser who is
    # also placed at a centre to that centre's team.
    return visible_to(user, StaffMembership.objects.select_related("user")).filter(centre=centre)


def add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@require_safe
@role_required(Role.MANAGER)
def team_list(request: HttpRequest) -> HttpResponse:
    centre = _managed_centre(request)
    members = (
        _team_of(request.user, centre)
        .prefetch_related("areas")
        .order_by("-user__is_active", "user__first_name", "user__last_name", "user__pk")
    )
    return render(request, "clinics/team_list.html", {"centre": centre, "members": members})


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def team_invite(request: HttpRequest) -> HttpResponse:
    centre = _managed_centre(request)
    form = StaffInviteForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_member_invite(
                centre=centre,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                areas=list(data["areas"]),
                invited_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Undangan terkirim ke %(email)s. Mereka memilih kata sandi sendiri lewat email.")
                % {"email": user.email},
            )
            return redirect("clinics:team_list")
    return render(request, "clinics/team_invite.html", {"centre": centre, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """One staff member: the areas they cover, and whether they may still sign in."""
    centre = _managed_centre(request)
    membership = get_object_or_404(_team_of(request.user, centre), user_id=pk)
    member = membership.user
    name = member.get_full_name() or member.username
    form = StaffAreasForm(
        initial={"areas": list(membership.areas.values_list("pk", flat=True))}, centre=centre
    )
    action_error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "areas":
            form = StaffAreasForm(request.POST, centre=centre)
            if form.is_valid():
                try:
                    staff_member_set_areas(
                        membership=membership, areas=list(form.cleaned_data["areas"])
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(request, _("Bidang yang ditangani tersimpan."))
                    return redirect("clinics:team_member", pk=member.pk)
        elif action == "deactivate":
            try:
                staff_member_deactivate(user=member, by=request.user)
            except ValidationError as error:
                action_error = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    _("%(name)s dinonaktifkan dan tidak dapat masuk lagi.") % {"name": name},
                )
                return redirect("clinics:team_member", pk=member.pk)
        elif action == "reactivate":
            staff_member_reactivate(user=member)
            messages.success(request, _("%(name)s aktif kembali dan dapat masuk.") % {"name": name})
            return redirect("clinics:team_member", pk=member.pk)
        elif action == "resend" and member.is_active and not member.has_usable_password():
            staff_invitation_send(
                user=member,
                centre=centre,
                invited_by=request.user,
            )
            messages.success(
                request, _("Undangan dikirim ulang ke %(email)s.") % {"email": member.email}
            )
            return redirect("clinics:team_member", pk=member.pk)
        else:
            return HttpResponseBadRequest()
    return render(
        request,
        "clinics/team_member.html",
        {
            "centre": centre,
            "membership": membership,
            "member": member,
            "form": form,
            "action_error": action_error,
            "is_self": member.pk == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.NATIONAL, Role.PROVINCIAL)
def team_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a manager or consultant to another centre the mover sees (an officer: one of their
    province's). Refused, with the reason, while they hold bookings at their centre."""
    membership = get_object_or_404(
        visible_to(
            request.user, StaffMembership.objects.select_related("user", "centre__province")
        ),
        user_id=pk,
    )
    member = membership.user
    centres = (
        centres_visible_to(request.user)
        .filter(is_active=True)
        .exclude(pk=membership.centre_id)
        .order_by("province__name", "name")
    )
    form = StaffMoveForm(request.POST if request.method == "POST" else None, centres=centres)
    if request.method == "POST" and form.is_valid():
        try:
            moved = staff_member_move(
                membership=membership, to_centre=form.cleaned_data["centre"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            notes = [
                _("%(name)s sekarang bekerja di %(centre)s.")
                % {
                    "name": member.get_full_name() or member.username,
                    "centre": moved.membership.centre,
                }
            ]
            if moved.hours_removed:
                notes.append(_("Jam kerja di PLUT lama dihapus; atur jam kerja di PLUT baru."))
            if moved.areas_dropped:
                notes.append(
                    _("Bidang yang tidak dilayani PLUT baru dilepas: %(areas)s.")
                    % {"areas": ", ".join(area.name for area in moved.areas_dropped)}
                )
            messages.success(request, " ".join(notes))
            return redirect("clinics:centre_staff", pk=moved.membership.centre_id)
        blockers = []
    else:
        blockers = staff_move_blockers(membership=membership)
    return render(
        request,
        "clinics/team_move.html",
        {
            "membership": membership,
            "member": member,
            "centre": membership.centre,
            "form": form,
            "blockers": blockers,
        },
    )


# --- Lockouts: staff who failed to log in too often, and the button that lets them back ---

# Locked-out attempts shown at once; older ones end by themselves within the cool-off.
LOCKOUT_PAGE_ROWS = 100
LOCKOUT_ROLES = (Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)


def _unlockable_usernames(user: User) -> set[str] | None:
    """Usernames this user may unlock: their scope's staff; None means every one (national)."""
    if user.is_superuser or user.role == Role.NATIONAL:
        return None
    memberships = visible_to(user, StaffMembership.objects.all())
    names = {name.lower() for name in memberships.values_list("user__username", flat=True)}
    if user.role == Role.PROVINCIAL:
        names |= {
            name.lower()
            for name in User.objects.filter(province=user.province_id).values_list(
                "username", flat=True
            )
        }
    return names


@never_cache
@role_required(*LOCKOUT_ROLES)
@require_http_methods(["GET", "POST"])
def lockouts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Accounts (and, for national administrators, addresses) with failed logins in the
    cool-off window, and a button that lifts the lockout before it ends by itself."""
    allowed = _unlockable_usernames(request.user)
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if form.is_valid():
            username = form.cleaned_data["username"].lower()
            address = form.cleaned_data["ip_address"]
            if username and (allowed is None or username in allowed):
                axes_reset(username=username)
                messages.success(request, _("Akun %(name)s dibuka lagi.") % {"name": username})
            elif address and allowed is None:
                axes_reset(ip=address)
                messages.success(request, _("Alamat %(ip)s dibuka lagi.") % {"ip": address})
            else:
                raise Http404
        return redirect("clinics:lockouts")
    attempts = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    ).order_by("-attempt_time")
    if allowed is not None:
        attempts = attempts.filter(username__in=allowed)
    return render(
        request,
        "clinics/lockouts.html",
        {
            "attempts": attempts[:LOCKOUT_PAGE_ROWS],
            "show_addresses": allowed is None,
            "limit": settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        },
    )
