"""The web app manifest that lets staff install the workspace on a phone's home screen.

A view rather than a static file: the names are translated like every other string, and the
icons are linked by their hashed static names. The service worker (static/js/sw.js) is served
from the site's root so that it sees every staff page and the logout; it keeps a few pages for
work without signal, for the signed-in user only (docs/workspace.md, "Offline").
"""

from __future__ import annotations

import json

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

THEME_COLOUR = "#0b5cab"  # --brand in static/css/portal.css

# What the kept pages load (base.html and the session form), fetched when the worker installs.
OFFLINE_ASSETS = (
    "css/portal.css",
    "vendor/htmx-2.0.11/htmx.min.js",
    "js/portal.js",
    "js/offline.js",
    "js/session_form.js",
    "pwa/icon-192.png",
)


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


@require_safe
@cache_control(no_cache=True)  # a new worker is picked up at the next page a browser opens
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: static/js/sw.js after one line that tells it the assets' hashed names and
    the addresses it needs. A new deployment changes those names, hence the file, and so
    the browser installs the new worker, which fetches the new assets."""
    path = finders.find("js/sw.js")
    assert isinstance(path, str), "static/js/sw.js is part of the source"
    with open(path, encoding="utf-8") as source:
        code = source.read()
    settings_line = json.dumps(
        {
            "assets": [static(name) for name in OFFLINE_ASSETS],
            "pages": reverse("offline_pages"),
            "logout": reverse("logout"),
        }
    )
    return HttpResponse(
        f"const SETTINGS = {settings_line};\n{code}", content_type="application/javascript"
    )
