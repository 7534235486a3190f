"""PATCH /api/v1/commitments/<identifier>/ and /api/v1/milestones/<id>/ with a bearer token: the edit
rule of the staff pages (permissions, note, version, history) through the API, and every refusal."""

import http.client
import json
import threading
from xml.etree import ElementTree

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import APIToken
from commitments import services
from commitments.models import ActionPlan, Commitment, Milestone
from reviews.scales import Completion
from tests import test_concurrency
from tests.api.test_contract import UNCOMPRESSED
from tests.test_concurrency import server_log

CONTRACT_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
URL = "/api/v1/commitments/CL0050/"
# As measured: the token, its last use, the milestone, the memberships, its answer; the rest is
# services.commitment_update's (the first edit of a commitment also writes its history baseline),
# with the version row read under lock to move the milestones' token alone (freshness/versions.py).
QUERIES_MILESTONE_WRITE = 51
QUERIES_REFUSED = 4
JSON = "application/json"
# The running app of the concurrency test (gunicorn on the test data, on a free port).
app_server = test_concurrency.app_server


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


def token_for(user, name="script"):
    return APIToken.objects.issue(user=user, name=name)[1]


def patch(client, url, body, token=None, *, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.patch(url, data=data, content_type=JSON, headers=headers)


def milestone_url(milestone):
    return reverse("api:milestone-detail", args=[milestone.pk])


def other_status(status):
    return Commitment.Status.INACTIVE if status == Commitment.Status.ACTIVE else Commitment.Status.ACTIVE


def state(commitment):
    """What a refused write must leave as it was: the version, the values, the history."""
    commitment.refresh_from_db()
    return (commitment.version, commitment.status, commitment.start_date, commitment.end_date,
            commitment.history.count(),
            [(m.status, m.start_date, m.end_date, m.evidence_url) for m in commitment.milestones.all()],
            Milestone.history.filter(commitment_id=commitment.pk).count())


@pytest.fixture
def token(chile_staff):
    return token_for(chile_staff)


# --- Writes that succeed ----------------------------------------------------------------------------


def test_patch_commitment_status_answers_the_detail_with_the_next_version_and_records_the_note(
        client, chile_staff, token):
    commitment = cl0050()
    new_status = other_status(commitment.status)
    response = patch(client, URL, {"version": commitment.version, "status": new_status,
                                   "note": "Suspended while the law is debated",
                                   "evidence_url": "https://www.camara.cl/proyecto/12345"}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["identifier"] == "CL0050" and body["version"] == commitment.version + 1
    saved = cl0050()
    assert saved.status == new_status and saved.version == commitment.version + 1
    record = saved.history.latest("history_date")
    assert record.history_change_reason == "Suspended while the law is debated"
    assert record.history_user == chile_staff
    assert record.history_evidence_url == "https://www.camara.cl/proyecto/12345"
    # The same public history as a staff page save: on the commitment page and in the site's feed.
    page = client.get("/commitments/CL0050/").content.decode()
    assert "Suspended while the law is debated" in page
    feed = client.get("/feed/")
    assert feed.status_code == 200
    ElementTree.fromstring(feed.content)
    assert "Suspended while the law is debated" in feed.content.decode()


def test_patch_commitment_dates_replaces_the_imported_spelling(client, token):
    commitment = cl0050()
    Commitment.objects.filter(pk=commitment.pk).update(start_date_text="Sept 2016", end_date_text="June 2018")
    response = patch(client, URL, {"version": commitment.version, "start_date": "2016-10-01",
                                   "end_date": "2018-12-31", "note": "As the plan's revision says"}, token)
    assert response.status_code == 200, response.content
    saved = cl0050()
    assert (str(saved.start_date), str(saved.end_date)) == ("2016-10-01", "2018-12-31")
    # Else the export would go on writing the old dates as the import spelled them.
    assert (saved.start_date_text, saved.end_date_text) == ("", "")


def test_patch_milestone_status_dates_and_evidence_link(client, chile_staff, token):
    commitment = cl0050()
    milestone = commitment.milestones.get(order=4)
    response = patch(client, milestone_url(milestone), {
        "version": commitment.version, "status": Completion.COMPLETE, "start_date": "2017-01-15",
        "end_date": "2018-06-30", "completed_on": "2018-06-29", "evidence_url": "https://www.ogp.gob.cl/reportes",
        "note": "Both follow-up reports are online",
        "change_evidence_url": "https://www.ogp.gob.cl/reportes/2018"}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == milestone.pk and body["commitment"] == "CL0050"
    assert body["version"] == commitment.version + 1
    assert body["commitment_url"].endswith(URL)
    milestone.refresh_from_db()
    assert (milestone.status, str(milestone.start_date), str(milestone.end_date), milestone.evidence_url) == (
        Completion.COMPLETE, "2017-01-15", "2018-06-30", "https://www.ogp.gob.cl/reportes")
    assert str(milestone.completed_on) == body["completed_on"] == "2018-06-29"
    assert cl0050().version == commitment.version + 1
    record = milestone.history.latest("history_date")
    assert (record.history_change_reason, record.history_user) == ("Both follow-up reports are online",
                                                                   chile_staff)
    assert record.history_evidence_url == "https://www.ogp.gob.cl/reportes/2018"
    assert "Both follow-up reports are online" in client.get("/commitments/CL0050/").content.decode()
    assert "Both follow-up reports are online" in client.get("/feed/").content.decode()


def test_a_date_met_for_a_milestone_not_complete_is_refused_naming_it(client, token):
    commitment = cl0050()
    milestone = commitment.milestones.exclude(status=Completion.COMPLETE).first()
    for body in ({"completed_on": "2018-01-10"},
                 {"status": Completion.SUBSTANTIAL, "completed_on": "2018-01-10"}):
        response = patch(client, milestone_url(milestone),
                         {"version": commitment.version, "note": "Met in January", **body}, token)
        assert response.status_code == 400, body
        assert "complete" in response.json()["errors"]["completed_on"][0]
    milestone.refresh_from_db()
    assert milestone.completed_on is None and cl0050().version == commitment.version
    # With the status that has one, the date sent is the one kept.
    response = patch(client, milestone_url(milestone), {"version": commitment.version, "note": "Met",
                                                        "status": Completion.COMPLETE,
                                                        "completed_on": "2018-01-10"}, token)
    assert response.status_code == 200 and response.json()["completed_on"] == "2018-01-10"


# The date met (services.with_completion): never a day the client did not send, unless today lies within
# the plan's period (CL0050's plan runs 2016 to 2018).

def test_a_milestone_of_a_past_plan_made_complete_needs_its_date_met(client, token):
    commitment = cl0050()
    milestone = commitment.milestones.exclude(status=Completion.COMPLETE).first()
    response = patch(client, milestone_url(milestone), {"version": commitment.version, "note": "Met",
                                                        "status": Completion.COMPLETE}, token)
    assert response.status_code == 400
    reason = response.json()["errors"]["completed_on"][0]
    assert "2016-01-01 to 2018-12-31" in reason and timezone.localdate().isoformat() in reason
    assert Milestone.objects.get(pk=milestone.pk).status == milestone.status
    assert cl0050().version == commitment.version


def test_a_milestone_of_a_running_plan_made_complete_is_met_today_unless_a_date_is_sent(client, token):
    commitment = cl0050()
    today = timezone.localdate()
    ActionPlan.objects.filter(pk=commitment.action_plan_id).update(submission_year=today.year - 1,
                                                                  end_year=today.year + 1)
    first, second = commitment.milestones.exclude(status=Completion.COMPLETE)[:2]
    response = patch(client, milestone_url(first), {"version": commitment.version, "note": "Met",
                                                    "status": Completion.COMPLETE}, token)
    assert response.status_code == 200 and response.json()["completed_on"] == today.isoformat()
    response = patch(client, milestone_url(second), {"version": commitment.version + 1, "note": "Met",
                                                     "status": Completion.COMPLETE,
                                                     "completed_on": f"{today.year - 1}-03-04"}, token)
    assert response.status_code == 200 and response.json()["completed_on"] == f"{today.year - 1}-03-04"


def test_a_superuser_writes_any_members_commitment(client, chile, superuser):
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "status": other_status(commitment.status),
                                   "note": "Corrected by the support desk"}, token_for(superuser))
    assert response.status_code == 200


def test_hostile_note_is_stored_as_text_and_breaks_no_page_or_feed(client, token):
    note = "<script>alert('x')</script> & ]]> «ñandú» \t tab"
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "status": other_status(commitment.status),
                                   "note": note}, token)
    assert response.status_code == 200
    page = client.get("/commitments/CL0050/").content.decode()
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    feed = client.get("/commitments/CL0050/feed/")
    entries = ElementTree.fromstring(feed.content).iter("{http://www.w3.org/2005/Atom}entry")
    assert any(note.strip() in ElementTree.tostring(entry, encoding="unicode", method="text")
               for entry in entries)


