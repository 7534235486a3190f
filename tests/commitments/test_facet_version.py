"""The facets' data version lives in the database (issue 12.10): two app processes, each with its own
file cache, against one database; a write through one changes the counts the other serves at once."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import transaction

from commitments.freshness import versions
from commitments.models import Commitment, FacetDataVersion

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)


def _status_counts(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/commitments/", timeout=30) as response:
        html = response.read().decode()
    return dict(re.findall(r'value="(active|inactive)"[^>]*>[^(]*\((\d+)\)', html))


def _server(env, cache_dir):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        cwd=ROOT, env={**env, "FACET_TEST_CACHE": str(cache_dir)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the app process did not start")


def _flip_status(env, cache_dir):
    """A save through the services, from a third process with a cache of its own."""
    _manage({**env, "FACET_TEST_CACHE": str(cache_dir)}, "shell", "-c", (
        "from commitments.models import Commitment\n"
        "from commitments.services import commitment_save\n"
        "c = Commitment.objects.get(identifier='CL0050')\n"
        "c.status = 'inactive' if c.status == 'active' else 'active'\n"
        "commitment_save(commitment=c, user=None, note='A test of the facet version',\n"
        "                expected_version=c.version)\n"))


def test_a_write_through_one_process_changes_the_counts_another_serves(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.commitments.separate_cache_settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
           "FACET_TEST_CACHE": str(tmp_path / "c0")}
    _manage(env, "migrate", "--no-input")
    _manage(env, "loaddata", "chile")
    servers = [_server(env, tmp_path / "cache-a"), _server(env, tmp_path / "cache-b")]
    try:
        before = [_status_counts(port) for _, port in servers]
        assert before[0] == before[1] and before[0]  # both counted, each in its own cache
        assert [_status_counts(port) for _, port in servers] == before  # and served from it
        _flip_status(env, tmp_path / "cache-a")
        after = [_status_counts(port) for _, port in servers]
        assert after[0] == after[1] != before[0]
        assert sum(map(int, after[1].values())) == sum(map(int, before[1].values()))
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.django_db
def test_the_version_moves_with_the_write_and_not_without_it(chile):
    version = versions.data_version()
    assert versions.data_version() == version
    with pytest.raises(RuntimeError), transaction.atomic():
        commitment = Commitment.objects.get(identifier="CL0050")
        commitment.title = "Changed"
        commitment.save()
        assert versions.data_version() != version  # inside the write's transaction
        raise RuntimeError("rolled back")
    assert versions.data_version() == version  # rolled back with it


@pytest.mark.django_db
def test_refresh_stored_values_moves_the_version(chile):
    from django.core.management import call_command

    version = versions.data_version()
    call_command("refresh_stored_values", stdout=open(os.devnull, "w"))
    assert versions.data_version() != version


@pytest.mark.django_db
def test_a_missing_version_row_is_made_again(chile):
    FacetDataVersion.objects.all().delete()
    assert versions.data_version() == versions.data_version()
    versions.invalidate()
    assert FacetDataVersion.objects.count() == 1
