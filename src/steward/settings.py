"""Steward settings, read from the environment (twelve-factor).

Every knob an operator may turn is an environment variable documented in
docs/OPERATIONS.md; nothing here needs editing for a deployment.
"""

import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("STEWARD_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """A whole number from the environment; a typo stops start-up with the variable named."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    # Steward process areas: one app each, all of the same shape.
    "steward.core",
    "steward.service_level",
    "steward.configuration",
    "steward.incidents",
    "steward.changes",
    "steward.problems",
    "steward.releases",
    "steward.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "steward.core.middleware.UploadLimitMiddleware",
    "steward.core.audit.SecurityAuditMiddleware",
    "steward.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "steward.urls"
WSGI_APPLICATION = "steward.wsgi.application"
AUTH_USER_MODEL = "core.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:my-work"
LOGOUT_REDIRECT_URL = "login"

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
                "steward.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite in WAL mode under var/ is the embedded default; PostgreSQL via DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:  # an unknown scheme too
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock
        # at BEGIN so concurrent writers queue instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("STEWARD_TEST_SQLITE_NAME")}
elif os.environ.get("STEWARD_TEST_DB_NAME"):
    # The test runner names each run's database (scripts/run_tests.py), so two runs against
    # one server never share one; pytest-django adds `_gwN` per xdist worker.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["STEWARD_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work ---------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis must cost milliseconds, not a hung request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live updates (queues and record pages poll while visible; docs/ARCHITECTURE.md "Live
# updates"): seconds between polls; someone is shown viewing a record for three polls.
STEWARD_LIVE_SECONDS = float(os.environ.get("STEWARD_LIVE_SECONDS", "15"))
# --- processing: the event processor looks at the inbox this often when it is empty ---
STEWARD_EVENTS_POLL_SECONDS = float(os.environ.get("STEWARD_EVENTS_POLL_SECONDS", "0.2"))

# --- ingest: event ingestion limits (docs/OPERATIONS.md, "Event ingestion") ---------------
# A request body over this many bytes is refused (413) before it is read; a body with more
# events than STEWARD_EVENTS_MAX_BATCH too. Each source has its own rate (events/s).
STEWARD_EVENTS_MAX_BODY_BYTES = env_int("STEWARD_EVENTS_MAX_BODY_BYTES", 1024 * 1024)
STEWARD_EVENTS_MAX_BATCH = env_int("STEWARD_EVENTS_MAX_BATCH", 5000)

# CMDB integrity checks: a CI not updated nor verified for this many days is "stale".
CMDB_STALE_AFTER_DAYS = env_int("STEWARD_CMDB_STALE_AFTER_DAYS", 180)
# SLA compliance on service and agreement pages: the share of response / resolution clocks
# met that counts as on target (a percentage), drawn as the line on the trend chart.
SLA_COMPLIANCE_GOAL = env_int("STEWARD_SLA_COMPLIANCE_GOAL", 95)
# Incident Management: a resolved request the requester neither accepts nor reopens is
# closed after this many business days of its service's hours.
INCIDENT_AUTO_CLOSE_BUSINESS_DAYS = env_int("STEWARD_INCIDENT_AUTO_CLOSE_DAYS", 5)
# The group that gets a new request when no routing rule matches (by name; empty: it stays
# new, in the service desk's view).
INCIDENT_DEFAULT_GROUP = os.environ.get("STEWARD_INCIDENT_DEFAULT_GROUP", "")
# Incident Management, email channel (steward mail ingest / fetch).
INCIDENT_MAIL_ACCEPT_UNKNOWN = env_bool("STEWARD_INCIDENT_MAIL_ACCEPT_UNKNOWN", False)
INCIDENT_MAIL_ACTOR = os.environ.get("STEWARD_INCIDENT_MAIL_ACTOR", "")
INCIDENT_MAIL_MAX_RECEIVED = env_int("STEWARD_INCIDENT_MAIL_MAX_RECEIVED", 30)
STEWARD_IMAP_HOST = os.environ.get("STEWARD_IMAP_HOST", "")
STEWARD_IMAP_PORT = env_int("STEWARD_IMAP_PORT", 0)  # 0: 993 with SSL, else 143
STEWARD_IMAP_USER = os.environ.get("STEWARD_IMAP_USER", "")
STEWARD_IMAP_PASSWORD = os.environ.get("STEWARD_IMAP_PASSWORD", "")
STEWARD_IMAP_FOLDER = os.environ.get("STEWARD_IMAP_FOLDER", "INBOX")
STEWARD_IMAP_SSL = env_bool("STEWARD_IMAP_SSL", True)
TASKS_BACKEND = os.environ.get("STEWARD_TASKS_BACKEND", "rq" if REDIS_URL else "database")


def _broker_url(url: str) -> str:
    # A broker that does not answer must not hold a web request for the operating
    # system's connect timeout (minutes): the outbox sends what the enqueue could not.
    if "socket_connect_timeout=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}socket_connect_timeout=2"


if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": _broker_url(REDIS_URL or "redis://127.0.0.1:6379/0")}}
    # django-tasks-rq's job class runs a django-tasks Task; RQ's own one calls it like a
    # function and every task fails ("'Task' object is not callable"). Set here so any
    # RQ worker (steward worker, or django-rq's rqworker) uses it.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# This machine's name in heartbeats and /healthz (several nodes may share a host name).
STEWARD_NODE_NAME = os.environ.get("STEWARD_NODE_NAME", "") or socket.gethostname()
# What this node runs besides the web app ("worker", "scheduler"); `steward serve` sets
# it for its children. /healthz answers 503 when one of them has no fresh heartbeat.
STEWARD_NODE_RUNS = env_list("STEWARD_NODE_RUNS")

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Larger uploads are spooled here, not in the system temp directory: a request killed
# mid-upload leaves its file where `steward serve` cleans up (core.housekeeping).
FILE_UPLOAD_TEMP_DIR = VAR_DIR / "tmp" / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email --------------------------------------------------------------------
# No mail server configured (neither EMAIL_HOST nor EMAIL_BACKEND set): email is kept in
# Steward, for administrators to read under Administration, "Outgoing email"
# (steward.core.keptmail), instead of failing against localhost:25.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "steward.core.keptmail.KeptEmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Steward <steward@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
STEWARD_BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if STEWARD_BEHIND_PROXY else None
CSRF_FAILURE_VIEW = "steward.core.views.errors.csrf_failure"
# How long the security audit log (failed logins, denials, tokens...) is kept.
STEWARD_SECURITY_LOG_DAYS = env_int("STEWARD_SECURITY_LOG_DAYS", 365)
# Outbound HTTP (webhooks) goes through core.outbound, which refuses every address that is
# not public (server-side request forgery); these address ranges and host names are
# opened anyway, for receivers inside an on-premises network.
STEWARD_OUTBOUND_ALLOW = env_list("STEWARD_OUTBOUND_ALLOW")
STEWARD_OUTBOUND_CONNECT_TIMEOUT = float(os.environ.get("STEWARD_OUTBOUND_CONNECT_TIMEOUT", "5"))
STEWARD_OUTBOUND_READ_TIMEOUT = float(os.environ.get("STEWARD_OUTBOUND_READ_TIMEOUT", "10"))
STEWARD_OUTBOUND_MAX_RESPONSE_BYTES = env_int("STEWARD_OUTBOUND_MAX_RESPONSE_BYTES", 64 * 1024)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp) on every response: scripts, styles, images and fonts
# from our own origin only; no inline script or style, no eval, no plugins, no <base>, not
# framed, forms post only to us (OWASP ASVS 5.0 3.4.3, 3.4.6). Templates keep to it
# (core/tests/test_csp.py scans them; the browser tests fail on any violation). The API
# docs page adds data: images for Swagger UI's icons (core/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if STEWARD_CSP_REPORT_URI := os.environ.get("STEWARD_CSP_REPORT_URI", ""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [STEWARD_CSP_REPORT_URI]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "steward.core.passwords.ContextWordsValidator"},
]
# Words refused as the core of a password (ASVS V6.2.11): your organisation's names.
STEWARD_PASSWORD_CONTEXT_WORDS = env_list("STEWARD_PASSWORD_CONTEXT_WORDS")
# A password reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("STEWARD_PASSWORD_RESET_SECONDS", str(60 * 60)))

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "steward.core.api_auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["steward.core.api_base.StewardAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "steward.core.filters.StrictFilterBackend",
    ],
    "DEFAULT_PAGINATION_CLASS": "steward.core.api_base.StewardCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "steward.core.api.schema.StewardAutoSchema",
    "EXCEPTION_HANDLER": "steward.core.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The one error shape (core.api_errors): drf-standardized-errors' handler, with Steward's