def test_the_token_records_when_it_was_last_used(client, chile_staff, token):
    assert APIToken.objects.get(user=chile_staff).last_used_at is None
    commitment = cl0050()
    patch(client, URL, {"version": commitment.version, "status": other_status(commitment.status),
                        "note": "Used"}, token)
    assert APIToken.objects.get(user=chile_staff).last_used_at is not None


def test_reads_stay_public_without_a_token(client, token):
    assert client.get(URL).status_code == 200


# --- 401, 403, 404 ------------------------------------------------------------------------------------


BAD_HEADERS = [None, "Bearer ogpt_unknown-token", "Bearer", "Bearer  ", "Token abc", "Basic c3RhZmY6cHc=",
               "Bearer two words", "Bearer caf\u00e9"]


def test_without_a_valid_token_a_write_is_401_with_the_bearer_challenge(client, chile_staff):
    before = state(cl0050())
    for header in BAD_HEADERS:  # one test, not one per header: each would load the seed again
        headers = {"Authorization": header} if header is not None else {}
        body = json.dumps({"version": before[0], "status": "inactive", "note": "x"})
        response = client.patch(URL, data=body, content_type=JSON, headers=headers)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == "Bearer", header
        assert response.json()["detail"], header
    assert state(cl0050()) == before


def test_a_revoked_token_is_401(client, chile_staff):
    secret = token_for(chile_staff)
    APIToken.objects.get(user=chile_staff).revoke()
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "status": "inactive", "note": "x"}, secret)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_the_token_of_a_deactivated_user_is_401(client, chile_staff, token):
    chile_staff.is_active = False
    chile_staff.save()
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "status": "inactive", "note": "x"}, token)
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["other_staff", "reviewer"])
def test_staff_of_another_member_and_reviewers_get_403(client, role, user_in_role):
    commitment = cl0050()
    before = state(commitment)
    secret = token_for(user_in_role(role))
    response = patch(client, URL, {"version": commitment.version, "status": other_status(commitment.status),
                                   "note": "Not mine"}, secret)
    assert response.status_code == 403
    assert "Chile" in response.json()["detail"]
    milestone = commitment.milestones.get(order=1)
    response = patch(client, milestone_url(milestone), {"version": commitment.version, "status": "complete",
                                                        "note": "Not mine"}, secret)
    assert response.status_code == 403
    assert state(cl0050()) == before


