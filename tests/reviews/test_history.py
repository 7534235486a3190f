"""The history of IRM reports: every change and the deletion recorded, so a report can be restored."""

import datetime

from django.test import Client
from django.utils import timezone

from commitments.models import STORED_RATING_FIELDS, Commitment
from reviews.models import Assessment, IRMReport
from tests.commitments.factories import CommitmentFactory
from tests.html_forms import form_data
from tests.reviews.factories import AssessmentFactory


def test_a_report_changed_and_deleted_by_a_reviewer_is_kept_in_its_history(chile, reviewer):
    report = IRMReport.objects.get(action_plan=Commitment.objects.get(identifier="CL0050").action_plan,
                                   kind="end-of-term")
    client = Client()
    client.force_login(reviewer)
    url = f"/admin/reviews/irmreport/{report.pk}/change/"
    data = form_data(client.get(url).content.decode(), "irmreport_form")
    data["researcher"] = "Andrea Sanhueza"
    assert client.post(url, data).status_code == 302
    assert client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 302
    assert not IRMReport.objects.filter(pk=report.pk).exists()

    changed, removed = IRMReport.history.filter(id=report.pk).order_by("history_date")
    assert changed.history_type == "~" and changed.history_user == reviewer
    assert changed.researcher == "Andrea Sanhueza"
    assert removed.history_type == "-" and removed.history_user == reviewer
    # Everything needed to restore it is there.
    restored = removed.instance
    restored.save()
    assert IRMReport.objects.get(pk=report.pk).title == report.title
    assert IRMReport.objects.get(pk=report.pk).researcher == "Andrea Sanhueza"


def test_a_reviewer_restores_a_deleted_report_from_its_history_page(chile, reviewer):
    report = IRMReport.objects.get(action_plan=Commitment.objects.get(identifier="CL0050").action_plan,
                                   kind="end-of-term")
    client = Client()
    client.force_login(reviewer)
    assert client.post(f"/admin/reviews/irmreport/{report.pk}/delete/", {"post": "yes"}).status_code == 302

    history_page = client.get(f"/admin/reviews/irmreport/{report.pk}/history/")
    assert history_page.status_code == 200
    assert report.title in history_page.content.decode()
    # The deletion's record holds the report as it was when it was deleted.
    removed = IRMReport.history.get(id=report.pk, history_type="-")
    version_url = f"/admin/reviews/irmreport/{report.pk}/history/{removed.history_id}/"
    data = form_data(client.get(version_url).content.decode(), "historicalirmreport_form")
    assert client.post(version_url, data).status_code == 302

    restored = IRMReport.objects.get(pk=report.pk)
    assert (restored.title, restored.kind, restored.url) == (report.title, report.kind, report.url)


def stored_ratings():
    return sorted(Commitment.objects.values_list("identifier", *STORED_RATING_FIELDS))


def findings(report):
    return sorted(Assessment.objects.filter(report=report).values_list(
        "pk", "commitment__identifier", "completion", "did_it_open_government", "starred"))


def test_restoring_a_deleted_report_brings_back_the_findings_deleted_with_it(chile, reviewer):
    cl0050 = Commitment.objects.get(identifier="CL0050")
    report = IRMReport.objects.get(action_plan=cl0050.action_plan, kind="end-of-term")
    for number in (1, 2):
        commitment = CommitmentFactory(action_plan=cl0050.action_plan, identifier=f"CL010{number}")
        AssessmentFactory(report=report, commitment=commitment, completion="substantial", starred=True)
    before = findings(report)
    stored_before = stored_ratings()
    assert before and "CL0050" in {row[1] for row in before}
    client = Client()
    client.force_login(reviewer)
    # One assessment deleted on its own an hour before the report: that one stays deleted.
    alone = Assessment.objects.filter(report=report).exclude(commitment=cl0050).first()
    alone.delete()
    Assessment.history.filter(id=alone.pk, history_type="-").update(
        history_date=timezone.now() - datetime.timedelta(hours=1))
    assert client.post(f"/admin/reviews/irmreport/{report.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Assessment.objects.filter(report_id=report.pk).exists()
    assert stored_ratings() != stored_before

    removed = IRMReport.history.get(id=report.pk, history_type="-")
    version_url = f"/admin/reviews/irmreport/{report.pk}/history/{removed.history_id}/"
    data = form_data(client.get(version_url).content.decode(), "historicalirmreport_form")
    assert client.post(version_url, data).status_code == 302

    assert findings(report) == [row for row in before if row[0] != alone.pk]
    # The ratings stored on the commitments (what their pages, the list and the exports read) follow.
    assert stored_ratings() == stored_before


def test_the_secretariat_cannot_bring_back_a_report(chile, reviewer, chile_staff):
    report = IRMReport.objects.get(action_plan=Commitment.objects.get(identifier="CL0050").action_plan,
                                   kind="end-of-term")
    irm = Client()
    irm.force_login(reviewer)
    irm.post(f"/admin/reviews/irmreport/{report.pk}/delete/", {"post": "yes"})
    removed = IRMReport.history.get(id=report.pk, history_type="-")
    secretariat = Client()
    secretariat.force_login(chile_staff)

    response = secretariat.post(f"/admin/reviews/irmreport/{report.pk}/history/{removed.history_id}/",
                                {"title": report.title, "kind": report.kind})

    assert response.status_code in (302, 403)  # to the sign-in page, or refused
    assert not IRMReport.objects.filter(pk=report.pk).exists()
