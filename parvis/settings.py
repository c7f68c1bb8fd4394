"""Parvis settings: every value comes from the environment, with a safe default.

Defaults give a working single-machine installation on SQLite under ``PARVIS_HOME``;
production sets ``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and friends.
"""

import importlib.util
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PARVIS_HOME = Path(os.environ.get("PARVIS_HOME", "parvis-data")).resolve()
TESTING = "pytest" in sys.modules or os.environ.get("PARVIS_TESTING") == "1"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else one generated once and kept in PARVIS_HOME."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = PARVIS_HOME / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    PARVIS_HOME.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("PARVIS_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PARVIS_SITE_URL = os.environ.get("PARVIS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PARVIS_CITY_NAME = os.environ.get("PARVIS_CITY_NAME", "Paris")
# Names residents may not publish under, besides the city's and its services' (parvis.core.reserved_names).
PARVIS_RESERVED_NAMES = env_list("PARVIS_RESERVED_NAMES", "")

#: The modules of this installation: each declares itself once, with a manifest on its AppConfig
#: (``parvis.core.modules``); URLs, API, navigation, home page and notifications follow from this list.
#: ``PARVIS_MODULES`` (comma-separated app names) adds modules installed beside Parvis.
PARVIS_MODULES = [
    "parvis.ideas",
    "parvis.budget",
    "parvis.reports",
    "parvis.workshops",
    *env_list("PARVIS_MODULES", ""),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "parvis.core",
    *PARVIS_MODULES,
    "ninja",  # its static Swagger UI serves /api/docs from the site itself (parvis.core overrides its page)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Dynamic responses only: WhiteNoise answers static files above this line with its own pre-compressed
    # copies. Django's GZipMiddleware pads each response at random against BREACH (decision 0170).
    "django.middleware.gzip.GZipMiddleware",
    "parvis.core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "parvis.core.inputs.RequestSizeMiddleware",  # before anything reads the body
    "parvis.core.inputs.InputCleaningMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "parvis.core.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "parvis.urls"
WSGI_APPLICATION = "parvis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parvis.core.context_processors.parvis",
                "parvis.core.context_processors.charter_banner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{PARVIS_HOME / 'parvis.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    PARVIS_HOME.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on during a write; IMMEDIATE transactions plus a busy timeout make
    # concurrent writers wait their turn instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("PARVIS_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["parvis.core.auth_backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that check hashing use it explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PARVIS_LOGIN_MAX_FAILURES = int(os.environ.get("PARVIS_LOGIN_MAX_FAILURES", "5"))
# Failed logins per (address, client IP): from the MAX_FAILURES-th on, that pair waits BACKOFF seconds,
# doubled at each further failure up to BACKOFF_MAX (parvis.core.accounts.login_attempt).
PARVIS_LOGIN_BACKOFF_SECONDS = int(os.environ.get("PARVIS_LOGIN_BACKOFF_SECONDS", "60"))
PARVIS_LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("PARVIS_LOGIN_BACKOFF_MAX_SECONDS", "900"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PARVIS_HOME / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PARVIS_HOME / "media"))
_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _static_backend},
}
if os.environ.get("PARVIS_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["PARVIS_S3_BUCKET"],
            "endpoint_url": os.environ.get("PARVIS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("PARVIS_S3_REGION") or None,
            "access_key": os.environ.get("PARVIS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PARVIS_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
PARVIS_SERVE_MEDIA = env_bool("PARVIS_SERVE_MEDIA", "PARVIS_S3_BUCKET" not in os.environ)
# django-leaflet ships Leaflet; its app (admin widgets) needs GDAL, so only its static files are used.
STATICFILES_DIRS = [Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Uploads: images are re-encoded by parvis.core.images; these limits stop oversized bodies early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PARVIS_IMAGE_MAX_BYTES = int(os.environ.get("PARVIS_IMAGE_MAX_BYTES", str(10 * 1024 * 1024)))
# Largest request body, refused with a 413 before it is read: 3 photos of 10 MB and the form around them.
# The proxy's own cap (nginx client_max_body_size) should be the same or a little more.
PARVIS_REQUEST_MAX_BYTES = int(os.environ.get("PARVIS_REQUEST_MAX_BYTES", str(32 * 1024 * 1024)))
PARVIS_IMAGE_MAX_PIXELS = int(os.environ.get("PARVIS_IMAGE_MAX_PIXELS", str(40_000_000)))
PARVIS_IMAGE_MAX_SIDE = int(os.environ.get("PARVIS_IMAGE_MAX_SIDE", "2048"))

# Largest JSON list or object any request may send (parvis.core.inputs); use cases have smaller limits.
PARVIS_INPUT_MAX_ITEMS = int(os.environ.get("PARVIS_INPUT_MAX_ITEMS", "1000"))

# --- Cache ----------------------------------------------------------------------------------------
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "parvis"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "parvis"}}

# --- E-mail ---------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parvis <ne-pas-repondre@parvis.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# An installation made by `parvis demo` keeps its e-mails in a mailbox under PARVIS_HOME, readable at
# /demo/courriels/ (docs/decisions/0160-firstuse-demo-email-and-tasks.md); anything else prints them.
PARVIS_IS_DEMO = os.environ.get("PARVIS_DEMO") == "1" or (PARVIS_HOME / "demo-installation").exists()
EMAIL_URL = os.environ.get("EMAIL_URL", "mailbox://" if PARVIS_IS_DEMO and not TESTING else "console://")
PARVIS_MAILBOX_DIR = Path(os.environ.get("PARVIS_MAILBOX_DIR", PARVIS_HOME / "mailbox"))


def _email_settings(url: str) -> dict:
    """Read ``smtp://user:password@host:port?tls=1`` (or ``smtps://``, ``console://``, ``locmem://``,
    ``mailbox://``: kept under PARVIS_MAILBOX_DIR, for the demo)."""
    parsed = urlparse(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "mailbox": "parvis.core.demo_mailbox.MailboxBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ValueError(f"EMAIL_URL: unknown scheme {parsed.scheme!r}")
    values = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme.startswith("smtp"):
        query = parse_qs(parsed.query)
        values.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=parsed.port or (465 if parsed.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_SSL=parsed.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0] in {"1", "true"},
            EMAIL_TIMEOUT=20,
        )
    return values


globals().update(_email_settings(EMAIL_URL))

# --- Background tasks ---------------------------------------------------------------------------------
_task_backends = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
# The demo runs tasks in the request (no worker to start, e-mails there when the page answers).
_task_backend = os.environ.get(
    "PARVIS_TASKS_BACKEND", "immediate" if TESTING or PARVIS_IS_DEMO else "database"
)
if _task_backend not in _task_backends:
    raise ValueError(f"PARVIS_TASKS_BACKEND: expected one of {sorted(_task_backends)}, got {_task_backend!r}")
TASKS = {"default": {"BACKEND": _task_backends[_task_backend]}}

# --- Security -----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# An installation made by `parvis demo` (marker file in PARVIS_HOME) is served over plain HTTP on 127.0.0.1,
# by `parvis demo` and by `parvis serve` alike; anything else defaults to HTTPS-only cookies and redirects.
PARVIS_HTTPS = env_bool("PARVIS_HTTPS", not DEBUG and not TESTING and not PARVIS_IS_DEMO)
SESSION_COOKIE_SECURE = PARVIS_HTTPS
CSRF_COOKIE_SECURE = PARVIS_HTTPS
SECURE_SSL_REDIRECT = PARVIS_HTTPS and env_bool("PARVIS_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("PARVIS_HSTS_SECONDS", "31536000" if PARVIS_HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PARVIS_HTTPS
SECURE_HSTS_PRELOAD = PARVIS_HTTPS
if env_bool("PARVIS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# Rate limits, "count/seconds", per client IP or account (parvis.core.ratelimit).
PARVIS_RATE_LIMITS = {
    "signup": os.environ.get("PARVIS_RATE_SIGNUP", "5/3600"),
    "login": os.environ.get("PARVIS_RATE_LOGIN", "20/600"),
    "write": os.environ.get("PARVIS_RATE_WRITE", "60/60"),
    "ideas.idea": os.environ.get("PARVIS_RATE_IDEA", "10/3600"),
    "ideas.comment": os.environ.get("PARVIS_RATE_COMMENT", "20/600"),
    "open311": os.environ.get("PARVIS_RATE_OPEN311", "20000/60"),  # per Open311 api_key
    "cards.check": os.environ.get("PARVIS_RATE_CARD_CHECK", "30/60"),  # per client: no guessing numbers
}
PARVIS_RATE_LIMITS_ENABLED = env_bool("PARVIS_RATE_LIMITS_ENABLED", True)
# Where hits are counted: "database" (shared by every worker and server) or "cache" (Redis when REDIS_URL).
_default_rate_store = "cache" if os.environ.get("REDIS_URL") else "database"
PARVIS_RATE_STORE = os.environ.get("PARVIS_RATE_STORE", _default_rate_store)
if PARVIS_RATE_STORE not in {"database", "cache"}:
    raise ValueError(f"PARVIS_RATE_STORE: expected database or cache, got {PARVIS_RATE_STORE!r}")
# Proxies in front of the application that append to X-Forwarded-For (client_ip reads from the right).
PARVIS_TRUSTED_PROXIES = int(
    os.environ.get("PARVIS_TRUSTED_PROXIES", "1" if env_bool("PARVIS_BEHIND_PROXY", False) else "0")
)

# --- Maps -----------------------------------------------------------------------------------------
PARVIS_TILE_URL = os.environ.get("PARVIS_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
PARVIS_TILE_ATTRIBUTION = os.environ.get(
    "PARVIS_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
PARVIS_MAP_CENTER = [float(x) for x in os.environ.get("PARVIS_MAP_CENTER", "48.8566,2.3522").split(",")]
PARVIS_MAP_ZOOM = int(os.environ.get("PARVIS_MAP_ZOOM", "12"))
LEAFLET_CONFIG = {
    "TILES": PARVIS_TILE_URL,
    "ATTRIBUTION_PREFIX": "",
    "DEFAULT_CENTER": tuple(PARVIS_MAP_CENTER),
    "DEFAULT_ZOOM": PARVIS_MAP_ZOOM,
    "RESET_VIEW": False,
}
# Geocoding: "offline" answers from the territories' names only; "nominatim" (opt-in) needs network.
PARVIS_GEOCODER = os.environ.get("PARVIS_GEOCODER", "offline")
PARVIS_GEOCODER_URL = os.environ.get("PARVIS_GEOCODER_URL", "")
# Budget: seconds a process keeps an envelope's ballot definition (see docs/budget.md).
PARVIS_BUDGET_CACHE_SECONDS = float(os.environ.get("PARVIS_BUDGET_CACHE_SECONDS", "0" if TESTING else "5"))

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARVIS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
