"""Evidence on every change (issue 15.4): a link beside each note, on the edit page and the admin,
kept on the history record, shown in the timeline and the feeds; hostile links refused, odd stored
ones harmless."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from commitments import services
from commitments.models import Commitment, Milestone
from reviews.scales import Completion
from tests.html_forms import form_data

EDIT_URL = "/commitments/CL0050/edit/"
PAGE = "/commitments/CL0050/"
FEED = "/commitments/CL0050/feed/"
ATOM = "{http://www.w3.org/2005/Atom}"
REPORT = "https://www.ogp.gob.cl/reportes/segundo-informe.pdf"
DECREE = "https://www.bcn.cl/leychile/navegar?idNorma=1096463"


@pytest.fixture
def staff(client, chile_staff):
    client.force_login(chile_staff)
    return client


def _key(order, name):
    return f"milestone-{Milestone.objects.get(commitment__identifier='CL0050', order=order).pk}-{name}"


def _form(client):
    return form_data(client.get(EDIT_URL).content.decode(), "commitment-edit-form")


def _post_milestone_change(client, evidence, **commitment):
    data = _form(client)
    data[_key(4, "status")] = Completion.COMPLETE
    data[_key(4, "completed_on")] = "2018-06-29"  # the plan ended in 2018: asked for (with_completion)
    data[_key(4, "note")] = "Second follow-up report published"
    data[_key(4, "change_evidence_url")] = evidence
    data.update(commitment)
    return client.post(EDIT_URL, data)


def _feed_entries(client):
    feed = ET.fromstring(client.get(FEED).content)
    return feed.findall(f"{ATOM}entry")


def test_evidence_beside_each_note_is_kept_and_shown_in_timeline_and_feed(staff):
    response = _post_milestone_change(staff, REPORT, status=Commitment.Status.ACTIVE,
                                      note="Reopened by decree", change_evidence_url=DECREE)
    assert response.status_code == 302
    milestone_record = Milestone.history.filter(order=4, commitment_id=Commitment.objects.get(
        identifier="CL0050").pk).latest("history_date")
    assert milestone_record.history_evidence_url == REPORT
    commitment_record = Commitment.history.filter(identifier="CL0050").latest("history_date")
    assert commitment_record.history_evidence_url == DECREE

    page = staff.get(PAGE).content.decode()
    assert f'<a href="{REPORT}" rel="nofollow noopener">Evidence for this change</a>' in page
    assert f'<a href="{DECREE.replace("&", "&amp;")}" rel="nofollow noopener">' in page
    spanish = staff.get(PAGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Evidencia de este cambio" in spanish

    entries = _feed_entries(staff)
    related = {link.get("href") for entry in entries for link in entry.findall(f"{ATOM}link")
               if link.get("rel") == "related"}
    assert related == {REPORT, DECREE}
    summaries = [entry.find(f"{ATOM}summary").text for entry in entries]
    assert any(f"Evidence: {REPORT}" in summary for summary in summaries)


def test_a_change_without_evidence_has_no_evidence_link(staff):
    assert _post_milestone_change(staff, "").status_code == 302
    assert "Evidence for this change" not in staff.get(PAGE).content.decode()
    entries = _feed_entries(staff)
    assert entries and not [link for entry in entries for link in entry.findall(f"{ATOM}link")
                            if link.get("rel") == "related"]


@pytest.mark.parametrize("hostile", [
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "https://example.org/\x00report",
    "https://example.org/\x1breport",
    "ftp://files.example.org/report.pdf",
    "https://example.org/" + "a" * 2000,
])
def test_hostile_evidence_is_refused_with_a_form_error_and_nothing_is_saved(staff, hostile):
    before = Milestone.objects.get(commitment__identifier="CL0050", order=4).status
    version = Commitment.objects.get(identifier="CL0050").version
    response = _post_milestone_change(staff, hostile)
    assert response.status_code == 400
    body = response.content.decode()
    assert ("A link must start with http:// or https://." in body or "Enter a valid URL." in body
            or "Ensure this value has at most 1000 characters" in body)
    assert Milestone.objects.get(commitment__identifier="CL0050", order=4).status == before
    assert Commitment.objects.get(identifier="CL0050").version == version


def test_the_service_refuses_a_bad_evidence_link_on_the_field(chile, chile_staff):
    commitment = Commitment.objects.get(identifier="CL0050")
    milestone = commitment.milestones.get(order=4)
    change = services.MilestoneChange(milestone=milestone,
                                      data={"status": Completion.COMPLETE, "completed_on": date(2018, 6, 29)},
                                      note="Done", evidence_url="javascript:alert(1)")
    with pytest.raises(ValidationError) as refused:
        services.commitment_update(commitment=commitment, user=chile_staff, data={"status": "active"},
                                   note="Reopened", expected_version=commitment.version, milestones=[change],
                                   evidence_url="data:text/html,hi")
    assert set(refused.value.message_dict) == {"change_evidence_url",
                                               f"milestone-{milestone.pk}-change_evidence_url"}
    milestone.refresh_from_db()
    assert milestone.status == Completion.LIMITED


def test_a_stored_odd_evidence_link_breaks_no_page_or_feed(staff):
    assert _post_milestone_change(staff, REPORT).status_code == 302
    # Written past the validators (a restore, a bulk write): markup, a script link, a control character.
    Milestone.history.filter(history_evidence_url=REPORT).update(
        history_evidence_url='javascript:alert("x")<script>\x0b')
    page = staff.get(PAGE)
    assert page.status_code == 200
    assert "javascript:" not in page.content.decode() and "<script>" not in page.content.decode()
    feed = staff.get(FEED)
    assert feed.status_code == 200
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    assert entries and "javascript:" not in feed.content.decode()


def test_admin_change_carries_its_evidence_into_the_history(chile, staff_client):
    cl0050 = Commitment.objects.get(identifier="CL0050")
    url = f"/admin/commitments/commitment/{cl0050.pk}/change/"
    data = form_data(staff_client.get(url).content.decode(), form_id="commitment_form")
    data["milestones-3-status"] = Completion.COMPLETE
    data["milestones-3-completed_on"] = "2018-06-29"
    data["change_note"] = "Second follow-up report published"
    data["change_evidence_url"] = REPORT
    assert staff_client.post(url, data).status_code == 302
    record = Milestone.history.filter(commitment_id=cl0050.pk, order=4).latest("history_date")
    assert record.history_evidence_url == REPORT
    assert str(Milestone.objects.get(pk=record.id).completed_on) == "2018-06-29"

    data = form_data(staff_client.get(url).content.decode(), form_id="commitment_form")
    data["change_note"] = "Retitled"
    data["change_evidence_url"] = "javascript:alert(1)"
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "A link must start with http:// or https://." in response.content.decode()
