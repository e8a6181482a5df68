from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    """Bahasa Indonesia unless the reader chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, but many phones in
    Indonesia run an English system language while their owners read Indonesian; the portal
    speaks Indonesian first and remembers an explicit choice: on the account (``User.language``)
    for a logged-in user, in the language cookie for everyone else. Sits after
    AuthenticationMiddleware, since the account's choice wins over the cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = request.user
        if user.is_authenticated and user.language in self.available:
            language = user.language
        else:
            language = cookie if cookie in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        # The language comes from the cookie (or the session's user): caches must keep apart.
        patch_vary_headers(response, ("Cookie",))
        # The response to a login carries the account's language into the cookie, so the pages
        # after a logout (and the login page next time) stay in the language the user reads.
        user = request.user  # login() and logout() replace it during the view
        if user.is_authenticated and user.language in self.available and cookie != user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
