"""Hostile but permitted stored values (control characters, markup, odd identifiers, links that
are not http(s)), written straight to the database as an old import or raw SQL could: every
endpoint still answers, as JSON, and never offers a link that is not http(s)."""

import json

import pytest

from commitments.models import ActionPlan, Commitment, Institution, Member, Milestone, PolicyArea, Source
from reviews.models import Assessment, IRMReport

pytestmark = pytest.mark.django_db

# Identifiers stored before they were validated; PostgreSQL stores no NUL, so none holds one.
ODD_IDENTIFIERS = ["Z 0001", "Z/0002", "Z%03", "Z<b>4</b>", "Zé#?5", "Z\x07\u202e7"]
MARKUP = "<script>alert('x')</script> & \x01\x0b\x1f \u202e \ufffe 🙂"
ODD_PLAN = "AP_Z 1/<x>"


def hostile_rows():
    """A member, plan, report and commitments whose every text is hostile; returns the commitments."""
    member = Member.objects.create(name=f"Zeta {MARKUP}", slug="zeta", code="Z\x02", region="Europe")
    plan = ActionPlan.objects.create(member=member, number=1, ogp_id=ODD_PLAN, title=MARKUP,
                                     submission_year=2016, end_year=2018)
    institution = Institution.objects.create(name=f"Ministry {MARKUP}")
    area = PolicyArea.objects.create(name=f"Area {MARKUP}", slug="odd-area")
    report = IRMReport.objects.create(action_plan=plan, kind="end-of-term", title=MARKUP,
                                      url="javascript:alert(1)", researcher=MARKUP)
    commitments = []
    for number, identifier in enumerate(ODD_IDENTIFIERS):
        commitment = Commitment.objects.create(
            identifier=identifier, action_plan=plan, title=f"{MARKUP} {number}", short_title=MARKUP,
            description=MARKUP, problem=MARKUP, lead_institution=institution, ogp_url="javascript:alert(1)",
            start_date_text=MARKUP, access_to_information=True)
        commitment.policy_areas.set([area])
        commitment.supporting_institutions.set([institution])
        Milestone.objects.create(commitment=commitment, order=1, text=MARKUP, status="complete",
                                 evidence_url="data:text/html,<script>")
        Source.objects.create(commitment=commitment, footnote=1, text=MARKUP, url="vbscript:x")
        Assessment.objects.create(report=report, commitment=commitment, completion="substantial",
                                  narrative=MARKUP, summary=MARKUP)
        commitments.append(commitment)
    return commitments


def links_in(value):
    """Every value under a key that names a link."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("url") and isinstance(item, str):
                yield item
            else:
                yield from links_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from links_in(item)


def test_hostile_values_break_no_endpoint(client, catalogue):
    hostile_rows()
    report = IRMReport.objects.get(action_plan__ogp_id=ODD_PLAN)
    listing = client.get("/api/v1/commitments/?member=zeta&facets=member,lead_institution,policy_area,value")
    assert listing.status_code == 200
    items = listing.json()["results"]
    assert {item["identifier"] for item in items} == set(ODD_IDENTIFIERS)
    pages = [item["url"] for item in items]
    reads = [item["api_url"] for item in items] + [item["api_url"] + "history/" for item in items] + [
        "/api/v1/commitments/?q=script", "/api/v1/commitments/?cursor=&member=zeta&page_size=2",
        "/api/v1/members/", "/api/v1/members/zeta/", "/api/v1/reports/", f"/api/v1/reports/{report.pk}/",
        "/api/v1/changes/", "/api/v1/action-plans/AP_Z%201%252F%3Cx%3E/"]
    for url in pages:
        assert client.get(url).status_code == 200, url
    for url in reads:
        response = client.get(url)
        assert response.status_code == 200, url
        body = json.loads(response.content)
        assert all(link == "" or link.startswith(("http://", "https://")) for link in links_in(body)), url
    one = client.get(items[0]["api_url"]).json()
    assert one["title"].startswith("<script>") and one["ogp_url"] == ""
    assert one["milestones"][0]["evidence_url"] == "" and one["sources"][0]["url"] == ""
    assert one["reports"][0]["url"] == ""
