"""GET /api/v1/changes/ paged: following `next` reads every change after `since`, each once, newest
first, whatever the number of changes and however many of them share one moment."""

import base64
import datetime
import json
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from commitments import services
from commitments.models import Commitment, Milestone
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/changes/"
PAGE = 50
# What the list must still bound: a runaway walk fails rather than loops.
MOST_PAGES = 10


def walk(client, **query) -> tuple[list[dict], list[int]]:
    """Every entry following `next` from the first page, and each page's length."""
    url, entries, lengths = f"{API}?{urlencode(query)}" if query else API, [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert body["count"] == len(body["results"]) <= PAGE
        entries += body["results"]
        lengths.append(body["count"])
        url = body["next"]
        assert url is None or url.startswith("http://testserver/api/v1/changes/?")
        assert len(lengths) <= MOST_PAGES
    return entries, lengths


def assert_newest_first_each_once(entries):
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids)), "an entry repeated"
    moments = [datetime.datetime.fromisoformat(entry["when"]) for entry in entries]
    assert moments == sorted(moments, reverse=True)


def flip(commitment, user, note):
    """A staff edit (the service the staff page and PATCH use): the status the other way, with a note."""
    commitment.refresh_from_db()
    other = "active" if commitment.status == "inactive" else "inactive"
    services.commitment_update(commitment=commitment, user=user, data={"status": other}, note=note,
                               expected_version=commitment.version)


def test_following_next_from_since_reads_every_change_after_it(client, chile, superuser):
    CommitmentFactory(action_plan=chile.action_plans.first())  # changed before `since`: left out
    flip(Commitment.objects.get(identifier="CL0051"), superuser, "Before")
    since = timezone.now()
    commitment = Commitment.objects.get(identifier="CL0050")
    for number in range(1, 57):
        flip(commitment, superuser, f"Change {number}")
    entries, lengths = walk(client, since=since.isoformat())
    assert [entry["note"] for entry in entries] == [f"Change {number}" for number in range(56, 0, -1)]
    assert lengths == [50, 6]
    assert_newest_first_each_once(entries)
    # Without since: those 56 and the one before it, the same way.
    everything, _lengths = walk(client)
    assert [entry["note"] for entry in everything] == [entry["note"] for entry in entries] + ["Before"]


@pytest.fixture
def one_moment(db, superuser):
    """A bulk write (an import): 60 commitments and 45 milestones changed, every record dated alike,
    with one change before and one after them."""
    plan = ActionPlanFactory(member=MemberFactory(name="Aland", slug="aland"))
    commitments = CommitmentFactory.create_batch(60, action_plan=plan, status=Commitment.Status.ACTIVE)
    milestones = [MilestoneFactory(commitment=commitment, status=Completion.NOT_STARTED)
                  for commitment in commitments[:45]]
    other = CommitmentFactory(action_plan=plan)
    flip(other, superuser, "Earlier")
    moment = timezone.now() + datetime.timedelta(minutes=1)
    for commitment in commitments:
        commitment.refresh_from_db()
        commitment.status = Commitment.Status.INACTIVE
    services.commitments_import([], commitments, ["status"], user=superuser, note="Import", when=moment,
                                batch_size=100)
    for milestone in milestones:
        milestone.status = Completion.COMPLETE
    bulk_update_with_history(milestones, Milestone, ["status"], default_user=superuser,
                             default_change_reason="Import", default_date=moment)
    with mock.patch("django.utils.timezone.now", return_value=moment + datetime.timedelta(minutes=1)):
        flip(other, superuser, "Later")
    return moment


def test_changes_sharing_one_moment_across_pages_come_each_once(client, one_moment):
    entries, lengths = walk(client)
    assert lengths == [50, 50, 7] and len(entries) == 1 + 60 + 45 + 1  # the moment spans three pages
    assert_newest_first_each_once(entries)
    assert entries[0]["note"] == "Later" and entries[-1]["note"] == "Earlier"
    at_once = entries[1:-1]
    assert {datetime.datetime.fromisoformat(entry["when"]) for entry in at_once} == {one_moment}
    assert [entry["kind"] for entry in at_once] == ["commitment"] * 60 + ["milestone"] * 45
    # The same from a `since` just before the moment.
    after, _lengths = walk(client, since=(one_moment - datetime.timedelta(microseconds=1)).isoformat())
    assert [entry["id"] for entry in after] == [entry["id"] for entry in entries[:-1]]


def test_member_keeps_to_its_changes_page_after_page(client, chile, superuser):
    plan = ActionPlanFactory(member=MemberFactory(name="Uruguay", slug="uruguay"))
    elsewhere = CommitmentFactory(identifier="UY0001", action_plan=plan)
    removed = Commitment.objects.get(identifier="CL0052")
    flip(removed, superuser, "Before its removal")
    chile_ones = list(Commitment.objects.filter(action_plan__member=chile).exclude(pk=removed.pk)
                      .order_by("identifier")[:3])
    for number in range(1, 55):
        flip(chile_ones[number % 3], superuser, f"Chile {number}")
        if number % 10 == 0:
            flip(elsewhere, superuser, f"Uruguay {number}")
    removed.delete()
    entries, lengths = walk(client, member="chile")
    assert lengths == [50, 5]
    assert_newest_first_each_once(entries)
    # Its removal first (the newest), then Chile's changes; the removed one's earlier change and
    # Uruguay's are not Chile's page's.
    assert entries[0]["removed"] and entries[0]["commitment"] == "CL0052"
    assert [entry["note"] for entry in entries[1:]] == [f"Chile {number}" for number in range(54, 0, -1)]
    uruguay, _lengths = walk(client, member="uruguay")
    assert [entry["note"] for entry in uruguay] == [f"Uruguay {number}" for number in (50, 40, 30, 20, 10)]