# mapping of service errors, its throttling and audit hooks, and the 412's extra keys.
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "steward.core.api_errors.StewardExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "steward.core.api_errors.StewardExceptionFormatter",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "IT service management: every process area under /api/v1/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page describe the API, not data: readable without logging in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Enum names drf-spectacular cannot derive without a collision ("category" is a CI
    # class's and a change's).
    "ENUM_NAME_OVERRIDES": {"ChangeCategoryEnum": "steward.changes.choices.ChangeCategory"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "steward.core.schema.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "steward.core.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # core.outbound logs (and audits) its own refusals; the library would also warn
        # about every address STEWARD_OUTBOUND_ALLOW opens, before Steward allows it.
        "requests_hardened": {"level": "ERROR"},
        # A line per task started and finished (several a minute, hundreds after a bulk
        # change) would bury everything else; failures are still logged (WARNING/ERROR).
        # TASK_LOG_LEVEL=INFO brings them back.
        "django_tasks": {"level": os.environ.get("TASK_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": os.environ.get("TASK_LOG_LEVEL", "WARNING")},
        "rq.worker": {"level": os.environ.get("TASK_LOG_LEVEL", "WARNING")},
    },
}

# --- Login lockout and API throttling (OWASP ASVS V6.3, V2.4) -------------------------
# django-axes counts failed logins in the database (shared by every node) and refuses a
# login once a rule reaches its limit; steward.core.lockout holds the rules. A limit of 0
# switches that rule off. docs/OPERATIONS.md explains the choice of numbers.
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes requires
AUTHENTICATION_BACKENDS = [
    "steward.core.lockout.LockoutBackend",  # first: refuses before a password is checked
    "django.contrib.auth.backends.ModelBackend",
]
STEWARD_LOGIN_LIMITS = {
    "account_address": int(os.environ.get("STEWARD_LOGIN_FAILURES_ACCOUNT_ADDRESS", "5")),
    "address": int(os.environ.get("STEWARD_LOGIN_FAILURES_ADDRESS", "20")),
    "account": int(os.environ.get("STEWARD_LOGIN_FAILURES_ACCOUNT", "50")),
}
AXES_ENABLED = env_bool("STEWARD_LOGIN_LOCKOUT", True)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("STEWARD_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_HANDLER = "steward.core.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = "steward.core.lockout.lockout_parameters"
AXES_FAILURE_LIMIT = 1  # the handler counts the rules that lock a request out
AXES_CLIENT_IP_CALLABLE = "steward.core.audit.client_ip"  # same address rule as the audit log
AXES_LOCKOUT_CALLABLE = "steward.core.lockout.lockout_response"
# A lockout lasts its cool-off from the failure that caused it; attempts during it are
# refused without counting, so typing the password again does not push the end back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # the handler clears only the account+address count
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in Steward's security log
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "ERROR"}  # steward.security logs each attempt already
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# API rates ("<n>/<second|minute|hour|day>", empty or 0: off), counted in the default
# cache: Redis with REDIS_URL (shared by all nodes), else each process's memory.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "steward.core.throttling.UserRateThrottle",
    "steward.core.throttling.AnonRateThrottle",
]
STEWARD_API_RATES = {
    "user": os.environ.get("STEWARD_API_RATE_USER", "20000/minute"),
    "anon": os.environ.get("STEWARD_API_RATE_ANON", "600/minute"),
}
# --- end of login lockout and API throttling ------------------------------------------
