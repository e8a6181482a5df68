"""Light pages for cheap phones on slow networks.

- The public pages load at most 150 KB of CSS and JavaScript. Measured in Chromium as the
  bytes received for every script and stylesheet response. The test server serves static
  files uncompressed (no collectstatic in tests), so this is the raw size, a stricter bound
  than what production sends; the compressed size is reported beside it.
- Production serves static files compressed (gzip and Brotli) under hashed names, cached for
  a year (whitenoise's CompressedManifestStaticFilesStorage): checked on a real collectstatic.
- Every <img> in a template declares its width and height, so the page does not jump while
  images arrive.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from playwright.sync_api import BrowserContext

from tests.browser.pages import PUBLIC, open_desk, walk

BUDGET = 150 * 1024
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-for-the-static-check-" + "y" * 20,
    "ALLOWED_HOSTS": "portal.example.id",
}


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}


@pytest.mark.django_db(transaction=True)
def test_public_pages_load_at_most_150_kb_of_css_and_js(
    context: BrowserContext, live_server, world
):
    open_desk(world)
    cache.clear()
    loaded: dict[str, tuple[int, int]] = {}  # url -> (bytes received, gzip size)

    def record(response) -> None:
        if response.request.resource_type == "document":
            loaded.clear()  # a new page: count only what this one loads
        elif response.request.resource_type in ("script", "stylesheet"):
            body = response.body()
            received = response.request.sizes()["responseBodySize"]
            loaded[response.url] = (received, len(gzip.compress(body)))

    context.on("response", record)
    # Each page must be light on a first visit too. Routing requests turns the browser's
    # HTTP cache off, so every page loads its files afresh.
    context.route("**/*", lambda route: route.continue_())

    def weigh(page) -> str | None:
        received = sum(size for size, _ in loaded.values())
        compressed = sum(size for _, size in loaded.values())
        weights[page.url] = (received, compressed)
        loaded.clear()
        if received > BUDGET:
            return f"{received / 1024:.0f} KB of CSS + JS (gzip {compressed / 1024:.0f} KB)"
        return None

    weights: dict[str, tuple[int, int]] = {}
    problems = walk(context, live_server, world, PUBLIC, weigh)
    assert not problems, "over the 150 KB budget:\n" + "\n".join(
        f"{page}: {report}" for page, report in problems.items()
    )
    # The measurement really saw the files (htmx alone is about 50 KB).
    assert all(received > 40_000 for received, _ in weights.values()), weights


def test_production_serves_static_files_compressed_under_hashed_names(tmp_path):
    static_root = tmp_path / "static"
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env |= PRODUCTION | {"DJANGO_SETTINGS_MODULE": "plut.settings", "STATIC_ROOT": str(static_root)}
    # The third-party apps' files (admin, API docs) are left out only to keep the test quick.
    ignored = ["admin", "rest_framework", "drf_spectacular_sidecar", "django_htmx"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        + [arg for name in ignored for arg in ("-i", name)],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    paths = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = paths["css/portal.css"]
    assert re.fullmatch(r"css/portal\.[0-9a-f]{12}\.css", hashed), hashed
    for name in ("css/portal.css", "js/session_form.js", "vendor/htmx-2.0.11/htmx.min.js"):
        for suffix in (".gz", ".br"):
            assert (static_root / (paths[name] + suffix)).is_file(), paths[name] + suffix

    production_storage = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=static_root,
        STORAGES=production_storage,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        response = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]


def test_images_in_templates_declare_their_size():
    unsized = []
    for template in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        for tag in re.findall(r"<img\b[^>]*>", template.read_text(encoding="utf-8")):
            if not ("width=" in tag and "height=" in tag):
                unsized.append(f"{template.relative_to(settings.BASE_DIR)}: {tag}")
    assert not unsized, "images without width and height:\n" + "\n".join(unsized)
