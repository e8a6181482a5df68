"""Settings for the PLUT KUMKM portal, read from the environment (django-environ).

Every value a deployment changes is an environment variable; see docs/configuration.md.
A bad value fails loudly at start-up rather than at the first request. Any variable can also
be given as a file (``SECRET_KEY_FILE=/run/secrets/key``), for Docker and Kubernetes secrets.
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path
from typing import Literal

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.FileAwareEnv()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; production must bring its own.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdef")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (at least 50 characters) when DEBUG is off."
        )

# Demo accounts have a published password, so they may never exist on a real deployment.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured("DEMO_MODE is only allowed with DEBUG on.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with a site only active national administrators may open (docs/security.md).
    "plut.foundation.accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "auditlog",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The portal's own apps, by layer (docs/architecture.md): the foundation, the domain, the top.
    "plut.foundation.core",
    "plut.foundation.accounts",
    "plut.foundation.regions",
    "plut.foundation.messaging",
    "plut.foundation.exports",
    "clinics",
    "cooperatives",
    "mentoring",
    "plut.top.portal",
    "plut.top.privacy",
    "plut.top.dashboards",
    "plut.top.reports",
    "plut.top.api",
    "plut.top.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Camera, microphone, location, payment, devices: off on every response
    # (plut/foundation/core/headers.py).
    "plut.foundation.core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on every response to a logged-in user.
    "plut.foundation.core.headers.PrivateResponseMiddleware",
    # After authentication: a logged-in user's stored language wins over the cookie.
    "plut.foundation.core.middleware.ChosenLanguageMiddleware",
    # A body over its view's limit: a 413 in the user's language, before anything reads it.
    "plut.foundation.core.request_limits.RequestBodyLimitMiddleware",
    # Records who made each change in the audit log (after authentication, so it knows).
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Two-factor state on request.user, the staff idle timeout, then axes' lockout answer.
    "django_otp.middleware.OTPMiddleware",
    "plut.foundation.accounts.middleware.StaffIdleTimeoutMiddleware",
    "plut.foundation.accounts.middleware.TwoFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the resolved view: marks the reads of REPLICA_READ_VIEWS for the replica.
    "plut.foundation.core.db_router.ReplicaReadMiddleware",
]

ROOT_URLCONF = "plut.urls"
WSGI_APPLICATION = "plut.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in production and CI; an embedded SQLite file under var/ for `make run`.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'plut.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # After a PostgreSQL restart a pooled connection is dead; check it before reuse.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# A streaming read replica (docs/scaling.md): dashboards, reports and exports read from it
# (plut/foundation/core/db_router.py); everything else, and every write, stays on the primary. Tests
# mirror it onto the test database, whose copy a physical replica receives by itself.
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["plut.foundation.core.db_router.ReplicaRouter"]
# URL names (or "namespace:") whose GET requests read from the replica when there is one.
REPLICA_READ_VIEWS = env.list(
    "REPLICA_READ_VIEWS",
    default=[
        "dashboards:",
        "reports:",
        "mentoring:session_export",
        "mentoring:follow_up_export",
        "cooperatives:enterprise_export",
        "cooperatives:cooperative_export",
    ],
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "portal:home"
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "plut.foundation.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
# Each language is named in itself, so a reader finds theirs whatever is active.
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The server's zone is WIB; each centre shows its own times in its province's zone.
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")

# --- Cache ---------------------------------------------------------------------------------
# Rate limits count in the cache, so every web process must share it: Redis in production
# (CACHE_URL=redis://...). The default, per-process memory, is enough for one `make run`.
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # This process's own: template fragments that depend only on the code (base.html's
    # links), kept until the process restarts with new code.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": None,
    },
}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # Locmem forgets a third of its keys past 300 (Django's default): the dashboards' snapshots
    # alone are a few per centre and section (72 centres), so keep more.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)
RATELIMIT_BOOKING_PER_IP = env.int("RATELIMIT_BOOKING_PER_IP", default=10)
RATELIMIT_BOOKING_PER_CONTACT = env.int("RATELIMIT_BOOKING_PER_CONTACT", default=5)

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Request bodies: form fields beyond this are refused with a 400 before any view reads them
# (Django's default, stated so it is a decision). Uploaded files are limited by their own
# checks (IMPORT_MAX_UPLOAD_BYTES) and stream to disk above FILE_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A whole body, files included, over this is a 413 before it is read
# (plut/foundation/core/request_limits.py), unless REQUEST_BODY_MAX_BYTES_BY_VIEW (beside
# IMPORT_MAX_UPLOAD_BYTES) allows its view more. The proxy refuses bodies over its own limit, above
# all of these (plut/deploy/Caddyfile).
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=DATA_UPLOAD_MAX_MEMORY_SIZE)

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Django's default is no timeout: a stalled SMTP server would hold a send worker for good.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
# The portal's public address, for links in emails (manage links, password resets).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PLUT KUMKM <no-reply@plut.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# Redis in production and CI. The default needs no service at all: kombu's filesystem
# transport keeps messages as files under var/broker, which is enough for one machine.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str | int | float] = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    # kombu expects the folders to exist; creating them here keeps a fresh clone working.
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing gives up within a second when Redis is down, so a request never hangs on
        # it; messages wait in the outbox for the sweep (plut.foundation.messaging) instead.
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
# A task is acknowledged only after it ran, so a worker killed mid-task loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks live here, in code; django-celery-beat copies them into its tables at start,
# where an administrator can adjust or pause them.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "plut.foundation.core.tasks.worker_heartbeat", "schedule": 60.0},
    # Messaging (docs/background-jobs.md): the outbox sweep and the message producers.
    "outbox-sweep": {"task": "plut.foundation.messaging.tasks.outbox_sweep", "schedule": 60.0},
    # Finished messages (recipients, what was said) are deleted after MESSAGING_RETENTION_DAYS.
    "outbox-purge": {"task": "plut.foundation.messaging.tasks.outbox_purge", "schedule": 86400.0},
    # Import jobs (docs/background-jobs.md): resumes or fails those whose worker died, and
    # deletes uploads (personal data) a day after they came.
    "import-jobs-sweep": {"task": "plut.top.api.tasks.import_jobs_sweep_task", "schedule": 300.0},
    # Downloads written in the background (docs/background-jobs.md#exports): queues again those
    # whose worker died, deletes files past EXPORT_KEEP_HOURS.
    "exports-sweep": {"task": "plut.foundation.exports.tasks.exports_sweep", "schedule": 300.0},
    "booking-reminders": {"task": "mentoring.tasks.booking_reminders", "schedule": 300.0},
    "consultant-agendas": {"task": "mentoring.tasks.consultant_agendas", "schedule": 1800.0},
    "unconfirmed-booking-nudges": {
        "task": "mentoring.tasks.unconfirmed_booking_nudges",
        "schedule": 1800.0,
    },
    "outcome-check-ins": {"task": "mentoring.tasks.outcome_check_ins", "schedule": 3600.0},
    # Reports and under-use (docs/reports.md): each run finds what is missing for last month /
    # last week, so the 1st of the month (or Monday) is caught even after a missed run.
    "monthly-reports": {"task": "plut.top.reports.tasks.monthly_reports", "schedule": 3600.0},
    "centre-utilisation": {
        "task": "plut.top.dashboards.tasks.centre_utilisation_weekly",
        "schedule": 3600.0,
    },
    # The dashboards' facts: each commit queues their refresh; this catches what a broker
    # outage dropped (plut/top/dashboards/facts/).
    "dashboard-facts": {
        "task": "plut.top.dashboards.tasks.dashboard_facts_drain",
        "schedule": 60.0,
    },
    # Every place's default dashboard computed ahead; hourly because each place's day (and so
    # its rolling period) begins at its own midnight (WIB, WITA, WIT).
    "dashboard-snapshots": {
        "task": "plut.top.dashboards.tasks.dashboard_snapshots_precompute",
        "schedule": 3600.0,
    },
}

# --- Messaging (outbox) -----------------------------------------------------------------------
# Which class sends each channel (docs/background-jobs.md#channels). WhatsApp goes through
# Meta's Cloud API, SMS through Twilio; each is switched on by its credentials, and owners who
# prefer one that is off get email. Every secret may be given as a file (..._FILE).
MESSAGING_CHANNELS = {
    "email": "plut.foundation.messaging.channels.EmailChannel",
    "whatsapp": "plut.foundation.messaging.whatsapp.WhatsAppChannel",
    "sms": "plut.foundation.messaging.twilio.TwilioSmsChannel",
}
# WhatsApp Business Platform (Cloud API). The national sender; a centre may have its own
# number (its manager's WhatsApp page), whose secrets are named there, never stored.
MESSAGING_WHATSAPP_API_URL = env.str(
    "MESSAGING_WHATSAPP_API_URL", default="https://graph.facebook.com"
)
MESSAGING_WHATSAPP_API_VERSION = env.str("MESSAGING_WHATSAPP_API_VERSION", default="v23.0")
MESSAGING_WHATSAPP_PHONE_NUMBER_ID = env.str("MESSAGING_WHATSAPP_PHONE_NUMBER_ID", default="")
MESSAGING_WHATSAPP_TOKEN = env.str("MESSAGING_WHATSAPP_TOKEN", default="")
# Signs the webhooks (X-Hub-Signature-256); centres with an app of their own name theirs.
MESSAGING_WHATSAPP_APP_SECRET = env.str("MESSAGING_WHATSAPP_APP_SECRET", default="")
# What the webhook's subscription handshake must echo (chosen by us, typed into Meta's form).
MESSAGING_WHATSAPP_VERIFY_TOKEN = env.str("MESSAGING_WHATSAPP_VERIFY_TOKEN", default="")
if MESSAGING_WHATSAPP_PHONE_NUMBER_ID and not (
    MESSAGING_WHATSAPP_TOKEN and MESSAGING_WHATSAPP_APP_SECRET
):
    raise ImproperlyConfigured(
        "MESSAGING_WHATSAPP_PHONE_NUMBER_ID needs MESSAGING_WHATSAPP_TOKEN (to send) and "
        "MESSAGING_WHATSAPP_APP_SECRET (to trust its delivery receipts)."
    )
# Twilio Programmable Messaging: the account, and a Messaging Service (preferred: it holds
# the registered sender ID and the opt-out keywords) or a sender.
MESSAGING_SMS_API_URL = env.str("MESSAGING_SMS_API_URL", default="https://api.twilio.com")
MESSAGING_TWILIO_ACCOUNT_SID = env.str("MESSAGING_TWILIO_ACCOUNT_SID", default="")
MESSAGING_TWILIO_AUTH_TOKEN = env.str("MESSAGING_TWILIO_AUTH_TOKEN", default="")
MESSAGING_TWILIO_MESSAGING_SERVICE_SID = env.str(
    "MESSAGING_TWILIO_MESSAGING_SERVICE_SID", default=""
)
MESSAGING_SMS_FROM = env.str("MESSAGING_SMS_FROM", default="")
if MESSAGING_TWILIO_ACCOUNT_SID and not MESSAGING_TWILIO_AUTH_TOKEN:
    raise ImproperlyConfigured("MESSAGING_TWILIO_ACCOUNT_SID needs MESSAGING_TWILIO_AUTH_TOKEN.")
# Where a centre's WhatsApp secret files are: one directory per centre, named by its id
# (<dir>/<centre id>/token), apart from the portal's own secrets (plut/foundation/messaging/
# secrets.py).
MESSAGING_SECRETS_DIR = env.str("MESSAGING_SECRETS_DIR", default="/run/secrets/whatsapp")
MESSAGING_HTTP_TIMEOUT = env.float("MESSAGING_HTTP_TIMEOUT", default=10.0)
MESSAGING_MESSAGE_ID_DOMAIN = env.str("MESSAGING_MESSAGE_ID_DOMAIN", default="plut-kumkm")
# Attempts per message before it is recorded as failed for good; backoff doubles from the base.
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=6)
MESSAGING_RETRY_BASE_SECONDS = env.int("MESSAGING_RETRY_BASE_SECONDS", default=60)
# The socket timeouts (MESSAGING_HTTP_TIMEOUT, EMAIL_TIMEOUT) bound each step of a send, not
# the whole: a server answering every step just in time could hold it for minutes. The worker
# pool kills a send task at this limit, so no send outlives it.
MESSAGING_SEND_TIME_LIMIT = env.int("MESSAGING_SEND_TIME_LIMIT", default=60)
# A claim lasts this long: a worker killed mid-send frees its message after it (for the sweep).
# Only a send still running when its lease ends could be sent twice, so the lease exceeds the
# time limit by a minute (for task start-up and the workers' clocks, which stamp the lease).
MESSAGING_LEASE_SECONDS = env.int("MESSAGING_LEASE_SECONDS", default=120)
if MESSAGING_LEASE_SECONDS <= MESSAGING_SEND_TIME_LIMIT:
    raise ImproperlyConfigured(
        "MESSAGING_LEASE_SECONDS must exceed MESSAGING_SEND_TIME_LIMIT, or a message still "
        "being sent is handed to a second worker."
    )
# A queued message no worker took for this long is queued again (the broker lost it, or its
# task gave up on the database). Nothing is claimed yet, so an early requeue only adds a task
# the claim turns away; this is short so a lost message waits minutes, not ten.
MESSAGING_REQUEUE_AFTER_SECONDS = env.int("MESSAGING_REQUEUE_AFTER_SECONDS", default=120)
# Sent or failed messages are deleted this long after they were written: long enough for staff
# to answer "did the owner get the reminder?" and far beyond what any producer looks back on.
MESSAGING_RETENTION_DAYS = env.int("MESSAGING_RETENTION_DAYS", default=365)
# The Celery queue the send tasks go to ("celery", the default queue, unless a deployment
# runs separate workers for messages: then start them with -Q <this name>).
MESSAGING_QUEUE = env.str("MESSAGING_QUEUE", default="celery")
# The queue of the heavy jobs (monthly reports, dashboard snapshots): "celery" unless a
# deployment gives them workers of their own (`-Q reports`), so a month-end run never delays a
# reminder. docker-compose.yml does.
REPORTS_QUEUE = env.str("REPORTS_QUEUE", default="celery")
CELERY_TASK_ROUTES = {
    "plut.foundation.exports.tasks.*": {"queue": REPORTS_QUEUE},
    "plut.top.reports.tasks.*": {"queue": REPORTS_QUEUE},
    "plut.top.dashboards.tasks.*": {"queue": REPORTS_QUEUE},
}
# Consultants' agendas go out once the centre's local clock passes this hour.
MESSAGING_AGENDA_HOUR = env.int("MESSAGING_AGENDA_HOUR", default=6)
# Online bookings without a link set by staff meet in a room named from the booking.
MESSAGING_VIDEO_ROOM_URL = env.str(
    "MESSAGING_VIDEO_ROOM_URL", default="https://meet.jit.si/plut-kumkm-{room}"
)
# Signed links in surveys and check-ins stop working after this many days.
MESSAGING_LINK_MAX_AGE_DAYS = env.int("MESSAGING_LINK_MAX_AGE_DAYS", default=30)

# The ministry's target for "Kenaikan omzet UMKM dampingan", in percent: the dashboards show the
# indicator beside it.
MINISTRY_TURNOVER_TARGET_PERCENT = env.float("MINISTRY_TURNOVER_TARGET_PERCENT", default=15.0)

# --- Downloads of lists (docs/background-jobs.md#exports) ------------------------------------
# A list longer than this is written by a background job instead of within the request: about
# 3.500 rows a second leave the database as CSV, so this many take ~6 s, far inside the server's
# timeout (plut/deploy/gunicorn.conf.py).
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=20_000)
# A finished file is kept this long, then deleted (it holds what its requester's scope showed).
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=48)
# A job silent this long (no chunk written) lost its worker; the sweep queues it again.
EXPORT_STALE_SECONDS = env.int("EXPORT_STALE_SECONDS", default=600)
# Behind the production proxy, the proxy sends a finished file (Django answers with
# X-Accel-Redirect: its path under MEDIA_ROOT; plut/deploy/Caddyfile), not a gunicorn worker,
# which may hold a request for 30 s at most. Off: Django sends it (make run, no proxy).
EXPORT_SENT_BY_PROXY = env.bool("EXPORT_SENT_BY_PROXY", default=False)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal API tokens (plut/top/api/authentication.py): "Authorization: Bearer plut_...".
        # First, so a request without credentials gets 401 with its challenge, not 403.
        "plut.top.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "plut.foundation.rest.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "plut.foundation.rest.exceptions.api_exception_handler",
    # JSON bodies within DATA_UPLOAD_MAX_MEMORY_SIZE and API_JSON_MAX_DEPTH
    # (plut/foundation/rest/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "plut.foundation.rest.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Counted in the shared cache (Redis in production): per token or user, per anonymous IP.
    "DEFAULT_THROTTLE_CLASSES": [
        "plut.top.api.throttles.AnonIpThrottle",
        "plut.top.api.throttles.TokenOrUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Arrays and objects nested deeper than this in a JSON body are a 400 (the API takes flat ones).
API_JSON_MAX_DEPTH = 32
SPECTACULAR_SETTINGS = {
    "TITLE": "PLUT KUMKM API",
    "DESCRIPTION": "REST API portal PLUT KUMKM. Lihat docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "plut.top.api.schema.add_error_responses",
    ],
    # Three choice sets share the field name "mode"; each gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "SessionModeEnum": "mentoring.models.Mode.choices",
        "BookableModeEnum": "mentoring.apis.BOOKABLE_MODES",
        "ImportModeEnum": "plut.top.api.models.ImportMode.choices",
    },
}
# Bulk import of clients (plut/top/api, cooperatives/services/imports.py): upload cap, and the row
# count above which an import runs in the background (Celery) instead of in the request.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# The views whose bodies may pass REQUEST_BODY_MAX_BYTES, by URL name: the import upload, page
# and API (the file, plus the other fields and the multipart framing: far below 64 KB).
REQUEST_BODY_MAX_BYTES_BY_VIEW = {
    "api_pages:import_upload": IMPORT_MAX_UPLOAD_BYTES + 64 * 1024,
    "api:import-list": IMPORT_MAX_UPLOAD_BYTES + 64 * 1024,
}
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=200)
# Reading an uploaded file (cooperatives/services/imports.py, docs/security.md): rows read, empty
# ones included; an XLSX's total size once unpacked (a 5 MB XLSX of the template unpacks to ~70 MB)
# and how many times any part of it over 1 MB grows (~14 in a real one), both checked before
# parsing; and seconds spent reading, below gunicorn's 30 s worker timeout.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_XLSX_UNPACKED_BYTES = env.int(
    "IMPORT_MAX_XLSX_UNPACKED_BYTES", default=100 * 1024 * 1024
)
IMPORT_MAX_XLSX_RATIO = env.int("IMPORT_MAX_XLSX_RATIO", default=100)
IMPORT_READ_SECONDS = env.int("IMPORT_READ_SECONDS", default=20)

# --- Audit trail -----------------------------------------------------------------------------
# Every create, change and delete of client and mentoring records is kept (who, when, what).
# Personal identifiers are masked in the trail: it is read by more people than need them.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "cooperatives.Person", "mask_fields": ["nik", "phone"]},
    "cooperatives.Enterprise",
    {"model": "cooperatives.Cooperative", "m2m_fields": {"board_members"}},
    {
        "model": "mentoring.MentoringSession",
        "m2m_fields": {"co_consultants", "cooperatives"},
        # Derived by the database from the topic and the clients, which are tracked already.
        "exclude_fields": ["search_text"],
    },
    "mentoring.FollowUp",
    "mentoring.Booking",
    "mentoring.Outcome",
    # Centres come from public sources (source_url); what staff change afterwards is kept.
    {"model": "clinics.Centre", "m2m_fields": {"service_areas"}},
    {"model": "clinics.StaffMembership", "m2m_fields": {"areas"}},
    # Who set a centre's WhatsApp number and secret references; who lifted an opt-out. The
    # test send's results change on every test: not kept.
    {
        "model": "messaging.WhatsAppSender",
        "exclude_fields": [
            "last_test_at",
            "last_test_result",
            "last_test_provider_id",
            "last_test_delivery",
            "last_test_delivery_error",
        ],
    },
    {"model": "messaging.OptOut", "mask_fields": ["phone"]},
)
# The masks the pages use (auditlog's default shows a NIK's second half: birth month and year).
AUDITLOG_MASK_CALLABLE = "cooperatives.masking.audit_mask"
# The audit entries a service writes itself (a delete with its reason) store their changes as
# auditlog's registered models do: as text (auditlog's default, named here).
AUDITLOG_STORE_JSON_CHANGES = False

# --- Domain settings ------------------------------------------------------------------------
# A cooperative is "active" when its last RAT (annual members' meeting) falls within this many
# years. The ministry has used several windows, so it is a setting, not a constant.
COOPERATIVE_ACTIVE_RAT_YEARS = env.int("COOPERATIVE_ACTIVE_RAT_YEARS", default=3)
if COOPERATIVE_ACTIVE_RAT_YEARS < 1:
    raise ImproperlyConfigured("COOPERATIVE_ACTIVE_RAT_YEARS must be at least 1.")
# Under-use ("rumah hantu") alert, weekly per centre: flagged below these floors, or when
# sessions per consultant per working day fall under this share of its own 8-week average.
UNDERUSE_MIN_SESSIONS_PER_CONSULTANT_DAY = env.float(
    "UNDERUSE_MIN_SESSIONS_PER_CONSULTANT_DAY", default=1.0
)
UNDERUSE_MIN_FILL_RATE = env.float("UNDERUSE_MIN_FILL_RATE", default=25.0)  # percent
UNDERUSE_DROP_RATIO = env.float("UNDERUSE_DROP_RATIO", default=0.5)
# Dashboard snapshots (plut/top/dashboards/snapshots.py) need a cache that web and workers share
# (Redis): with the per-process default they are off, and so are stale serving and computing
# default views ahead.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith("LocMemCache")
# Off: every section computed in the request. A per-process cache cannot hold snapshots safely:
# a write in another process (a Celery worker, another gunicorn worker) would not mark them.
DASHBOARD_SNAPSHOTS = env.bool("DASHBOARD_SNAPSHOTS", default=_SHARED_CACHE)
DASHBOARD_SERVE_STALE = env.bool("DASHBOARD_SERVE_STALE", default=_SHARED_CACHE)
DASHBOARD_PRECOMPUTE = env.bool("DASHBOARD_PRECOMPUTE", default=_SHARED_CACHE)
# Each process keeps the centres under their data version (clinics/centre_cache.py); only a
# shared cache carries another process's writes to that version.
CENTRE_CACHE = env.bool("CENTRE_CACHE", default=_SHARED_CACHE)
# Keys hold the period's dates, so a day-old snapshot is rarely asked for again.
DASHBOARD_SNAPSHOT_TTL = env.int("DASHBOARD_SNAPSHOT_TTL", default=36 * 3600)
# Changes a dashboard view works into the facts itself when Celery has not yet (each costs a
# centre's month and the nation's: ~0,1-0,3 s at national scale); past it, the figures are
# served marked as being updated. Empty: no limit (the tests, where no worker runs).
DASHBOARD_FACTS_INLINE = env.int("DASHBOARD_FACTS_INLINE", default=20) or None
# How long a queued refresh keeps others from queueing the same one (a dead worker's lock ends).
DASHBOARD_REFRESH_LOCK_SECONDS = env.int("DASHBOARD_REFRESH_LOCK_SECONDS", default=600)
# A worker that has not beaten for this long is reported as missing by /healthz.
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=300)

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# /healthz and /readyz are probed over plain HTTP by the load balancer, compose and monitoring.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Probes from these networks (besides the machine itself) see which component is down; others
# get the status only. The address is the connection's own (REMOTE_ADDR): never list the
# reverse proxy's network, and a request that came through it (X-Forwarded-For) is public.
HEALTHZ_INTERNAL_NETWORKS = env.list("HEALTHZ_INTERNAL_NETWORKS", default=[])
for _network in HEALTHZ_INTERNAL_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"HEALTHZ_INTERNAL_NETWORKS: {error}") from error
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The language cookie follows the session cookie; no script reads it.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Literal["Lax", "Strict", "None", False] | None = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own files run or style a page: no inline scripts, styles or handler attributes
# anywhere in templates/ (tests/security/test_csp.py enforces it in Chromium). Images may be
# data: URIs for the two-factor QR code. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login lockout (django-axes, plut/foundation/accounts/lockout.py), within AXES_COOLOFF_TIME:
# failures on one account from one address lock that pair only (someone guessing elsewhere cannot
# lock the owner out); an account failing from many addresses is slowed down (a growing wait after
# each failure past its limit), not locked; an address failing on many accounts is refused at a
# higher limit, because a centre's staff share one. A refused attempt is not counted. Staff
# unlock early at /staff/team/terkunci/ or with `manage.py axes_reset` (docs/security.md).
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env.int(
    "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", default=10
)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=10)
LOGIN_SLOWDOWN_MAX_SECONDS = env.int("LOGIN_SLOWDOWN_MAX_SECONDS", default=60)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
# The order is the handler's: (account, address) together, account, address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "plut.foundation.accounts.lockout.LoginLockoutHandler"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_USERNAME_CALLABLE = "plut.foundation.accounts.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "plut.foundation.accounts.lockout.lockout_response"
# Behind the proxy that sets X-Forwarded-For (compose, production); REMOTE_ADDR otherwise.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# The failed username and password are never stored with the attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "password", "ip_address"]
# One-time login links and booking links: wrong tokens for one link from one address, and from
# one address on any links, per AXES_COOLOFF_TIME, before that link (or every link) is refused.
BAD_TOKENS_PER_LINK = env.int("BAD_TOKENS_PER_LINK", default=10)
BAD_TOKENS_PER_ADDRESS = env.int("BAD_TOKENS_PER_ADDRESS", default=100)

# Two-factor authentication (TOTP, plut/foundation/accounts/two_factor.py): optional for every staff
# member; required for the roles listed here when on (national, provincial by default).
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES", default=["national", "provincial"]
)
OTP_TOTP_ISSUER = "PLUT KUMKM"
# Staff signed in but idle this long are signed out (plut/foundation/accounts/middleware.py).
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# No personal data in logs or error reports: every handler masks NIKs, phone numbers and
# emails (plut/foundation/core/logging.py); error reports hide identity fields
# (tests/security/test_logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "plut.foundation.core.logging.PersonalDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": LOG_LEVEL},
        "django.db.backends": {"level": "INFO"},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "plut.foundation.core.logging.PersonalDataExceptionReporterFilter"
)
