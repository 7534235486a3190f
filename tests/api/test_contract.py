"""The API's contract: a schema-driven property-based run (schemathesis) over every GET endpoint.

Requests are generated from /api/v1/schema/ itself (any parameter, any value its type allows,
and every path parameter both generated and taken from the data set) and sent to the WSGI
application; every response must be no 500, carry a status code the schema documents, and a
body that conforms to the schema for that status code. A few examples per operation keep the
run short; Hypothesis' example database is off, so nothing is written into the repository.
"""

import datetime

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS as CHECK_REGISTRY
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.openapi import from_url, from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import APIToken
from commitments.models import Commitment
from reviews.models import IRMReport
from tests.api.test_hostile import hostile_rows

pytestmark = pytest.mark.django_db
# The in-process WSGI client does not undo gzip as an HTTP client does: the answers are
# asked for uncompressed (compression has its own tests, tests/test_http_caching.py).
UNCOMPRESSED = {"Accept-Encoding": "identity"}

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12


@pytest.fixture
def application():
    """The WSGI application, its requests inside the test's transaction: Django's own test client
    likewise keeps a request's end from closing the connection (and so the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def known_path_parameters(catalogue) -> dict[str, list[dict]]:
    """Path parameters that find rows of the data set (hostile ones included)."""
    identifiers = [*catalogue, *Commitment.objects.filter(identifier__startswith="Z").values_list(
        "identifier", flat=True)]
    return {
        "identifier": [{"identifier": value} for value in identifiers],
        "slug": [{"slug": "alpha"}, {"slug": "beta"}],
        "ogp_id": [{"ogp_id": "AP_ALP01"}, {"ogp_id": "AP_BET01"}],
        "id": [{"id": pk} for pk in IRMReport.objects.values_list("pk", flat=True)],
    }


def run(operation, seen, examples=EXAMPLES, **fixed):
    """Hypothesis over one operation; each response's status is added to `seen`."""
    @given(case=operation.as_strategy(**fixed))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=UNCOMPRESSED)
        seen.add((operation.path, response.status_code))
        case.validate_response(response, checks=CHECKS)

    check()


def test_every_get_endpoint_keeps_its_schema(catalogue, application):
    hostile_rows()
    schema = from_wsgi("/api/v1/schema/", application)
    known = known_path_parameters(catalogue)
    operations = [result.ok() for result in schema.get_all_operations()]
    reads = [operation for operation in operations if operation.method.upper() == "GET"]
    assert {operation.path for operation in reads} >= {
        "/api/v1/commitments/", "/api/v1/commitments/{identifier}/",
        "/api/v1/commitments/{identifier}/history/", "/api/v1/members/", "/api/v1/members/{slug}/",
        "/api/v1/action-plans/{ogp_id}/", "/api/v1/reports/", "/api/v1/reports/{id}/", "/api/v1/changes/"}
    seen = set()
    for operation in reads:
        run(operation, seen)  # every parameter generated, path parameters too (mostly 404s)
        names = [name for name in known if "{" + name + "}" in operation.path]
        for values in known[names[0]] if names else []:
            run(operation, seen, examples=4, path_parameters=values)
    # The run reached real rows and real refusals, not only 404s.
    for path in ("/api/v1/commitments/", "/api/v1/commitments/{identifier}/", "/api/v1/members/{slug}/",
                 "/api/v1/reports/{id}/", "/api/v1/action-plans/{ogp_id}/"):
        assert (path, 200) in seen, path
    # Every request was drawn from the schema (positive data): none is refused as malformed.
    assert not {path for path, status in seen if status == 400}


# -- schemathesis with every check, every operation, over HTTP ----------------------------------
# The run a client's `schemathesis run --checks all` makes: its engine (examples, coverage and
# fuzzing phases; no stateful one, the schema has no links), every check it has, both PATCHes with a
# token that may write, against the site served by the test server on the test data.

EXAMPLES_PER_OPERATION = 5


def every_check() -> list[str]:
    load_all_checks()
    return [check.__name__ for check in CHECK_REGISTRY.get_all()]