def test_staff_who_lost_their_membership_get_403_with_their_old_token(client, chile_staff, token):
    chile_staff.staff_memberships.all().delete()
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "status": "inactive", "note": "x"}, token)
    assert response.status_code == 403


def test_unknown_commitment_or_milestone_is_404(client, token):
    assert patch(client, "/api/v1/commitments/ZZ9999/", {"version": 1}, token).status_code == 404
    assert patch(client, "/api/v1/milestones/999999/", {"version": 1}, token).status_code == 404


# --- 409 ----------------------------------------------------------------------------------------------


def test_a_stale_version_is_409_with_what_changed_meanwhile(client, chile_staff, token):
    commitment = cl0050()
    read = client.get(URL).json()["version"]
    first = patch(client, URL, {"version": read, "status": other_status(commitment.status),
                                "note": "The first client's reason"}, token)
    assert first.status_code == 200
    before = state(cl0050())
    milestone = commitment.milestones.get(order=2)
    writes = [(URL, {"status": commitment.status}), (milestone_url(milestone), {"status": "complete"})]
    for url, body in writes:
        response = patch(client, url, {"version": read, "note": "The second client's reason", **body}, token)
        assert response.status_code == 409
        conflict = response.json()
        assert conflict["version"] == read + 1
        assert "version" in conflict["errors"]
        assert [change["note"] for change in conflict["changes"]] == ["The first client's reason"]
        assert conflict["changes"][0]["changes"][0]["label"]
    assert state(cl0050()) == before


def test_a_version_never_reached_is_400(client, token):
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version + 5, "status": "inactive", "note": "x"},
                     token)
    assert response.status_code == 400 and "version" in response.json()["errors"]


