"""Response headers the portal adds itself: browser features nobody uses are switched off, and
nothing a logged-in user reads is kept by a browser or proxy cache (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# No page uses the camera (the two-factor QR code is shown, never scanned), the microphone,
# the location, payments or devices; video sessions open Jitsi in its own tab.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response, static files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class PrivateResponseMiddleware:
    """``Cache-Control: private, no-store`` on every response to a logged-in user.

    One rule instead of a list of views: behind the login every page, fragment and download
    shows someone's data (clients' names and phones, the full NIK, exports, the owner's own
    data), and a centre's computer is shared. The pages are built per request anyway, so
    nothing is lost but the back button's snapshot. The user is read after the view, so a
    login's response counts and an API token's user (set by DRF) does too. Public pages keep
    their own headers; the token links that show a booking are ``never_cache`` themselves.
    Static files never reach this middleware (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
