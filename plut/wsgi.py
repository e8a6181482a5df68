"""WSGI entry point (gunicorn plut.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plut.settings")
application = get_wsgi_application()

from plut.foundation.core.warmup import warm_up  # noqa: E402 (needs the settings configured above)

warm_up()

# What the loaded portal holds (modules, models, URL patterns: ~170.000 objects) lives as long
# as the process. Frozen, a full garbage collection no longer walks all of it: walking it was
# a long pause, once in about a hundred requests, which every page's p95 then showed
# (docs/performance.md#measurements-behind-the-codes-shape).
gc.freeze()
