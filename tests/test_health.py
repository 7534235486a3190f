"""/healthz: 200 after a database round trip, 503 when the database does not answer."""

import logging

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_healthz_answers_ok_after_querying_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_needs_no_session_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert not response.cookies


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.ERROR, logger="ogptracker.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"database unavailable" in response.content
    assert "refused" in caplog.text


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_every_request_is_logged_as_one_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="ogptracker.request"):
        client.get("/healthz")
        client.get("/no-such-page/")
    lines = [r.getMessage() for r in caplog.records if r.name == "ogptracker.request"]
    assert len(lines) == 2
    method, path, status, duration = lines[0].split(" ")
    assert (method, path, status) == ("GET", "/healthz", "200")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert lines[1].startswith("GET /no-such-page/ 404 ")
    # django.request's own warning for the 404 would be a second line for one request.
    assert not [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.django_db
def test_a_crafted_path_cannot_forge_a_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="ogptracker.request"):
        client.get("/x%0A2026-01-01 INFO ogptracker.request GET /admin/ 200 1.0ms")
    (record,) = [r for r in caplog.records if r.name == "ogptracker.request"]
    assert "\n" not in record.getMessage()
    assert "\\n" in record.getMessage()
