"""Atom feeds of the change history: all changes, one member's, one commitment's."""

import datetime
import xml.etree.ElementTree as ET
from xml.dom import minidom

import pytest
from django.db import connection
from django.test import Client
from django.utils.text import Truncator

from commitments import services
from commitments.models import Commitment, Source
from reviews.models import Assessment, IRMReport
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory
from tests.html_forms import form_data

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    minidom.parseString(response.content)  # a second, independent parser agrees it is XML
    return [{"title": e.findtext(f"{ATOM}title"), "summary": e.findtext(f"{ATOM}summary"),
             "summary_type": e.find(f"{ATOM}summary").get("type"),
             "summary_children": list(e.find(f"{ATOM}summary")),
             "link": e.find(f"{ATOM}link").get("href"), "author": e.findtext(f"{ATOM}author/{ATOM}name")}
            for e in feed.findall(f"{ATOM}entry")]


FEEDS = ["/feed/", "/members/chile/feed/", "/commitments/CL0050/feed/"]
CL0050_TITLE = "CL0050: Institutionalizing the Alliance for Open Government in Chile"


def edit(commitment, user, note, milestone_note=None):
    commitment.refresh_from_db()
    other = "active" if commitment.status == "inactive" else "inactive"
    changes = []
    if milestone_note:
        milestone = commitment.milestones.first()
        status = Completion.LIMITED if milestone.status == Completion.COMPLETE else Completion.COMPLETE
        # A date met within the plan's years (2016-2018): asked for, never today (with_completion).
        met = {"completed_on": datetime.date(2018, 6, 29)} if status == Completion.COMPLETE else {}
        changes = [services.MilestoneChange(milestone, {"status": status, **met}, milestone_note)]
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
    assert cl0050["title"].startswith(CL0050_TITLE)
    assert " · Commitment · Status: Active" in cl0050["title"]
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
    assert milestone["title"].startswith(CL0050_TITLE)
    assert milestone["title"].endswith(" · Milestone 1 · Status: Limited")
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
    with django_assert_max_num_queries(13) as few:
        client.get("/members/chile/feed/")
    for n in range(15):
        edit(commitment, superuser, f"Change {n}", milestone_note=f"M {n}")
    with django_assert_max_num_queries(13) as many:
        response = client.get("/members/chile/feed/")
    assert len(entries(response)) == 32  # 16 saves, each of the commitment and a milestone
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Valid Atom whatever the stored text, and feeds that survive deletions (issue 12) ----------


def staff_page_edit(user, note, status="active"):
    staff = Client()
    staff.force_login(user)
    data = form_data(staff.get("/commitments/CL0050/edit/").content.decode(), "commitment-edit-form")
    data.update(status=status, note=note)
    assert staff.post("/commitments/CL0050/edit/", data).status_code == 302


MARKUP = '<img src=x onerror="alert(1)"> & <b>bold</b>'


def test_a_note_with_markup_reaches_feed_readers_as_text_escaped_once(client, chile_staff):
    staff_page_edit(chile_staff, MARKUP)
    for url in FEEDS:
        response = client.get(url)
        (entry,) = entries(response)
        # Typed text, so a reader shows what was written; escaped once, as XML requires.
        assert entry["summary_type"] == "text" and entry["summary_children"] == []
        assert entry["summary"].splitlines()[0] == f"Note: {MARKUP}"
        assert b"&lt;img src=x" in response.content and b"&amp;lt;" not in response.content