def test_records_read_but_not_shown_do_not_cut_the_walk(client, chile, superuser):
    """Of a deleted commitment only its removal is shown: its 55 earlier changes, the latest
    commitment records, are read and passed over, and the changes older than them still come, each
    once: the milestone's, read with the first page but older than the commitments read, waits for
    the second (commitments not read yet may come before it)."""
    older = Commitment.objects.get(identifier="CL0051")
    for number in range(1, 4):
        flip(older, superuser, f"Older {number}")
    cl0050 = Commitment.objects.get(identifier="CL0050")
    milestone = cl0050.milestones.get(status=Completion.LIMITED)
    services.commitment_update(commitment=cl0050, user=superuser, data={}, note="",
                               expected_version=cl0050.version, milestones=[services.MilestoneChange(
                                   milestone, {"status": Completion.SUBSTANTIAL}, "Milestone")])
    removed = Commitment.objects.get(identifier="CL0052")
    for number in range(1, 56):
        flip(removed, superuser, f"Removed {number}")
    removed.delete()
    entries, lengths = walk(client)
    assert [(entry["commitment"], entry["removed"], entry["note"]) for entry in entries] == [
        ("CL0052", True, "Removed 55"), ("CL0050", False, "Milestone"), ("CL0051", False, "Older 3"),
        ("CL0051", False, "Older 2"), ("CL0051", False, "Older 1")]
    assert lengths == [1, 4]


def _cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


GOOD = {"when": "2025-01-01T12:00:00+00:00", "kind": "milestone", "id": 3}
BAD_CURSORS = [
    "bm90IGEgY3Vyc29y",  # base64 of "not a cursor"
    "%%%",
    "é",
    "x" * 500,
    _cursor([1, 2, 3]),
    _cursor({**GOOD, "extra": 1}),
    _cursor({key: value for key, value in GOOD.items() if key != "id"}),
    _cursor({**GOOD, "kind": "report"}),
    _cursor({**GOOD, "id": "3"}),
    _cursor({**GOOD, "id": True}),
    _cursor({**GOOD, "id": 3.0}),
    _cursor({**GOOD, "id": -1}),
    _cursor({**GOOD, "id": 2 ** 70}),
    _cursor({**GOOD, "when": "yesterday"}),
    _cursor({**GOOD, "when": "2025-02-30T12:00:00+00:00"}),
    _cursor({**GOOD, "when": "2025-01-01T12:00:00"}),  # naive: which moment is unsaid
    _cursor({**GOOD, "when": "2025-01-01T13:00:00+01:00"}),  # this API's cursors are in UTC
    _cursor({**GOOD, "when": 1735732800}),
]


def test_a_cursor_is_one_next_gave_or_a_404_naming_it(client, chile, superuser):
    """Any text is a cursor to the schema: one the API did not give names no page (404, as a page
    past the last does), the parameter named."""
    commitment = Commitment.objects.get(identifier="CL0050")
    for number in range(1, 53):
        flip(commitment, superuser, f"Change {number}")
    first = client.get(API).json()
    assert first["next"]
    assert client.get(first["next"]).json()["results"][-1]["note"] == "Change 1"
    assert client.get(f"{API}?{urlencode({'cursor': _cursor(GOOD)})}").status_code == 200
    assert client.get(f"{API}?cursor=").json()["results"] == first["results"]
    for cursor in BAD_CURSORS:
        response = client.get(f"{API}?{urlencode({'cursor': cursor})}")
        assert response.status_code == 404, (cursor, response.content[:300])
        body = response.json()
        assert "cursor" in body["detail"], cursor
        assert body["errors"]["cursor"][0].startswith("Not a cursor this API gave"), cursor


def test_since_at_any_offset_iso_8601_allows(client, chile, superuser):
    """`since` is compared in SQL: an offset PostgreSQL would refuse (past 15:59) is read as the
    moment it names, and a moment UTC cannot hold (a date-time the schema allows) as the first or
    last moment there is, not a server error."""
    flip(Commitment.objects.get(identifier="CL0050"), superuser, "Now")
    now = timezone.now()
    far_east = (now - datetime.timedelta(hours=1)).astimezone(datetime.timezone(datetime.timedelta(hours=21)))
    assert [e["note"] for e in client.get(API, {"since": far_east.isoformat()}).json()["results"]] == ["Now"]
    assert client.get(API, {"since": "2875-06-05T21:09:34.2+21:49"}).json()["results"] == []
    assert [e["note"] for e in client.get(API, {"since": "0001-01-01T00:00:00+05:00"}).json()["results"]][0] \
        == "Now"
    assert client.get(API, {"since": "9999-12-31T23:00:00-05:00"}).json()["results"] == []
    assert client.get(API, {"since": ""}).status_code == 400
