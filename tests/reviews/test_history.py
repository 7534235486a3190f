"""The history of IRM reports: every change and the deletion recorded, so a report can be restored."""

from django.test import Client

from commitments.models import Commitment
from reviews.models import IRMReport
from tests.html_forms import form_data


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
