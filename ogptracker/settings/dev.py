"""Local development: DEBUG on, SQLite unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STATIC_ROOT = None  # static files are served from the app folders by runserver

# A file cache, shared by runserver and management commands: an `import_ogp` run in another
# process then clears the list's cached facet counts for the server too.
CACHES = caches_at(FILE_CACHE, str(BASE_DIR / ".cache"))  # noqa: F405

# Mails (follow/) are printed where runserver or the management command runs, never sent.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