@pytest.mark.parametrize("hostile", ["\x01", "\x0b", "\x00\x08\x0c\x1f", "\ufffe\uffff"])
def test_control_characters_in_stored_text_leave_every_feed_valid(client, chile, superuser, hostile):
    if "\x00" in hostile and connection.vendor == "postgresql":
        hostile = hostile.replace("\x00", "")  # PostgreSQL stores no NUL at all: nothing to survive
    commitment = Commitment.objects.get(identifier="CL0050")
    edit(commitment, superuser, "Reopened", milestone_note="Design done")
    # Stored before inputs refused them (or written around the forms): the feed must still hold.
    Commitment.history.filter(id=commitment.pk).update(history_change_reason=f"Note{hostile}end")
    Commitment.objects.filter(pk=commitment.pk).update(title=f"Title{hostile}<b>{'x' * 900}")
    commitment.milestones.update(text=f"Step{hostile}")
    for url in FEEDS:
        feed = entries(client.get(url))
        assert len(feed) == 2
        note = next(e for e in feed if e["summary"].startswith("Note: Note"))
        assert note["summary"].splitlines()[0] == "Note: Note" + "\ufffd" * len(hostile) + "end"
        assert all(e["title"].startswith("CL0050: Title\ufffd") for e in feed)
        assert all(len(e["title"]) < 300 for e in feed)  # the 900-character title is cut


def test_feeds_and_timeline_survive_an_irm_report_deleted_by_a_reviewer(client, chile, reviewer):
    commitment = Commitment.objects.get(identifier="CL0050")
    report = IRMReport.objects.get(action_plan=commitment.action_plan, kind="end-of-term")
    title = report.title
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    assessment = commitment.assessments.get(report=report)
    url = f"/admin/reviews/assessment/{assessment.pk}/change/"
    data = form_data(reviewer_client.get(url).content.decode(), "assessment_form")
    data["completion"] = Completion.COMPLETE
    assert reviewer_client.post(url, data).status_code == 302
    response = reviewer_client.post(f"/admin/reviews/irmreport/{report.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not IRMReport.objects.filter(pk=report.pk).exists()

    for feed_url in FEEDS:
        feed = entries(client.get(feed_url))
        subjects = [e["title"].split(" · ")[1] for e in feed]
        assert subjects.count(title) == 2, subjects  # the change, then the removal with its report
        assert all(e["author"] == "Independent Reporting Mechanism" for e in feed)
    page = client.get("/commitments/CL0050/").content.decode()
    assert f"<strong>{title}</strong>" in page and "<strong>None</strong>" not in page
    # The report itself is kept in its history, so it can be restored.
    removed = IRMReport.history.get(id=report.pk, history_type="-")
    assert (removed.title, removed.kind, removed.url) == (title, report.kind, report.url)
    assert removed.history_user == reviewer


def test_a_deleted_commitment_leaves_a_removed_entry_in_its_members_and_the_site_feed(
        client, chile, superuser, uruguay_commitment):
    commitment = Commitment.objects.get(identifier="CL0050")
    sources = list(commitment.sources.values_list("footnote", "text", "url"))
    assert sources
    admin = Client()
    admin.force_login(superuser)
    response = admin.post(f"/admin/commitments/commitment/{commitment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Commitment.objects.filter(pk=commitment.pk).exists()

    for url in ["/feed/", "/members/chile/feed/"]:
        (entry,) = entries(client.get(url))  # its milestones and sources went with it: one entry
        assert entry["title"] == f"CL0050: {Truncator(commitment.title).chars(80)} · Commitment · removed"
        assert entry["link"].startswith("http://testserver/members/chile/#change-c")
        assert "Removed." in entry["summary"]
    assert entries(client.get("/members/uruguay/feed/")) == []
    assert client.get("/commitments/CL0050/feed/").status_code == 404
    # Its sources are kept in their history.
    kept = Source.history.filter(commitment_id=commitment.pk, history_type="-")
    assert sorted(kept.values_list("footnote", "text", "url")) == sorted(sources)


def test_feed_of_a_commitment_with_a_deleted_assessment_names_its_report(client, chile, reviewer):
    commitment = Commitment.objects.get(identifier="CL0050")
    assessment = commitment.assessments.get(report__kind="end-of-term")
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    services.ensure_history_baseline(commitment)
    response = reviewer_client.post(f"/admin/reviews/assessment/{assessment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Assessment.objects.filter(pk=assessment.pk).exists()
    (entry,) = entries(client.get("/commitments/CL0050/feed/"))
    assert entry["title"].endswith(f" · {assessment.report.title} · removed")