# --- 400 ----------------------------------------------------------------------------------------------

OTHER = "the other status"  # replaced by the status CL0050 does not have
BAD_COMMITMENT_BODIES = [
    ({"status": OTHER}, "note"),
    ({"status": OTHER, "note": "   "}, "note"),
    ({"status": OTHER, "note": "a" * 301}, "note"),
    ({"status": OTHER, "note": "Null \x00 inside"}, "note"),
    ({"status": OTHER, "note": "Bell \x07"}, "note"),
    ({"status": OTHER, "note": 12}, "note"),
    ({"status": "finished", "note": "x"}, "status"),
    ({"status": 1, "note": "x"}, "status"),
    ({"status": ["active"], "note": "x"}, "status"),
    ({"start_date": "2020-02-30", "note": "x"}, "start_date"),
    ({"start_date": "30/01/2020", "note": "x"}, "start_date"),
    ({"start_date": 20200130, "note": "x"}, "start_date"),
    ({"end_date": "2020-01-01T10:00:00", "note": "x"}, "end_date"),
    ({"start_date": "2019-01-01", "end_date": "2018-01-01", "note": "x"}, "end_date"),
    ({"title": "A new title", "note": "x"}, "title"),
    ({"evidence": "https://example.org", "note": "x"}, "evidence"),
    ({"starred": True, "note": "x"}, "starred"),
    ({"carried_forward": "yes", "note": "x"}, "carried_forward"),
    ({"end_of_term_completion": "complete", "note": "x"}, "end_of_term_completion"),
    ({"completion": "complete", "note": "x"}, "completion"),
    ({"ogp_extra": {"Max star": "1"}, "note": "x"}, "ogp_extra"),
    ({"Max star": "1", "note": "x"}, "Max star"),
    ({"continues": "CL0001", "note": "x"}, "continues"),
    ({"status": OTHER, "note": "x", "evidence_url": "javascript:alert(1)"}, "evidence_url"),
    ({"status": OTHER, "note": "x", "evidence_url": "https://example.org/" + "a" * 2000}, "evidence_url"),
    ({"status": OTHER, "note": "x", "evidence_url": 5}, "evidence_url"),
]


def assert_refused(client, url, token, cases, version):
    """Each (body, field) is a 400 naming the field, with a reason, and writes nothing."""
    commitment = cl0050()
    before = state(commitment)
    for body, field in cases:
        if body.get("status") == OTHER:
            body = {**body, "status": other_status(commitment.status)}
        response = patch(client, url, {"version": version, **body}, token)
        assert response.status_code == 400, (body, response.content)
        answer = response.json()
        assert field in answer["errors"] and answer["detail"], (body, answer)
        assert all(isinstance(reason, str) and reason for reason in answer["errors"][field]), body
    assert state(cl0050()) == before


def test_a_bad_commitment_body_is_400_naming_the_field_and_changes_nothing(client, token):
    assert_refused(client, URL, token, BAD_COMMITMENT_BODIES, cl0050().version)


def test_irm_fields_are_refused_as_the_irms(client, token):
    commitment = cl0050()
    response = patch(client, URL, {"version": commitment.version, "starred": True, "note": "x"}, token)
    assert "IRM" in response.json()["errors"]["starred"][0]


BAD_MILESTONE_BODIES = [
    ({"status": "complete", "completed_on": "2018-01-10"}, "note"),
    ({"status": "done", "note": "x"}, "status"),
    ({"evidence_url": "javascript:alert(1)", "note": "x"}, "evidence_url"),
    ({"evidence_url": "ftp://files.example.org/report.pdf", "note": "x"}, "evidence_url"),
    ({"evidence_url": "data:text/html,<b>x</b>", "note": "x"}, "evidence_url"),
    ({"evidence_url": "https://example.org/\x01", "note": "x"}, "evidence_url"),
    ({"evidence_url": "https://example.org/" + "a" * 500, "note": "x"}, "evidence_url"),
    ({"evidence_url": ["https://example.org"], "note": "x"}, "evidence_url"),
    ({"end_date": "not a date", "note": "x"}, "end_date"),
    ({"start_date": "2019-01-01", "end_date": "2018-01-01", "note": "x"}, "end_date"),
    ({"text": "New text", "note": "x"}, "text"),
    ({"order": 1, "note": "x"}, "order"),
    ({"commitment": "CL0001", "note": "x"}, "commitment"),
    ({"status": "limited", "note": "x", "change_evidence_url": "javascript:alert(1)"}, "change_evidence_url"),
    ({"status": "complete", "completed_on": "2999-01-01", "note": "x"}, "completed_on"),
    ({"completed_on": "yesterday", "note": "x"}, "completed_on"),
]


