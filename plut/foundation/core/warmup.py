"""What a web process would otherwise do on its first requests, done once as it loads
(plut/wsgi.py). With gunicorn's ``preload_app`` (plut/deploy/gunicorn.conf.py) it runs in the
master before the workers are forked, so every worker starts warm: without it, each page's
first request in each worker paid for its imports, templates and holidays (for a dashboard or
the free-slot page far more than the page itself, once per worker, which a page's p95 showed as
soon as five workers shared the requests; docs/performance.md#measurements-behind-the-codes-shape).

Nothing here opens a database or cache connection: a connection made in the master would be
shared by the forked workers.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import translation

from plut.foundation.core.calendar import closed_days


def warm_up() -> None:
    # Each language's catalogs are read from the .mo files when it is first activated, and
    # the URL resolver builds its table of names per language on the first reverse() (which
    # imports every view, and what views import: forms, filters, serializers, tables).
    for code, _name in settings.LANGUAGES:
        translation.activate(code)
        reverse("login")
    translation.deactivate()
    # The project's templates, parsed into the cached loader (apps' templates, mostly the
    # admin's, load on their first use).
    engine = engines["django"]
    for folder in engine.dirs:
        root = Path(folder)
        for path in sorted(root.rglob("*.html")):
            engine.get_template(path.relative_to(root).as_posix())
    # The public holidays every free-slot page skips, for this year and the next.
    this_year = datetime.date.today().year
    closed_days(datetime.date(this_year, 1, 1), datetime.date(this_year + 1, 12, 31))
