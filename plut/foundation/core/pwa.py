"""The web app manifest that lets staff install the workspace on a phone's home screen.

A view rather than a static file: the names are translated like every other string, and the
icons are linked by their hashed static names. There is no service worker: the session form
keeps drafts and an outbox on the device by itself (static/js/session_form.js), and caching
staff pages, which carry client names, on a phone that may be shared is a risk we do not take
(docs/accessibility.md).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

THEME_COLOUR = "#0b5cab"  # --brand in static/css/portal.css


@require_safe
@cache_control(max_age=86400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """``/favicon.ico``, which browsers and crawlers ask for whatever a page links: the
    portal's icon (by its hashed static name, so the redirect is temporary)."""
    return HttpResponseRedirect(static("pwa/icon-192.png"))


@require_safe
@vary_on_cookie  # the language comes from the cookie or the account
@cache_control(max_age=3600)
def web_manifest(request: HttpRequest) -> JsonResponse:
    workspace = reverse("mentoring:staff_home")
    icons = [
        {"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("pwa/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    manifest = {
        "name": _("PLUT KUMKM: ruang kerja"),
        "short_name": _("PLUT KUMKM"),
        "description": _("Catat sesi pendampingan, juga saat sinyal hilang."),
        "lang": get_language(),
        "start_url": workspace,
        "scope": workspace,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