def test_a_bad_milestone_body_is_400_naming_the_field_and_changes_nothing(client, token):
    commitment = cl0050()
    url = milestone_url(commitment.milestones.get(order=3))
    assert_refused(client, url, token, BAD_MILESTONE_BODIES, commitment.version)


MALFORMED = [
    ('{"version": 1, "status": "inactive", "note": "x"', "body"),
    ("[1, 2]", "body"),
    ('"a string"', "body"),
    ("null", "body"),
    ('{"status": "inactive", "note": "x"}', "version"),
    ('{"version": "1", "status": "inactive", "note": "x"}', "version"),
    ('{"version": 1.0, "status": "inactive", "note": "x"}', "version"),
    ('{"version": true, "status": "inactive", "note": "x"}', "version"),
    ('{"version": 0, "status": "inactive", "note": "x"}', "version"),
    ('{"version": 99999999999999999999999, "status": "inactive", "note": "x"}', "version"),
    # Nested deeper than Python's decoder recurses: a RecursionError, not a ValueError, from json.
    ("[" * 100_000 + "]" * 100_000, "body"),
    ('{"version": 1, "note": ' + "[" * 100_000 + "]" * 100_000 + "}", "body"),
]


def test_malformed_json_and_wrong_types_are_400(client, token):
    before = state(cl0050())
    for raw, field in MALFORMED:
        response = patch(client, URL, None, token, raw=raw)
        assert response.status_code == 400, (raw, response.content)
        assert field in response.json()["errors"], raw
    assert state(cl0050()) == before


def test_a_lone_surrogate_no_database_can_store_is_400(client, token):
    commitment = cl0050()
    before = state(commitment)
    body = json.dumps({"version": commitment.version, "status": other_status(commitment.status),
                       "note": "half \ud800 a character"})
    assert "\\ud800" in body  # json.dumps escapes it, as a client's JSON would
    raw = body
    response = patch(client, URL, None, token, raw=raw)
    assert response.status_code == 400 and "note" in response.json()["errors"]
    assert state(cl0050()) == before


def test_a_body_that_changes_nothing_is_400(client, token):
    commitment = cl0050()
    before = state(commitment)
    response = patch(client, URL, {"version": commitment.version, "status": commitment.status,
                                   "note": "Same"}, token)
    assert response.status_code == 400 and "Nothing was changed" in json.dumps(response.json())
    assert state(cl0050()) == before


