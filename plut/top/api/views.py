"""Pages around the API: personal tokens (every signed-in user) and the import upload
(managers), which runs the same service as ``POST /api/v1/imports/``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinics.selectors import centre_of
from plut.foundation.accounts import two_factor
from plut.foundation.accounts.decorators import role_required
from plut.foundation.accounts.models import Role
from plut.top.api.forms import ImportUploadForm, TokenCreateForm
from plut.top.api.models import ApiToken, ImportStatus
from plut.top.api.selectors import import_jobs_visible_to, tokens_of
from plut.top.api.services import import_job_create, token_create, token_revoke

RECENT_JOBS = 20


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens; a new token's secret is in this one response and nowhere else.

    A user with an authenticator app gives a current code for each new token; a role that
    must use two-factor and has no app is told to set it up first (``token_create``)."""
    user = request.user
    has_authenticator = two_factor.has_authenticator(user)
    form = TokenCreateForm(request.POST or None, ask_code=has_authenticator)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = token_create(
                owner=user,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                otp_code=form.cleaned_data.get("otp_code"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenCreateForm(ask_code=has_authenticator)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": tokens_of(user, has_authenticator=has_authenticator),
            "two_factor_missing": two_factor.two_factor_required(user) and not has_authenticator,
        },
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's token is simply not there (404), as for any row outside the scope.
    token = get_object_or_404(ApiToken, pk=pk, owner=request.user)
    token_revoke(token=token, by=request.user)
    messages.success(request, _("Token “%(name)s” dicabut.") % {"name": token.name})
    return redirect("api_pages:tokens")


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                user=request.user,
                centre=centre,
                kind=form.cleaned_data["kind"],
                mode=form.cleaned_data["mode"],
                filename=upload.name or "",
                data=upload.read(),
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("api_pages:import_detail", pk=job.pk)
    jobs = import_jobs_visible_to(request.user)[:RECENT_JOBS]
    return render(request, "api/import_upload.html", {"form": form, "centre": centre, "jobs": jobs})


@role_required(Role.NATIONAL, Role.PROVINCIAL, Role.MANAGER)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(import_jobs_visible_to(request.user), pk=pk)
    running = job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    return render(request, "api/import_detail.html", {"job": job, "running": running})
