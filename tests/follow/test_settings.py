"""The mail settings as a deployment reads them: SMTP from the environment in production, the
console in development, and SITE_URL for the mails' links."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
         "EMAIL_USE_TLS",
         "DEFAULT_FROM_EMAIL", "SITE_URL")
PRINT = ("import django; from django.conf import settings; django.setup();"
         f"print(*(getattr(settings, name) for name in {NAMES!r}), sep='|')")


def settings_of(module, **env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a deployment never does.
    environment = {k: v for k, v in os.environ.items()
                   if k not in (*NAMES, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(env, DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


PRODUCTION = {"SECRET_KEY": "a-long-random-production-key-for-tests-0123456789-abcdefghijklmnop",
              "DATABASE_URL": "postgres://ogp@127.0.0.1:5432/ogptracker", "ALLOWED_HOSTS": "ogp.example.org"}


def test_production_sends_through_the_smtp_server_the_environment_names():
    assert settings_of("ogptracker.settings.production", **PRODUCTION, EMAIL_HOST="smtp.example.org",
                       EMAIL_PORT="587", EMAIL_HOST_USER="mailer", EMAIL_HOST_PASSWORD="s3cret",
                       EMAIL_USE_TLS="1", DEFAULT_FROM_EMAIL="OGP <ogp@example.org>",
                       SITE_URL="https://ogp.example.org/") == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", "587", "mailer", "s3cret", "True",
        "OGP <ogp@example.org>", "https://ogp.example.org"]


def test_production_defaults_to_the_local_mail_server_and_the_sites_host():
    assert settings_of("ogptracker.settings.production", **PRODUCTION) == [
        "django.core.mail.backends.smtp.EmailBackend", "localhost", "25", "", "", "False",
        "ogptracker <noreply@ogp.example.org>", "https://ogp.example.org"]


def test_development_prints_mails_to_the_console():
    backend, *_rest, site_url = settings_of("ogptracker.settings.dev")
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert site_url == "http://127.0.0.1:8000"
