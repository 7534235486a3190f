"""One edit rule, whichever way an edit comes: the staff page, the API, the bulk update and the admin.

The version is decided once (services.check_version: its wording and its status), a hand edit of a
date drops the import's spelling of the old one on every path (services.forget_spellings), and the
IRM's findings are refused alike by every tool of the secretariat (permissions.IRM_NAMES).
"""

import csv
import datetime
import html
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import APIToken
from commitments import bulk, permissions, services
from commitments.models import Commitment, StaffMembership
from tests.html_forms import form_data

EDIT_URL = "/commitments/CL0050/edit/"
API_URL = "/api/v1/commitments/CL0050/"
BULK_URL = "/staff/chile/updates/"


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


def admin_url(commitment):
    return f"/admin/commitments/commitment/{commitment.pk}/change/"


def other_status(commitment):
    inactive = commitment.status == Commitment.Status.INACTIVE
    return Commitment.Status.ACTIVE if inactive else Commitment.Status.INACTIVE


def text(response) -> str:
    return html.unescape(response.content.decode())


# Each path: an edit of CL0050's status, sent with the version given (as text, as each medium
# carries it); the status of the answer and the text its user reads.

def staff_page(client, user, version):
    client.force_login(user)
    data = form_data(client.get(EDIT_URL).content.decode(), "commitment-edit-form")
    data.update(status=other_status(cl0050()), note="Reopened", version=version)
    response = client.post(EDIT_URL, data)
    return response.status_code, text(response)


