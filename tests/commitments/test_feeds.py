"""Atom feeds of the change history: all changes, one member's, one commitment's."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from commitments import services
from commitments.models import Commitment
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory
from tests.html_forms import form_data

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [{"title": e.findtext(f"{ATOM}title"), "summary": e.findtext(f"{ATOM}summary"),
             "link": e.find(f"{ATOM}link").get("href"), "author": e.findtext(f"{ATOM}author/{ATOM}name")}
            for e in feed.findall(f"{ATOM}entry")]


def edit(commitment, user, note, milestone_note=None):
    commitment.refresh_from_db()
    other = "active" if commitment.status == "inactive" else "inactive"
    changes = []
    if milestone_note:
        milestone = commitment.milestones.first()
        status = Completion.LIMITED if milestone.status == Completion.COMPLETE else Completion.COMPLETE
        changes = [services.MilestoneChange(milestone, {"status": status}, milestone_note)]
    services.commitment_update(commitment=commitment, user=user, data={"status": other}, note=note,
                               expected_version=commitment.version, milestones=changes)


@pytest.fixture
def uruguay_commitment(chile):
    plan = ActionPlanFactory(member=MemberFactory(name="Uruguay", slug="uruguay"))
    commitment = CommitmentFactory(identifier="UY0001", action_plan=plan)
    MilestoneFactory(commitment=commitment, status=Completion.LIMITED)
    return commitment


@pytest.fixture
def changes(chile, superuser, uruguay_commitment):
    edit(Commitment.objects.get(identifier="CL0050"), superuser, "Reopened", milestone_note="Design done")
    edit(Commitment.objects.get(identifier="CL0051"), superuser, "Closed early")
    edit(uruguay_commitment, superuser, "Paused in Uruguay")


def test_site_feed_has_every_change_with_its_note_and_link(client, changes):
    feed = entries(client.get("/feed/"))
    notes = [e["summary"] for e in feed]
    assert len(feed) == 4
    assert any("Note: Design done" in n for n in notes) and any("Paused in Uruguay" in n for n in notes)
    cl0050 = next(e for e in feed if "Reopened" in e["summary"])
    assert cl0050["link"].startswith("http://testserver/commitments/CL0050/#change-")
    assert cl0050["title"].startswith("CL0050 · Commitment · Status:")
    assert cl0050["author"] == "Secretariat"


def test_member_feed_has_only_that_members_changes(client, changes):
    feed = entries(client.get("/members/chile/feed/"))
    assert {e["link"].split("/")[4] for e in feed} == {"CL0050", "CL0051"}
    assert not any("Uruguay" in e["summary"] for e in feed)


def test_commitment_feed_has_only_that_commitments_changes(client, changes):
    feed = entries(client.get("/commitments/CL0050/feed/"))
    assert len(feed) == 2
    assert {e["link"].split("/")[4] for e in feed} == {"CL0050"}
    milestone = next(e for e in feed if "Design done" in e["summary"])
    assert milestone["title"] == "CL0050 · Milestone 1 · Status: Limited"
    assert "Status: Complete → Limited" in milestone["summary"]


def test_feed_of_a_commitment_never_changed_is_empty_but_valid(client, chile):
    assert entries(client.get("/commitments/CL0001/feed/")) == []


def test_staff_page_edits_appear_in_the_feed(client, chile_staff):
    staff = Client()
    staff.force_login(chile_staff)
    data = form_data(staff.get("/commitments/CL0050/edit/").content.decode(), "commitment-edit-form")
    data.update(status="active", note="Reopened from the staff page")
    staff.post("/commitments/CL0050/edit/", data)
    feed = entries(client.get("/commitments/CL0050/feed/"))
    assert [e["summary"].splitlines()[0] for e in feed] == ["Note: Reopened from the staff page"]
    assert "chile-staff" not in client.get("/feed/").content.decode()


@pytest.mark.parametrize("url", ["/members/atlantis/feed/", "/commitments/XX9999/feed/"])
def test_unknown_member_or_commitment_feed_is_404(client, chile, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("page", "feeds"), [
    ("/commitments/CL0050/", ["/feed/", "/members/chile/feed/", "/commitments/CL0050/feed/"]),
    ("/members/chile/", ["/feed/", "/members/chile/feed/"]),
    ("/", ["/feed/"]),
])
def test_pages_advertise_their_feeds_in_the_head_and_link_them(client, chile, page, feeds):
    html = client.get(page).content.decode()
    head, body = html.split("</head>", 1)
    for feed in feeds:
        assert 'type="application/atom+xml"' in head and f'href="{feed}"' in head
        assert f'href="{feed}"' in body


def test_feed_query_count_does_not_grow_with_changes(client, chile, superuser, django_assert_max_num_queries):
    commitment = Commitment.objects.get(identifier="CL0050")
    edit(commitment, superuser, "First", milestone_note="M first")
    with django_assert_max_num_queries(12) as few:
        client.get("/members/chile/feed/")
    for n in range(15):
        edit(commitment, superuser, f"Change {n}", milestone_note=f"M {n}")
    with django_assert_max_num_queries(12) as many:
        response = client.get("/members/chile/feed/")
    assert len(entries(response)) == 32  # 16 saves, each of the commitment and a milestone
    assert len(many.captured_queries) == len(few.captured_queries)
