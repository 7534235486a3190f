"""Several app servers, one shared cache (README "Scaling out"), on a real Redis.

Debian's `redis-server` on a free loopback port, and two app servers as the README deploys them:
gunicorn, the production settings, the cache named by CACHE_BACKEND and CACHE_LOCATION, each with
export files of its own (as two machines have), both on one database (on PostgreSQL the test
database itself, on SQLite a file copy of it, as tests/test_concurrency.py does). Each page and
export is warmed on the second server before a write through the first, so what is proven is that
the entries the servers share are no longer served after the write, not merely that a cache was
empty. Skipped, saying so, where `redis-server` is missing (.ci/run installs it).
"""

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from api.models import APIToken
from commitments.models import Commitment
from tests.api.test_writes import api_request
from tests.test_concurrency import database_url, free_port, request

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it), "
           "so the cache shared by several app servers through Redis is not tested here")

CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"
# What a deployment must set (README "Deployment"), with the app reached over plain HTTP on loopback.
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-key-for-tests-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "TRUSTED_PROXY_COUNT": "0",
    # A connection per request, closed after it: the test database is flushed once the servers stop.
    "DB_CONN_MAX_AGE": "0",
}
STARTUP_SECONDS = 60
# Each running server's folder of logs, by port (for failure messages).
LOGS = {}
STATUS_COUNTS = re.compile(r'value="(active|inactive)"[^>]*>[^(]*\((\d+)\)')
ACTIVE_ONLY = "/commitments/?status=active"
EXPORT = "/commitments/export.csv?status=active"


@pytest.fixture
def redis_server(tmp_path):
    """(its URL, a client) of a redis-server of the test's own, stopped after the test whatever happens."""
    directory = tmp_path / "redis"
    directory.mkdir()
    port = free_port()
    # Loopback only, nothing written to disk (no snapshot, no append-only file), in its own folder;
    # bounded memory, least recently used keys evicted first: the configuration the README names.
    server = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(directory), "--logfile", str(directory / "redis.log"),
         "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(client):
            if server.poll() is not None or time.monotonic() > deadline:
                log = directory / "redis.log"
                raise AssertionError(f"redis-server did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0", client
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def answers(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False  # not listening yet


@pytest.fixture
def app_servers(transactional_db, tmp_path, redis_server):
    """Start two app servers on the data the test made (call it once the data is there); stop them after."""
    started = []

    def environment(name):
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a deployment never does.
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="ogptracker.settings.production",
                   DATABASE_URL=database, STATIC_ROOT=str(tmp_path / "static"),
                   CACHE_BACKEND=CACHE_BACKEND, CACHE_LOCATION=redis_server[0],
                   EXPORT_CACHE_DIR=str(tmp_path / f"exports-{name}"))
        return env

    def start_one(name):
        port = free_port()
        log = open(tmp_path / f"{name}.log", "w")  # closed when the server is stopped
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--preload"], cwd=ROOT,
            env={**environment(name), "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
            stdout=log, stderr=subprocess.STDOUT)
        started.append((server, log, port))
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    LOGS[port] = tmp_path
                    return port
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        raise AssertionError(f"app server {name} did not start: {server_logs(tmp_path)}")

    def start():
        nonlocal database
        database = database_url(tmp_path)
        # The production settings serve hashed static file names from the manifest collectstatic writes.
        collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                                   cwd=ROOT, env=environment("collectstatic"), capture_output=True, text=True,
                                   timeout=120)
        assert collected.returncode == 0, collected.stderr
        return start_one("a"), start_one("b")

    database = None
    yield start
    for server, log, port in started:
        LOGS.pop(port, None)
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: the workers are idle
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def server_logs(tmp_path) -> str:
    return "\n".join(path.read_text() for path in sorted(tmp_path.glob("*.log")))


def get(port, path) -> str:
    status, _headers, body = request(port, "GET", path)
    # The servers' logs hold a failure's traceback (the page says only that something went wrong).
    assert status == 200, f"GET {path}: {status}\n{server_logs(LOGS[port]) if port in LOGS else ''}"
    return body


def status_counts(html) -> dict:
    return {status: int(count) for status, count in STATUS_COUNTS.findall(html)}


def exported_identifiers(port) -> list[str]:
    # The CSV starts with a byte order mark, for spreadsheets.
    header, *rows = csv.reader(io.StringIO(get(port, EXPORT).removeprefix("\ufeff")))
    column = header.index("Commitment Unique Identifier")  # OGP's column name
    return [row[column] for row in rows]


def kept_exports(tmp_path, name) -> list[str]:
    directory = tmp_path / f"exports-{name}"
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def redis_stats(client) -> tuple[int, int]:
    stats = client.info("stats")
    return stats["keyspace_hits"], stats["keyspace_misses"]


def test_a_write_through_one_app_server_shows_at_once_in_the_others_counts_page_and_export(
        chile_staff, redis_server, app_servers, tmp_path):
    _url, cache = redis_server
    commitment = Commitment.objects.get(identifier="CL0050")
    assert commitment.status == Commitment.Status.INACTIVE  # the seed's: every Chile commitment inactive
    token = APIToken.objects.issue(user=chile_staff, name="shared cache test")[1]
    a, b = app_servers()

    # Warm: server a renders the list pages (counting the facets); b then serves them from what a stored
    # in Redis: hits only, no miss, so nothing counted or rendered again.
    for path in ("/commitments/", ACTIVE_ONLY):
        get(a, path)
    keys = cache.keys("*")
    assert any(key.startswith(b"pages:") for key in keys)  # the rendered pages ("pages", base.caches_at)
    assert any(not key.startswith(b"pages:") for key in keys)  # the facets' counts ("default")
    hits, misses = redis_stats(cache)
    before = {path: get(b, path) for path in ("/commitments/", ACTIVE_ONLY)}
    assert redis_stats(cache)[0] > hits and redis_stats(cache)[1] == misses, server_logs(tmp_path)
    counts = status_counts(before["/commitments/"])
    assert counts["inactive"] == Commitment.objects.count() and counts.get("active", 0) == 0
    assert "CL0050" not in before[ACTIVE_ONLY]
    # b keeps its export as a file under the data version (commitments/ogp/export_cache.py).
    assert exported_identifiers(b) == []
    warm_exports = kept_exports(tmp_path, "b")
    assert warm_exports and exported_identifiers(b) == [] and kept_exports(tmp_path, "b") == warm_exports

    # A staff write through server a: CL0050 becomes active.
    status, answer = api_request(a, "PATCH", "/api/v1/commitments/CL0050/", token=token, body={
        "version": commitment.version, "status": "active", "note": "Shared cache test: reopened"})
    assert status == 200, answer
    assert answer["status"]["value"] == "active"

    # At once on server b, each read once, no waiting: the counts, the page, the export.
    after = {path: get(b, path) for path in ("/commitments/", ACTIVE_ONLY)}
    assert status_counts(after["/commitments/"]) == {"active": 1, "inactive": counts["inactive"] - 1}
    assert "CL0050" in after[ACTIVE_ONLY]
    assert exported_identifiers(b) == ["CL0050"]
    assert kept_exports(tmp_path, "b") != warm_exports
    # And on server a too, from the same shared entries.
    assert status_counts(get(a, "/commitments/")) == {"active": 1, "inactive": counts["inactive"] - 1}
    assert "Traceback" not in server_logs(tmp_path)
