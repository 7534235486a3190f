"""Local development: DEBUG on, SQLite unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STATIC_ROOT = None  # static files are served from the app folders by runserver