def test_a_form_encoded_body_is_refused_as_unsupported(client, token):
    commitment = cl0050()
    response = client.patch(URL, data=f"version={commitment.version}&status=inactive&note=x",
                            content_type="application/x-www-form-urlencoded",
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 415
    assert cl0050().version == commitment.version


def test_errors_answer_in_the_callers_language(client, token):
    commitment = cl0050()
    body = {"version": commitment.version, "status": other_status(commitment.status)}
    response = client.patch(URL, data=json.dumps(body),
                            content_type=JSON, headers={"Authorization": f"Bearer {token}",
                                                        "Accept-Language": "es"})
    assert response.status_code == 400
    with translation.override("es"):
        assert response.json()["errors"]["note"] == [str(services.NOTE_REQUIRED_MESSAGE)]
    assert response.json()["errors"]["note"][0].startswith("Escriba una breve nota")


# --- The schema -------------------------------------------------------------------------------------


def test_the_schema_describes_the_patch_bodies_and_the_bearer_scheme(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"]}
    for path, body in [("/api/v1/commitments/{identifier}/", "PatchedCommitmentPatch"),
                       ("/api/v1/milestones/{id}/", "PatchedMilestonePatch")]:
        operation = schema["paths"][path]["patch"]
        assert {"bearerAuth": []} in operation["security"]
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert reference.endswith(body)
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    properties = schema["components"]["schemas"]["PatchedMilestonePatch"]["properties"]
    assert {"version", "note", "status", "start_date", "end_date", "evidence_url"} <= set(properties)
    assert set(schema["components"]["schemas"]["PatchedCommitmentPatch"]["properties"]) >= {
        "version", "note", "status", "start_date", "end_date"}


# --- Two clients, one version ---------------------------------------------------------------------


CLIENTS = 6


def api_request(port, method, path, *, token=None, body=None):
    """(status, parsed JSON) of one request to the running app, as a script sends it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read().decode() or "null")
    finally:
        conn.close()


def test_concurrent_writes_of_one_version_give_one_200_and_the_rest_409(chile_staff, app_server, tmp_path):
    commitment = cl0050()
    version, new_status = commitment.version, other_status(commitment.status)
    tokens = [token_for(chile_staff, f"client {number}") for number in range(CLIENTS)]
    port = app_server()
    everyone_has_read = threading.Barrier(CLIENTS)
    results = [None] * CLIENTS

    def client(number):
        status, detail = api_request(port, "GET", URL)
        assert status == 200 and detail["version"] == version
        everyone_has_read.wait(timeout=120)
        results[number] = api_request(port, "PATCH", URL, token=tokens[number], body={
            "version": version, "status": new_status, "note": f"Concurrent client {number}"})

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert all(results), server_log(tmp_path)
    assert sorted(status for status, _body in results) == [200] + [409] * (CLIENTS - 1), server_log(tmp_path)
    winner = next(number for number, (status, _body) in enumerate(results) if status == 200)
    assert results[winner][1]["version"] == version + 1
    for status, body in results:
        if status == 409:
            assert body["version"] == version + 1
            assert [change["note"] for change in body["changes"]] == [f"Concurrent client {winner}"]
    # Read from the running app: on SQLite it writes to its own copy of the test database.
    assert api_request(port, "GET", URL)[1]["version"] == version + 1
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/commitments/CL0050/feed/")
    feed = conn.getresponse().read().decode()
    conn.close()
    assert [f"Concurrent client {number}" in feed for number in range(CLIENTS)] == [
        number == winner for number in range(CLIENTS)]
    assert "Traceback" not in server_log(tmp_path)


# --- The schema's contract, property-based ---------------------------------------------------------


@pytest.fixture
def application():
    """The WSGI application, its requests inside the test's transaction (as Django's test client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_patch_bodies_keep_the_schema(superuser, chile, application):
    """Bodies generated from /api/v1/schema/, valid and invalid, with a token that may write: no 500,
    a documented status, a body that fits the schema for it, and never a write without its note."""
    schema = from_wsgi("/api/v1/schema/", application)
    writes = {result.ok().path: result.ok() for result in schema.get_all_operations()
              if result.ok().method.upper() == "PATCH"}
    assert set(writes) == {"/api/v1/commitments/{identifier}/", "/api/v1/milestones/{id}/"}
    headers = {"Authorization": f"Bearer {token_for(superuser)}"}
    commitment = cl0050()
    targets = {"/api/v1/commitments/{identifier}/": {"identifier": "CL0050"},
               "/api/v1/milestones/{id}/": {"id": commitment.milestones.get(order=1).pk}}
    seen = set()
    for path, operation in writes.items():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(mode, path_parameters=targets[path], headers=headers))
            @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def check(case):
                response = case.call(headers=UNCOMPRESSED)
                seen.add(response.status_code)
                case.validate_response(response, checks=CONTRACT_CHECKS)

            check()
    assert 400 in seen
    # Whatever was accepted was recorded with its note: no history record of CL0050 without one.
    records = Commitment.history.filter(id=commitment.pk).exclude(version=commitment.version)
    assert all(record.history_change_reason for record in records if record.history_type == "~")


def test_writes_cost_a_bounded_number_of_queries(client, token, django_assert_max_num_queries):
    """A write's queries do not grow with the commitment's milestones or history (the PATCH of a
    commitment adds the GET's own, pinned with the read API)."""
    commitment = cl0050()
    milestone = commitment.milestones.get(order=1)
    for number, status in enumerate(["limited", "substantial", "complete"]):
        with django_assert_max_num_queries(QUERIES_MILESTONE_WRITE):
            response = patch(client, milestone_url(milestone), {
                "version": commitment.version + number, "status": status, "note": f"Step {number}",
                **({"completed_on": "2018-05-02"} if status == "complete" else {})}, token)
        assert response.status_code == 200
    with django_assert_max_num_queries(QUERIES_REFUSED):
        assert patch(client, URL, {"version": 1, "bogus": 1}, token).status_code == 400
