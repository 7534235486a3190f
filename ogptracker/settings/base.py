"""Settings shared by every environment; the environment modules override what differs."""

import os
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as corsheaders_default_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "commitments",
    "reviews",
    "api",
    "follow",
]

MIDDLEWARE = [
    # First, so the logged duration covers every other middleware.
    "ogptracker.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Compresses text answers once every other middleware has written them (ogptracker/http_caching.py).
    "ogptracker.http_caching.TextGZipMiddleware",
    # Above the session, CSRF and authentication middleware: it sees the cookies they set.
    "ogptracker.http_caching.CacheControlMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks; it answers only under /api/ (CORS_URLS_REGEX).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL in the admin's query string is a 400, not PostgreSQL's 500 (ogptracker/admin_input.py).
    "ogptracker.admin_input.AdminQueryGuard",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user on history rows saved outside the services (admin inlines).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ogptracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,  # Django's own loaders, cached when DEBUG is off
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ogptracker.wsgi.application"

# SQLite is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent saves (several workers, or threads) would otherwise fail with "database is
    # locked": a transaction begun as a reader (SQLite's default, DEFERRED) that then writes must
    # upgrade its lock, and when another connection is writing SQLite refuses at once rather than
    # wait, as waiting could deadlock. IMMEDIATE takes the write lock at BEGIN, where a busy
    # database is waited for (up to `timeout` seconds); the saves then queue one after the other
    # and the version check refuses the stale ones (409).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

LOGIN_URL = "/accounts/login/"
# A form refused by the CSRF check gets the site's 403 page (ogptracker/errors.py), not Django's.
CSRF_FAILURE_VIEW = "ogptracker.errors.csrf_failure"
# Signed in, staff start from their dashboard: what is late, due or quiet for the members they serve.
LOGIN_REDIRECT_URL = "commitments:dashboard"

# Sign-in security: django-axes locks a username from one address out after repeated failures,
# on the site's login page and the admin's alike (both authenticate through these backends).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Attempts refused during a lockout are not counted again: the lockout ends 15 minutes after the
# failure that caused it, however often the locked-out client keeps trying meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# "One address" is the client's, not the reverse proxy's: read from X-Forwarded-For as written by
# the TRUSTED_PROXY_COUNT proxies in front of the app (ogptracker/client_address.py; 0, the
# default outside production, ignores the header).
AXES_CLIENT_IP_CALLABLE = "ogptracker.client_address.client_key"


def proxy_count(default: str) -> int:
    """TRUSTED_PROXY_COUNT from the environment: how many reverse proxies append to X-Forwarded-For."""
    value = os.environ.get("TRUSTED_PROXY_COUNT", default).strip()
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_COUNT must be a whole number of proxies (0 or more), not {value!r}.")
    return int(value)


TRUSTED_PROXY_COUNT = proxy_count("0")

# Reverting from the admin's history would skip the version check and the public note.
# A change's public note is up to 300 characters (commitments/forms.py NOTE_MAX_LENGTH); simple_history's
# default reason column holds 100, which PostgreSQL enforced with an error on the save (SQLite ignores it).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# Security headers, in every environment so the tests see what production sends.
# The pages (and Django's admin) use no inline script or style, so the policy allows only
# files from the site itself; data: images are for icons embedded in stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One line per request (ogptracker.request_log) on standard error, where gunicorn and
# systemd/docker collect it; django.request would add a second line for every 4xx, so it
# only reports errors (with their traceback).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "ogptracker.request": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# The API (/api/v1/). Public reads are open to every origin (no cookies are read there: writes use
# bearer tokens), so a browser page elsewhere may fetch the record.
# The feeds and the list's downloads are public reads too, for a feed reader or a notebook in a page.
CORS_URLS_REGEX = r"^/(api/|feed/|members/[^/]+/feed/|commitments/[^/]+/feed/|commitments/export\.)"
CORS_ALLOW_ALL_ORIGINS = True
# Browsers may read the validators and the throttle's wait from a response, and revalidate with them.
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
CORS_ALLOW_HEADERS = [*corsheaders_default_headers, "if-none-match", "if-modified-since"]
# A preflight names only the methods the API answers (reads, and the staff's PATCH), not
# django-cors-headers' default list with DELETE, POST and PUT.
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "PATCH"]
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # No session or basic auth on the API: a write carries its bearer token (api/writes.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # JSON only: DRF's browsable pages load scripts the site's CSP refuses; /api/v1/docs/ explains.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Every refusal as {"detail": ..., "errors": {parameter: [reasons]}}, never a traceback.
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # Anonymous clients, per address (the documented limits, /api/v1/docs/); 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ogptracker API",
    "DESCRIPTION": "Open Government Partnership commitments, their milestones and the IRM's findings.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Two scales meet as `status` (a commitment's, a milestone's): each enum named for what it is.
    "ENUM_NAME_OVERRIDES": {"CommitmentStatusEnum": "commitments.models.Commitment.Status",
                            "CompletionEnum": "reviews.scales.Completion"},
}

# Follow by e-mail (follow/). Mail goes through Django's e-mail framework: SMTP in production
# (production.py reads the server from the environment), the console in development. SITE_URL
# makes the mails' links absolute: a mail has no request to take the host from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ogptracker <noreply@localhost>")
# A digest covers the changes recorded up to this long before it runs: a long transaction (an
# import) commits history rows dated when it began, and a digest that had already read past them
# would never send them.
FOLLOW_DIGEST_DELAY_MINUTES = int(os.environ.get("FOLLOW_DIGEST_DELAY_MINUTES", "30"))

# The CSV and JSON exports kept per data version and filter state (commitments/freshness/exports.py):
# a directory of files (empty: none kept, every export made afresh), and the most bytes they hold
# together (the oldest go first), so distinct query strings cannot fill the disk.
EXPORT_CACHE_DIR = os.environ.get("EXPORT_CACHE_DIR", str(BASE_DIR / ".export-cache"))
EXPORT_CACHE_MAX_BYTES = int(os.environ.get("EXPORT_CACHE_MAX_BYTES", str(1024**3)))


FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"


def caches_at(backend, location, **options) -> dict:
    """CACHES of one backend with two caches: "default" for what is slow to make again (the facets'
    counts, commitments/facets.py: up to seconds a filter state at 100,000 commitments), and "pages"
    for the list's rendered pages (commitments/views/listing.py), one per query string, many and
    made again in milliseconds from those counts. Apart, a crawler walking thousands of pages
    fills and culls only "pages" (a file cache culls a random third of its entries when full):
    in one cache it evicted the counts. A file cache keeps the pages in a folder of its own inside
    `location`; a shared server (Redis) under a key prefix of their own."""
    if backend == FILE_CACHE:
        pages = {"LOCATION": os.path.join(location, "pages")}
    else:
        pages = {"LOCATION": location, "KEY_PREFIX": "pages"}
    return {"default": {"BACKEND": backend, "LOCATION": location, **options},
            "pages": {"BACKEND": backend, **options, **pages}}


# Per process by default (tests); dev.py and production.py keep files every process shares.
CACHES = caches_at("django.core.cache.backends.locmem.LocMemCache", "ogptracker")