def api(client, user, version):
    token = APIToken.objects.issue(user=user, name="script")[1]
    body = {"status": other_status(cl0050()), "note": "Reopened", "version": int(version)}
    response = client.patch(API_URL, data=json.dumps(body), content_type="application/json",
                            headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.dumps(response.json(), ensure_ascii=False)


def bulk_file(*rows, header=bulk.COLUMNS) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    writer.writerows(rows)
    return output.getvalue().encode()


def commitment_row(**cells) -> list:
    """A row of CL0050 in the bulk file's columns, by name (the columns' order is the file's)."""
    cells = {"identifier": "CL0050", "note": "Reopened", **cells}
    return [cells.get(name, "") for name in bulk.COLUMNS]


def bulk_update(client, user, version):
    client.force_login(user)
    row = commitment_row(status=other_status(cl0050()), version=version)
    response = client.post(BULK_URL, {"file": SimpleUploadedFile("updates.csv", bulk_file(row))})
    return response.status_code, " ".join(refusal.reason for refusal in response.context["check"].refusals)


def admin(client, user, version):
    client.force_login(user)
    url = admin_url(cl0050())
    data = form_data(client.get(url).content.decode(), "commitment_form")
    data.update(status=other_status(cl0050()), change_note="Reopened", expected_version=version)
    response = client.post(url, data)
    return response.status_code, text(response)


# What each medium shows of the service's refusal: the staff page and the admin its message (above
# the form, with what changed meanwhile when stale), the API both (detail, and the reason under
# "version"), a refused row of the bulk file the sentence about its version.
PATHS = {"staff page": (staff_page, ("message",)), "API": (api, ("message", "detail")),
         "bulk update": (bulk_update, ("detail",)), "admin": (admin, ("message",))}


def saved_by_someone_else(user):
    commitment = cl0050()
    services.commitment_update(commitment=commitment, user=user, data={"status": other_status(commitment)},
                               note="Saved by someone else", expected_version=commitment.version)


@pytest.mark.parametrize("path", PATHS)
def test_a_stale_version_is_refused_with_the_services_wording_and_409_on_every_path(
        path, client, chile_staff, superuser):
    read = cl0050().version
    saved_by_someone_else(superuser)
    with pytest.raises(services.StaleEdit) as expected:
        services.check_version(cl0050(), read)
    send, shown = PATHS[path]

    status, said = send(client, chile_staff, str(read))

    assert status == expected.value.status == 409
    for attribute in shown:
        assert getattr(expected.value, attribute) in said
    assert "saved by someone since version" in expected.value.detail
    assert cl0050().history.latest("history_date").history_change_reason == "Saved by someone else"


@pytest.mark.parametrize("path", PATHS)
def test_a_version_never_reached_is_refused_with_the_services_wording_and_409_on_every_path(
        path, client, chile_staff):
    before = cl0050()
    ahead = before.version + 5
    with pytest.raises(services.VersionRefused) as expected:
        services.check_version(before, ahead)
    send, shown = PATHS[path]

    status, said = send(client, chile_staff, str(ahead))

    # Well formed, so no schema refuses it: a conflict with the commitment's state, as a stale one.
    assert status == expected.value.status == 409
    assert all(getattr(expected.value, attribute) in said for attribute in shown)
    assert "No such version" in expected.value.detail
    assert (cl0050().status, cl0050().version) == (before.status, before.version)


# The API's body is JSON: a version that is not a whole number is refused as a value of the wrong type
# (its OpenAPI contract), before any version is compared.
@pytest.mark.parametrize("path", ["staff page", "bulk update", "admin"])
@pytest.mark.parametrize(("sent", "reason"), [("", "missing"), ("abc", "is not a version"),
                                              ("0", "is not a version")])
def test_a_missing_or_forged_version_is_refused_with_the_services_wording(
        path, sent, reason, client, chile_staff):
    before = cl0050()
    with pytest.raises(services.VersionRefused) as expected:
        services.check_version(before, sent)
    send, shown = PATHS[path]

    status, said = send(client, chile_staff, sent)

    assert status == expected.value.status == 400
    assert reason in expected.value.detail and expected.value.detail in said
    assert (cl0050().status, cl0050().version) == (before.status, before.version)


def test_check_version_reads_the_version_as_each_medium_carries_it(chile):
    commitment = cl0050()
    version = commitment.version
    for sent in (version, str(version), f" {version} ", float(version)):
        assert services.check_version(commitment, sent) == commitment.version
    with pytest.raises(services.VersionRefused) as refused:
        services.check_version(commitment, "x" * 500)
    assert len(refused.value.detail) < 200  # what was sent is quoted short


# --- A date edited by hand drops the import's spelling of the old one ---------------------------------

SPELLINGS = {"start_date_text": "septiembre 2016", "end_date_text": "junio 2018"}
NEW_END = datetime.date(2018, 12, 31)


def _date_by_api(client, user):
    token = APIToken.objects.issue(user=user, name="script")[1]
    body = {"end_date": NEW_END.isoformat(), "note": "As the plan's revision says",
            "version": cl0050().version}
    response = client.patch(API_URL, data=json.dumps(body), content_type="application/json",
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content


def _date_by_admin(client, user):
    client.force_login(user)
    url = admin_url(cl0050())
    data = form_data(client.get(url).content.decode(), "commitment_form")
    data.update(end_date=NEW_END.isoformat(), change_note="As the plan's revision says")
    assert client.post(url, data).status_code == 302


def _date_by_service(client, user):
    # The path of the staff page and the bulk update, whose forms offer no commitment's dates.
    commitment = cl0050()
    services.commitment_update(commitment=commitment, user=user, data={"end_date": NEW_END},
                               note="As the plan's revision says", expected_version=commitment.version)


@pytest.mark.parametrize("edit", [_date_by_api, _date_by_admin, _date_by_service],
                         ids=["API", "admin", "service"])
def test_a_new_date_drops_its_imported_spelling_on_every_path(edit, client, chile_staff):
    assert {name: getattr(cl0050(), name) for name in SPELLINGS} == SPELLINGS

    edit(client, chile_staff)

    saved = cl0050()
    assert saved.end_date == NEW_END
    # Else the export would go on writing the old date as the import spelled it.
    assert (saved.start_date_text, saved.end_date_text) == (SPELLINGS["start_date_text"], "")
    assert saved.history.latest("history_date").history_change_reason == "As the plan's revision says"


def test_the_admin_keeps_a_spelling_written_with_its_date(client, chile_staff):
    client.force_login(chile_staff)
    url = admin_url(cl0050())
    data = form_data(client.get(url).content.decode(), "commitment_form")
    data.update(end_date=NEW_END.isoformat(), end_date_text="end of 2018", change_note="Revised")
    assert client.post(url, data).status_code == 302
    assert (cl0050().end_date, cl0050().end_date_text) == (NEW_END, "end of 2018")


def test_the_staff_page_drops_the_imported_spelling_of_the_status_it_changes(client, chile_staff):
    Commitment.objects.filter(pk=cl0050().pk).update(ogp_extra={"Active Commitment": "ND", "id": "441"})
    status, _page = staff_page(client, chile_staff, str(cl0050().version))
    assert status == 302
    assert cl0050().ogp_extra == {"id": "441"}


# --- The IRM's names, refused alike by the API and the bulk file, read-only in the admin ------------

IRM = ["starred", "carried_forward", "end_of_term_completion", "completion", "Max star", "ogp_max_star"]
NOT_IRM = ["access_to_information", "ogp_id"]


@pytest.mark.parametrize("name", IRM + NOT_IRM)
def test_the_api_refuses_the_irms_names_as_the_irms(name, client, chile_staff):
    token = APIToken.objects.issue(user=chile_staff, name="script")[1]
    body = {name: "1", "note": "x", "version": cl0050().version}
    response = client.patch(API_URL, data=json.dumps(body), content_type="application/json",
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert ("IRM" in response.json()["errors"][name][0]) is (name in IRM)


@pytest.mark.parametrize("name", IRM + NOT_IRM)
def test_the_bulk_file_refuses_the_irms_columns(name, client, chile_staff):
    client.force_login(chile_staff)
    commitment = cl0050()
    row = [*commitment_row(status=other_status(commitment), version=commitment.version), "1"]
    content = bulk_file(row, header=[*bulk.COLUMNS, name])
    response = client.post(BULK_URL, {"file": SimpleUploadedFile("updates.csv", content)})
    refused = response.context["file_error"]
    assert (name in refused and "IRM" in refused) is (name in IRM)
    assert response.status_code == (400 if name in IRM else 200)


@pytest.mark.parametrize("name", ["starred", "carried_forward", "ogp_max_star"])
def test_the_admin_lets_only_reviewers_write_the_irms_fields(name, client, chile_staff, reviewer):
    writable = re.compile(rf'<(input|select)(?![^>]*disabled)[^>]*name="{name}"')
    client.force_login(chile_staff)
    assert not writable.search(client.get(admin_url(cl0050())).content.decode())
    client.force_login(reviewer)
    assert writable.search(client.get(admin_url(cl0050())).content.decode())


def test_every_irm_commitment_field_is_read_only_to_the_secretariat_in_the_admin(client, chile_staff):
    client.force_login(chile_staff)
    body = client.get(admin_url(cl0050())).content.decode()
    assert 'name="status"' in body
    for name in permissions.IRM_COMMITMENT_FIELDS:
        assert f'name="{name}"' not in body


# --- Adding, deleting, importing; the staff flag ---------------------------------------------------

@pytest.mark.parametrize(("role", "add", "delete", "imports"), [
    ("chile_staff", 200, 403, 403), ("reviewer", 403, 403, 403), ("superuser", 200, 200, 200)])
def test_the_admin_asks_permissions_to_add_delete_and_import(role, add, delete, imports, client,
                                                              user_in_role):
    client.force_login(user_in_role(role))
    assert client.get("/admin/commitments/commitment/add/").status_code == add
    assert client.get(admin_url(cl0050()).replace("change/", "delete/")).status_code == delete
    assert client.get("/admin/commitments/commitment/import/").status_code == imports
    changelist = client.get("/admin/commitments/commitment/")
    assert ("import/" in changelist.content.decode()) is (imports == 200)


def test_staff_access_is_granted_with_a_secretariat_role_only(chile, django_user_model):
    user = django_user_model.objects.create_user("someone", "", "pw")
    services.staff_access_grant(user)
    user.refresh_from_db()
    assert not user.is_staff
    StaffMembership.objects.create(user=user, member=chile)
    services.staff_access_grant(user)
    assert user.is_staff
    user.refresh_from_db()
    assert user.is_staff
