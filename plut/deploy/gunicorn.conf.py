"""gunicorn's settings, read by the image (plut/deploy/Dockerfile) and by the benchmark
(plut/top/bench), so that ``make bench`` measures the server production runs.

Each setting can be overridden on gunicorn's command line (the bench binds to 127.0.0.1,
lengthens the timeout and writes the access log to /dev/null); the number of workers also by
WEB_CONCURRENCY.
"""

import os

bind = "0.0.0.0:8000"

# Processes, not threads: a worker runs Python on one core at a time whatever its threads (the
# GIL), so two requests on one worker's threads share a core while another core may sit idle.
# Measured on 2 cores, the paced booking POST's p95 was lower with 5 sync workers than with
# 2 workers x 4 threads (docs/performance.md#measurements-behind-the-codes-shape). gunicorn's
# rule of thumb, 2 x cores + 1, counts the cores this process may run on; a container limited
# by a CPU quota rather than a cpuset sees the host's cores, so set WEB_CONCURRENCY there
# (docs/scaling.md).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"
# The portal is loaded (and warmed up, plut/foundation/core/warmup.py) once in the master, then
# forked: workers start warm and share those pages of memory.
preload_app = True

accesslog = "-"
# gunicorn's default line holds the raw URL and the referer, query strings included, and a
# search may be a phone number (?q=0812...): the path alone, never the query string.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# A request's head, read before Django is called: anything over these is a 400 from gunicorn.
# gunicorn's own defaults, written down so they are a decision: a request line (method, path
# and query string) of 4094 bytes, 100 header fields (a browser sends a few dozen at most, the
# proxy adds three X-Forwarded-*) of 8190 bytes each, the cookie header included. The proxy in
# front refuses a head over 32 KB first (plut/deploy/Caddyfile). Bodies are limited per form
# by Django (plut/foundation/core/request_limits.py).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# How long a worker may spend on one request before gunicorn replaces it (gunicorn's default,
# written down as a decision). Every request path answers well within it: a list longer than
# EXPORT_STREAM_MAX_ROWS is written by a background job (plut/foundation/exports), a finished
# file is sent by the proxy (X-Accel-Redirect), monthly reports and imports are jobs. The proxy
# waits a little longer for an answer than this (plut/deploy/Caddyfile), so a stuck worker is
# gunicorn's to end, not the proxy's.
timeout = 30
graceful_timeout = 30
