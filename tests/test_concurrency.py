"""Concurrent saves of one commitment, as real requests to a running app: one wins, the rest get 409.

The app runs as it is deployed (gunicorn, several worker processes with threads) against a real
database: on PostgreSQL the test database itself, on SQLite a file copied from the in-memory test
database (SQLite's in-memory database is one connection shared by the threads of one process, so
saves through it can never overlap; a file, as in production, is what gave `database is locked`).
"""

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.test import Client

from commitments.models import Commitment
from tests.html_forms import form_data

ROOT = Path(__file__).resolve().parent.parent
EDIT_URL = "/commitments/CL0050/edit/"
SAVES = 20


def database_url(tmp_path) -> str:
    """The database the app under test opens: the test database, or on SQLite a file copy of it."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += f":{quote(db['PASSWORD'], safe='')}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_server(transactional_db, tmp_path):
    """Start gunicorn on the data the test made (call it once the data is there); stop it after."""
    servers = []

    def start() -> int:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(DJANGO_SETTINGS_MODULE="ogptracker.settings.test", DATABASE_URL=database_url(tmp_path),
                   GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="4", GUNICORN_THREADS="5",
                   DB_CONN_MAX_AGE="0")
        log = open(tmp_path / "server.log", "w")  # closed when the server is stopped
        # --preload: the app is imported once and the workers forked from it, so they start at once.
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--preload"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        servers.append((server, log))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    return port
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {server_log(tmp_path)}")

    yield start
    for server, log in servers:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: the workers are idle
        server.wait(timeout=60)
        log.close()


def server_log(tmp_path) -> str:
    return (tmp_path / "server.log").read_text()


def request(port, method, path, *, cookies=None, body=None):
    """(status, headers, text) of one request, as a browser sends it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def set_cookies(headers) -> dict:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def note(number) -> str:
    return f"Concurrent save {number:02d}"  # two digits: "save 01" is not part of "save 10"


def other_status(status) -> str:
    return Commitment.Status.INACTIVE if status == Commitment.Status.ACTIVE else Commitment.Status.ACTIVE


def test_twenty_concurrent_saves_of_one_version_give_one_success_and_nineteen_409s(chile_staff, app_server,
                                                                                     tmp_path):
    version = Commitment.objects.get(identifier="CL0050").version
    sessions = []
    for _editor in range(SAVES):  # twenty editors, each signed in in a browser of their own
        browser = Client()
        browser.force_login(chile_staff)
        sessions.append({"sessionid": browser.cookies["sessionid"].value})
    port = app_server()

    everyone_has_the_form = threading.Barrier(SAVES)
    results = [None] * SAVES

    def editor(number):
        cookies = sessions[number]
        status, headers, html = request(port, "GET", EDIT_URL, cookies=cookies)
        assert status == 200, html
        cookies = {**cookies, **set_cookies(headers)}
        data = form_data(html, "commitment-edit-form")
        assert data["version"] == str(version)
        data.update(status=other_status(data["status"]), note=note(number))
        everyone_has_the_form.wait(timeout=120)
        results[number] = request(port, "POST", EDIT_URL, cookies=cookies, body=urlencode(data, doseq=True))

    threads = [threading.Thread(target=editor, args=(number,)) for number in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert all(results), server_log(tmp_path)
    statuses = sorted(status for status, _headers, _html in results)
    assert statuses == [302] + [409] * (SAVES - 1), server_log(tmp_path)
    winner = next(number for number, (status, _h, _html) in enumerate(results) if status == 302)
    for status, _headers, html in results:
        if status == 409:
            # The form again, from what is saved now, saying what the winner changed.
            assert "Someone saved this commitment after you opened it" in html
            assert "Changed since you opened this page" in html and note(winner) in html
            assert form_data(html, "commitment-edit-form")["version"] == str(version + 1)
    # One change recorded, the winner's, and the commitment moved on by exactly one version.
    feed = request(port, "GET", "/commitments/CL0050/feed/")[2]
    assert [note(number) in feed for number in range(SAVES)].count(True) == 1 and note(winner) in feed
    edit_page = request(port, "GET", EDIT_URL, cookies=sessions[0])[2]
    assert form_data(edit_page, "commitment-edit-form")["version"] == str(version + 1)
    assert "Traceback" not in server_log(tmp_path)
