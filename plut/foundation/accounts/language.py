"""The language switch: Django's set_language, plus the choice kept on the user's account."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from plut.foundation.accounts.services import user_language_set


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Set the language cookie and go back; a logged-in user's account remembers the choice,
    so their next login, on any device, and the emails they receive use it too."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response