def failures_of(schema) -> tuple[dict, list, set]:
    """The run's failures, one per (check, operation, title), with the request that found it; its
    errors (an operation the engine could not test); and the (method, path, status) it saw."""
    failures, errors, seen = {}, [], set()
    for event in from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(event)
        if not isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            continue
        recorder = event.recorder
        for case_id, interaction in recorder.interactions.items():
            if interaction.response is not None:
                case = recorder.cases[case_id].value
                seen.add((case.method, case.operation.path, interaction.response.status_code))
        for case_id, checks in recorder.checks.items():
            for check in (check for check in checks if check.failure_info is not None):
                case = recorder.cases[case_id].value
                key = (check.name, case.method, case.operation.path, check.failure_info.failure.title)
                interaction = recorder.interactions.get(case_id)
                answer = interaction and interaction.response
                failures.setdefault(key, (case.path_parameters, case.query, case.body,
                                          answer and (answer.status_code, answer.content[:500])))
    return failures, errors, seen


def within_the_described_rules(context, body) -> bool:
    """The PATCH bodies' two rules JSON Schema cannot state (their fields' descriptions do): an end
    date not before the start date; a date met not after today. A body that breaks one is refused
    (400) whatever the schema says, so the generator is told, as a hook of the CLI would be."""
    if not isinstance(body, dict):
        return True
    start, end, met = (_date(body.get(name)) for name in ("start_date", "end_date", "completed_on"))
    return not (start and end and end < start) and not (met and met > datetime.date.today())


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


@pytest.mark.django_db(transaction=True)
def test_schemathesis_with_every_check_finds_no_failure(chile, catalogue, superuser, live_server, settings):
    # The anonymous limit lifted for this run only: hundreds of requests a minute from one address.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None}}
    hostile_rows()
    token = APIToken.objects.issue(user=superuser, name="schemathesis")[1]
    checks = every_check()
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance",
            "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
            "positive_data_acceptance", "missing_required_header", "unsupported_method",
            "ignored_auth"} <= set(checks)
    config = SchemathesisConfig.from_dict({
        "workers": 1, "continue-on-failure": True, "seed": 23,
        "checks": {name: {"enabled": True} for name in checks},
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "mode": "all", "deterministic": True,
                       "database": "none"},
        "headers": {"Authorization": f"Bearer {token}"},
        # One commitment's address given, so that its reads and writes reach a row (CL0050: a seeded
        # commitment with milestones, written to by the superuser's token); other paths are drawn.
        "operations": [{"include-path": "/api/v1/commitments/{identifier}/",
                        "parameters": {"path.identifier": "CL0050"}}],
        # Nothing written into the repository; and no request values taken from answers: they put a
        # 400's `errors` key into a body whose schema says additionalProperties: false.
        "cache": {"enabled": False},
        "phases": {"stateful": {"enabled": False},
                   "coverage": {"extra-data-sources": {"responses": False}},
                   "fuzzing": {"extra-data-sources": {"responses": False}}},
    })
    schema = from_url(f"{live_server.url}/api/v1/schema/", config=config)
    schema.hook("filter_body")(within_the_described_rules)
    operations = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    assert {("PATCH", "/api/v1/commitments/{identifier}/"), ("PATCH", "/api/v1/milestones/{id}/"),
            ("GET", "/api/v1/changes/")} <= operations and len(operations) == 11
    failures, errors, seen = failures_of(schema)
    assert not errors, errors
    assert not failures, "\n".join(f"{key}: {value}" for key, value in failures.items())
    # It reached rows and refusals, not only 404s (test_every_get_endpoint_keeps_its_schema reads
    # every kind of row by its address).
    statuses = {(method, path): {status for m, p, status in seen if (m, p) == (method, path)}
                for method, path, _status in seen}
    assert {200, 400} <= statuses["GET", "/api/v1/commitments/"]
    assert 200 in statuses["GET", "/api/v1/commitments/{identifier}/"]
    for write in ("/api/v1/commitments/{identifier}/", "/api/v1/milestones/{id}/"):
        assert {200, 400, 409} <= statuses["PATCH", write], statuses["PATCH", write]


def test_an_unknown_api_address_answers_json_404_whatever_the_method(client):
    """No CSRF token, no session: a program's PATCH, POST, PUT or DELETE to a path the API has not
    is told so as a GET is, in the API's JSON, not with the site's HTML 403 (CSRF) page."""
    for method in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"):
        response = Client(enforce_csrf_checks=True).generic(
            method, "/api/v1/no-such-thing/", data="{}", content_type="application/json")
        assert response.status_code == 404, method
        assert response["Content-Type"] == "application/json", method
        if method != "HEAD":
            assert response.json() == {"detail": "No such API address: see /api/v1/docs/.", "errors": {}}
