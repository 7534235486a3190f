"""The API's contract: a schema-driven property-based run (schemathesis) over every GET endpoint.

Requests are generated from /api/v1/schema/ itself (any parameter, any value its type allows,
and every path parameter both generated and taken from the data set) and sent to the WSGI
application; every response must be no 500, carry a status code the schema documents, and a
body that conforms to the schema for that status code. A few examples per operation keep the
run short; Hypothesis' example database is off, so nothing is written into the repository.
"""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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
    assert ("/api/v1/commitments/", 400) in seen
