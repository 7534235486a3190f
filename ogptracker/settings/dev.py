"""Local development: DEBUG on, SQLite unless DATABASE_URL says otherwise."""

import os
import re
from urllib.parse import urlsplit

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# runserver's address as `make run` gives it (Makefile: HOST ?= 127.0.0.1:8000): "PORT", "ADDR:PORT",
# "[IPV6]:PORT". Anything else (a shell's own HOST, the machine's name) is not ours: ignored.
_ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(?P<port>\d{1,5})$")
# Addresses runserver listens on but a browser cannot open: a link names this machine instead.
_ANY_ADDRESS = {"0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}


def site_url_for(host: str) -> str:
    """The address a browser opens for a runserver at host (HOST), e.g. "http://127.0.0.1:18101"."""
    match = _ADDRPORT.match(host.strip())
    if match is None:
        return "http://127.0.0.1:8000"
    addr = match["addr"] or "127.0.0.1"
    return f"http://{_ANY_ADDRESS.get(addr, addr)}:{match['port']}"


# Links made without a request (the mails' confirm, unsubscribe and digest links, setup_local's
# message) follow the address served, on any port; SITE_URL, when set, still says otherwise.
SITE_URL = (os.environ.get("SITE_URL") or site_url_for(os.environ.get("HOST", ""))).rstrip("/")
# The host served must be allowed too (HOST=myname.local:8000).
if (_served := urlsplit(SITE_URL).hostname) and _served not in {"127.0.0.1", "localhost", "::1"}:
    ALLOWED_HOSTS.append(_served)
STATIC_ROOT = None  # static files are served from the app folders by runserver

# A file cache, shared by runserver and management commands: an `import_ogp` run in another
# process then clears the list's cached facet counts for the server too.
CACHES = caches_at(FILE_CACHE, str(BASE_DIR / ".cache"))  # noqa: F405

# Mails (follow/) are printed where runserver or the management command runs, never sent.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
