"""The WSGI entry point freezes what the loaded portal holds (plut/wsgi.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def test_the_loaded_application_is_frozen_for_the_garbage_collector():
    script = "import gc, plut.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plut.settings_test"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout.strip().splitlines()[-1]) > 10_000
