"""Settings of the django-helpdesk 2.6.x peer the incident_queue bench measures.

A production-like stand-alone install (after helpdesk's standalone/config/settings.py):
DEBUG off, the apps helpdesk needs, its default options. Only differences, each so the
bench compares like with like: teams mode off (pinax-teams only serves the knowledge
base's team ownership, which the bench never touches), DRF token authentication first
(Steward's API clients send ``Authorization: Token``; DRF's default Basic would hash the
password on every call), and e-mail to the dummy backend (messages are built, not sent).
"""

import os
from urllib.parse import unquote, urlparse

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = os.environ.get("HELPDESK_PEER_SECRET_KEY", "bench-only-not-a-secret-" + "x" * 32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds links in e-mails from the site's domain
    "django.contrib.humanize",  # elapsed-time formatting in its templates
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peer_site.urls"
WSGI_APPLICATION = "peer_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict:
    parsed = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/"),
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        # Like Steward's settings: one connection per worker, kept between requests.
        "CONN_MAX_AGE": 60,
    }


DATABASES = {
    "default": _database(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_helpdesk")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

HELPDESK_TEAMS_MODE_ENABLED = False
LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("HELPDESK_PEER_STATIC_ROOT", os.path.join(BASE_DIR, "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("HELPDESK_PEER_MEDIA_ROOT", os.path.join(BASE_DIR, "media"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"}},
}
