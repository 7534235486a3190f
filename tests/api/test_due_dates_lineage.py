"""The API carries issue 15's data as the commitment page shows it: each milestone's date met,
overdue flag and reschedulings, the lineage both ways, and each change's evidence link."""

import datetime

import pytest

from commitments import services
from commitments.models import Commitment, Milestone
from reviews.scales import Completion

DECREE = "https://www.bcn.cl/leychile/navegar?idNorma=1096463"


def _milestone_change(user, milestone, note, evidence_url="", **data):
    commitment = milestone.commitment
    services.commitment_update(
        commitment=commitment, user=user, data={}, note="", expected_version=commitment.version,
        milestones=[services.MilestoneChange(milestone=milestone, data=data, note=note,
                                             evidence_url=evidence_url)])


@pytest.mark.django_db
def test_the_detail_gives_due_dates_reschedulings_lineage_and_evidence(client, chile, chile_staff):
    commitment = Commitment.objects.get(identifier="CL0050")
    first, late = commitment.milestones.exclude(status=Completion.COMPLETE).order_by("order")[:2]
    # A planned date first (its history baseline is recorded at the first change), then two moves.
    Milestone.objects.filter(pk=late.pk).update(end_date=datetime.date(2019, 12, 31))
    _milestone_change(chile_staff, first, "Met at last", DECREE, status=Completion.COMPLETE,
                      completed_on=datetime.date(2018, 6, 29))
    for moved in (datetime.date(2020, 1, 31), datetime.date(2020, 2, 29)):
        _milestone_change(chile_staff, Milestone.objects.get(pk=late.pk), "Rescheduled", end_date=moved)
    other = Commitment.objects.exclude(pk=commitment.pk).filter(action_plan__member__slug="chile").first()
    Commitment.objects.filter(pk=other.pk).update(continues=commitment)

    body = client.get("/api/v1/commitments/CL0050/").json()
    milestones = {m["id"]: m for m in body["milestones"]}
    assert milestones[first.pk]["completed_on"] is not None
    assert milestones[first.pk]["overdue"] is False
    assert milestones[late.pk]["overdue"] is True and milestones[late.pk]["reschedule_count"] == 2
    assert milestones[late.pk]["end_date"] == "2020-02-29"
    assert [step["identifier"] for step in body["lineage"]["continued_in"]] == [other.identifier]
    assert body["lineage"]["continued_in"][0]["url"].endswith(f"/commitments/{other.identifier}/")
    assert client.get(f"/api/v1/commitments/{other.identifier}/").json()["lineage"]["continues"][0][
        "identifier"] == "CL0050"

    history = client.get("/api/v1/commitments/CL0050/history/").json()
    entries = history["results"] if isinstance(history, dict) else history
    assert any(entry["note"] == "Met at last" and entry["evidence_url"] == DECREE for entry in entries)
    changes = client.get("/api/v1/changes/").json()
    entries = changes["results"] if isinstance(changes, dict) else changes
    assert any(entry["evidence_url"] == DECREE for entry in entries)
