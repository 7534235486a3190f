"""Production settings as a deployment runs them, and the security headers every page sends."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-key-for-tests-0123456789-abcdefghijklmnop",
    "DATABASE_URL": "postgres://ogp@127.0.0.1:5432/ogptracker",
    "ALLOWED_HOSTS": "ogptracker.example.org",
}


def run_manage(*args, env_overrides=None, drop=()):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a deployment never does.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", *drop)
    }
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=ogptracker.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env_overrides=env, drop=(missing,))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_settings_read_the_environment():
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'],"
        "settings.DATABASES['default']['NAME'], settings.STORAGES['staticfiles']['BACKEND'])"
    )
    # No DJANGO_SETTINGS_MODULE: the WSGI module's default, as gunicorn loads it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ogptracker.wsgi; import os; print(os.environ['DJANGO_SETTINGS_MODULE']);" + code,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    module_line, values_line = result.stdout.strip().splitlines()
    assert module_line == "ogptracker.settings.production"
    assert values_line == (
        "False ['ogptracker.example.org'] django.db.backends.postgresql ogptracker "
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_a_redis_cache_is_given_only_what_redis_py_takes():
    """CACHE_BACKEND=RedisCache as the README's "Scaling out" sets it, where no Redis runs: a cache read
    tries the network (and is refused). A file cache's option (MAX_ENTRIES) handed to redis-py made every
    read a TypeError, every list page a 500. tests/test_shared_cache.py runs a real Redis."""
    code = (
        "import django, redis; django.setup(); from django.core.cache import caches\n"
        "for name in ('default', 'pages'):\n"
        "    try:\n"
        "        caches[name].get('any key')\n"
        "    except redis.exceptions.ConnectionError:\n"
        "        print(name, 'refused')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="ogptracker.settings.production",
               CACHE_BACKEND="django.core.cache.backends.redis.RedisCache", CACHE_LOCATION="redis://127.0.0.1:9/0")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["default refused", "pages refused"]


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    result = run_manage(
        "collectstatic", "--noinput", env_overrides={**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    hashed = [
        p.name for p in (tmp_path / "css").iterdir() if re.fullmatch(r"site\.[0-9a-f]{12}\.css", p.name)
    ]
    assert len(hashed) == 1
    assert (tmp_path / "css" / f"{hashed[0]}.gz").exists()


@pytest.mark.django_db
def test_pages_send_the_security_headers(client):
    response = client.get("/healthz")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle=", re.IGNORECASE)


def test_the_admin_works_under_the_policy(chile, admin_client):
    """The policy forbids inline script and style: the admin's pages must have none."""
    from commitments.models import Commitment

    pk = Commitment.objects.get(identifier="CL0050").pk
    for url in [
        "/admin/",
        "/admin/commitments/commitment/",
        f"/admin/commitments/commitment/{pk}/change/",
        "/admin/commitments/commitment/add/",
        "/admin/reviews/assessment/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
