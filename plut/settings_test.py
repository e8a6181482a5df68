"""Test settings: the real settings, plus only what tests need.

The database and broker still come from the environment, so the same suite runs on the
embedded defaults and on PostgreSQL + Redis (see .ci/run).
"""

import os
from pathlib import Path

# Tests run with DEBUG off (pytest-django forces it), so they need a key of their own.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")


def _own_redis_database(url: str, worker: int) -> str:
    """``url`` moved to Redis database ``n + 4 * worker``: `make test` runs up to four
    pytest-xdist workers, and each clears its cache before every test and runs Celery workers
    of its own, so sharing a database would let one worker wipe or take another's keys."""
    base, _, number = url.rpartition("/")
    database = (int(number) if number.isdigit() else 0) + 4 * worker
    if database > 15:
        raise RuntimeError(f"{url}: worker {worker} would need Redis database {database}")
    return f"{base}/{database}"


# pytest-xdist's workers (gw0, gw1, ...) each have their own test database (pytest-django adds
# the suffix), Redis databases and broker folder. What a test starts (a Celery worker, gunicorn)
# inherits the moved environment, and the mark keeps it from being moved twice.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if _WORKER and not os.environ.get("PLUT_TEST_WORKER_MOVED"):
    for _name in ("CACHE_URL", "CELERY_BROKER_URL"):
        if os.environ.get(_name, "").startswith("redis://"):
            os.environ[_name] = _own_redis_database(os.environ[_name], _WORKER)
    os.environ["BROKER_DIR"] = str(
        Path(__file__).resolve().parent.parent / "var" / f"broker-gw{_WORKER}"
    )
    os.environ["PLUT_TEST_WORKER_MOVED"] = "1"

from plut.settings import *  # noqa: E402, F403

# Hashing passwords slowly is a production virtue and a test-suite cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the source folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Many tests log in and then travel days ahead (time_machine); the staff idle timeout would sign
# them out. Its own tests (tests/security/test_sessions.py) set it back to production's value.
STAFF_IDLE_TIMEOUT_MINUTES = 60 * 24 * 366
# Tests run in one process, so snapshots are safe with the per-process cache too (and tested).
DASHBOARD_SNAPSHOTS = True
# A stale dashboard snapshot is recomputed in the request, so every test reads live figures;
# tests/plut/test_dashboard_snapshots.py turns serving stale ones on where it tests them.
DASHBOARD_SERVE_STALE = False
DASHBOARD_PRECOMPUTE = False
# No Celery worker runs beside the tests: a dashboard view works every pending change into the
# facts itself (the production limit is tested in tests/plut/test_dashboard_facts.py).
DASHBOARD_FACTS_INLINE = None
# Query counts are asserted on the uncached path (the most a page takes); the kept centres are
# tested where they are turned on (tests/clinics/test_centre_cache.py).
CENTRE_CACHE = False
