"""Production: every secret from the environment; refuses to start without them."""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = _list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS must name the site's host(s).")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

# Persistent connections, checked before reuse so a restarted database or a failover to the
# replica does not leave a worker with a dead connection.
DATABASES = {
    "default": dj_database_url.parse(
        _required("DATABASE_URL"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

# TLS ends at the reverse proxy, which says so in X-Forwarded-Proto. The probe of /healthz
# comes over plain HTTP from the load balancer, so it is not redirected.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# One proxy (nginx, Caddy, the load balancer) appends the client's address to X-Forwarded-For;
# set TRUSTED_PROXY_COUNT to 2 behind a CDN and the proxy, 0 if clients reach gunicorn directly.
TRUSTED_PROXY_COUNT = proxy_count("1")  # noqa: F405
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Referrer-Policy, X-Content-Type-Options, X-Frame-Options, COOP and the Content-Security-Policy
# are set in base.py, so the tests exercise the very headers production sends.

# Hashed file names (cached forever by browsers and the proxy) with gzip/brotli copies,
# served by whitenoise from the app servers themselves: no separate static host needed.
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The list's facet counts (commitments/facets.py) take seconds to compute at 100,000
# commitments: one cache shared by every worker of the machine computes each filter state once,
# where a per-process cache would compute it once per worker. Several machines share one by
# pointing CACHE_LOCATION at Redis instead (CACHE_BACKEND=django.core.cache.backends.redis.RedisCache,
# CACHE_LOCATION=redis://host:6379/0; tests/test_shared_cache.py runs exactly that).
# The list's pages are in a cache of their own beside it (base.caches_at says why).
_cache_backend = os.environ.get("CACHE_BACKEND", FILE_CACHE)  # noqa: F405
# MAX_ENTRIES bounds the file cache only: Django hands a Redis cache's OPTIONS to redis-py's
# connections, which refuse it (every cached page then failed with a TypeError). Redis bounds itself
# (maxmemory, with an eviction policy).
_cache_options = {"OPTIONS": {"MAX_ENTRIES": 2000}} if _cache_backend == FILE_CACHE else {}  # noqa: F405
CACHES = caches_at(_cache_backend, os.environ.get("CACHE_LOCATION", "/var/tmp/ogptracker-cache"),  # noqa: F405
                   TIMEOUT=600, **_cache_options)

# The kept exports (base.py): outside the code's directory, like the cache.
EXPORT_CACHE_DIR = os.environ.get("EXPORT_CACHE_DIR", "/var/tmp/ogptracker-exports")

# Mail (follow/: confirmations and digests) through the SMTP server the environment names; by
# default the machine's own mail server, which relays it. The sender and the mails' links default
# to the site's first host name, served over https.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"ogptracker <noreply@{ALLOWED_HOSTS[0]}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = os.environ.get("SITE_URL", f"https://{ALLOWED_HOSTS[0]}").rstrip("/")

LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
