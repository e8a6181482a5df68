"""The WSGI entry point loads the portal warm and frozen (plut/wsgi.py,
plut/foundation/core/warmup.py): what gunicorn's master does once before forking its workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

LOADED = """
import gc, json, sys
import plut.wsgi
from django.db import connections
from django.template import engines
from django.utils.translation import trans_real
from plut.foundation.core.calendar import public_holidays

(loader,) = engines["django"].engine.template_loaders  # the cached loader
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "modules": sorted(m for m in ("mentoring.apis", "plut.top.dashboards.views") if m in sys.modules),
    "languages": sorted(trans_real._translations),
    "templates": sorted(loader.get_template_cache),
    "connections": [c.alias for c in connections.all() if c.connection is not None],
    "holiday_years_kept": public_holidays.cache_info().currsize,
}))
"""


def _loaded() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plut.settings_test"}
    out = subprocess.run(
        [sys.executable, "-c", LOADED],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_loaded_portal_is_warm_frozen_and_holds_no_connection():
    loaded = _loaded()
    # The views, each language's catalogs and the project's templates, before any request.
    assert loaded["modules"] == ["mentoring.apis", "plut.top.dashboards.views"]
    assert {code for code, _name in settings.LANGUAGES} <= set(loaded["languages"])
    assert {"base.html", "mentoring/session_list.html"} <= set(loaded["templates"])
    assert loaded["holiday_years_kept"] == 2  # this year's and the next
    # A connection opened here would be shared by every forked worker.
    assert loaded["connections"] == []
    # Then frozen for the garbage collector (~170.000 objects with the views loaded).
    assert loaded["frozen"] > 10_000
