"""Pages owners open from a message, without an account: the satisfaction survey and the
outcome check-in. The signed link is the key; each is answered once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentoring.forms.feedback import CheckInForm, SurveyForm
from mentoring.services.checkins import check_in_answer, check_in_from_token
from mentoring.services.surveys import survey_answer, survey_from_token
from plut.foundation.accounts import lockout


def _from_token(request: HttpRequest, token: str, load: Callable[[str], Any]) -> Any:
    """The row a link points at, or the page explaining why the link does not work."""
    if lockout.bad_tokens_exceeded(request):
        return lockout.bad_tokens_refused(request)
    try:
        return load(token)
    except signing.SignatureExpired:
        expired = True
    except (signing.BadSignature, ObjectDoesNotExist):
        lockout.bad_token_seen(request)
        expired = False
    return render(
        request,
        "mentoring/feedback/invalid_link.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = _from_token(request, token, survey_from_token)
    if isinstance(found, HttpResponse):
        return found
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and found.answered_at is None and form.is_valid():
        try:
            found = survey_answer(
                survey=found,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "mentoring/feedback/survey.html",
        {"survey": found, "session": found.session, "form": form},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    found = _from_token(request, token, check_in_from_token)
    if isinstance(found, HttpResponse):
        return found
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and found.answered_at is None and form.is_valid():
        try:
            check_in_answer(check_in=found, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        found.refresh_from_db()
    return render(request, "mentoring/feedback/check_in.html", {"check_in": found, "form": form})
