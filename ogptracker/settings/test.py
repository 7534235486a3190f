"""Test runs: fast password hashing, a fixed key; the database comes from DATABASE_URL or SQLite."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # no collected static files in tests

# The API's anonymous limit stays far above what a test (or the schemathesis run) sends;
# tests/api/test_read.py lowers it to see the 429.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/hour"}}  # noqa: F405
# No kept exports unless a test gives its own directory (tests/commitments/freshness/test_exports.py):
# the two test workers' databases would otherwise share files under different versions.
EXPORT_CACHE_DIR = ""
