"""The portal's settings as served by the benchmark: production settings (DEBUG off, from the
environment), plus the SQL query count of each response in a header and the floor page
(plut/top/bench/urls.py).

Static files are served from the source folders (no collectstatic, no manifest): the benchmark
measures pages, never static files.
"""

from plut.settings import *  # noqa: F403

MIDDLEWARE = ["plut.top.bench.middleware.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# The benchmark's floor page is routed only here.
ROOT_URLCONF = "plut.top.bench.urls"
