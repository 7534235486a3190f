"""`manage.py send_digests`: each confirmed follower's digest over SMTP, its links, and what is never
sent (nothing new, the same changes twice, after unsubscribing)."""

import datetime
import email.utils
import inspect
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import services
from commitments.models import Commitment
from follow import digests
from follow.models import Subscription
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory
from tests.follow.mailbox import body, links, path_of

pytestmark = pytest.mark.django_db


def subscribe(inbox, address, target="site", key="", language="en"):
    """Ask to follow and confirm with the mailed link, as the address's owner does."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.post("/follow/", {"email": address, "target": target, "key": key}).status_code == 303
    (message,) = inbox.to(address)
    link = next(path_of(url) for url in links(message) if "/follow/confirm/" in url)
    assert client.post(link).status_code == 200
    inbox.clear()


def edit(commitment, user, note, milestone_note=None, **extra):
    """A staff edit through the services, as the edit page makes it."""
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
                               expected_version=commitment.version, milestones=changes, **extra)


def send():
    out = StringIO()
    call_command("send_digests", stdout=out)
    return out.getvalue()


@pytest.fixture
def commitments(db):
    """Two members' commitments, made as the importer leaves them (no history yet)."""
    uruguay_plan = ActionPlanFactory(member=MemberFactory(name="Uruguay", slug="uruguay"))
    uruguay = CommitmentFactory(identifier="UY0001", title="Open budgets", action_plan=uruguay_plan)
    MilestoneFactory(commitment=uruguay, status=Completion.LIMITED)
    mexico_plan = ActionPlanFactory(member=MemberFactory(name="Mexico", slug="mexico"))
    mexico = CommitmentFactory(identifier="MX0001", title="Open contracts", action_plan=mexico_plan)
    return uruguay, mexico


def test_a_follower_gets_the_change_then_unsubscribes_in_one_click(inbox, commitments, superuser):
    uruguay, _mexico = commitments
    subscribe(inbox, "ana@example.org", "commitment", "UY0001")
    edit(uruguay, superuser, "Paused until the budget law passes", milestone_note="Design done")
    assert send().startswith("1 digest(s) sent")

    (digest,) = inbox.to("ana@example.org")
    assert digest["Subject"] == "ogptracker: 2 changes to UY0001: Open budgets"
    text = body(digest)
    assert "Note: Paused until the budget law passes" in text and "Note: Design done" in text
    assert "Status: Active → Inactive" in text
    page_links = [path_of(url) for url in links(digest) if "#change-" in url]
    assert len(page_links) == 2 and all(url.startswith("/commitments/UY0001/#change-") for url in page_links)
    page = Client().get(page_links[0].split("#")[0])
    assert page.status_code == 200 and f'id="{page_links[0].split("#")[1]}"'.encode() in page.content

    # One click: the mail program's POST (RFC 8058) has no CSRF token, only the signed link.
    unsubscribe = digest["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe in links(digest)
    confirm_page = Client().get(path_of(unsubscribe))
    assert confirm_page.status_code == 200 and b"Unsubscribe" in confirm_page.content
    assert Subscription.objects.count() == 1  # opening the link unsubscribes nothing
    one_click = Client(enforce_csrf_checks=True).post(path_of(unsubscribe), "List-Unsubscribe=One-Click",
                                                      content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200
    assert not Subscription.objects.exists()
    again = Client().post(path_of(unsubscribe))
    assert again.status_code == 200 and b"already ended" in again.content

    inbox.clear()
    edit(uruguay, superuser, "Resumed")
    send()
    assert inbox.messages == []


def test_the_unsubscribe_page_button_unsubscribes(inbox, commitments, superuser):
    subscribe(inbox, "ana@example.org")
    edit(commitments[0], superuser, "Closed")
    send()
    unsubscribe = path_of(inbox.messages[0]["List-Unsubscribe"].strip().strip("<>"))
    client = Client(enforce_csrf_checks=True)
    page = client.get(unsubscribe).content.decode()
    assert 'id="unsubscribe-form"' in page
    assert client.post(unsubscribe, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not Subscription.objects.exists()


def test_nothing_is_sent_when_nothing_changed_and_no_change_is_sent_twice(inbox, commitments, superuser):
    subscribe(inbox, "ana@example.org")
    edit(commitments[0], superuser, "Before anyone followed")  # before: not in the digest
    Subscription.objects.update(digested_until=timezone.now(), confirmed_at=timezone.now())
    assert send().startswith("0 digest(s) sent")
    edit(commitments[1], superuser, "Signed")
    send()
    send()
    (digest,) = inbox.messages
    assert "Note: Signed" in body(digest) and "Before anyone followed" not in body(digest)
    assert Subscription.objects.get().digests_sent == 1
    inbox.clear()
    edit(commitments[1], superuser, "Reopened")
    send()
    (digest,) = inbox.messages
    assert "Note: Reopened" in body(digest) and "Note: Signed" not in body(digest)


def test_a_member_follower_gets_that_members_changes_only(inbox, commitments, superuser):
    uruguay, mexico = commitments
    subscribe(inbox, "uy@example.org", "member", "uruguay")
    subscribe(inbox, "all@example.org")
    edit(uruguay, superuser, "Uruguay paused")
    edit(mexico, superuser, "Mexico signed")
    send()
    (member_digest,) = inbox.to("uy@example.org")
    assert "ogptracker: 1 change to Uruguay" == member_digest["Subject"]
    assert "Uruguay paused" in body(member_digest) and "Mexico" not in body(member_digest)
    assert path_of(links(member_digest)[-2]) == "/members/uruguay/"
    (site_digest,) = inbox.to("all@example.org")
    assert "Uruguay paused" in body(site_digest) and "Mexico signed" in body(site_digest)


def test_a_deleted_commitment_reaches_its_members_followers_and_ends_its_own(inbox, commitments, superuser):
    uruguay, _mexico = commitments
    subscribe(inbox, "uy@example.org", "member", "uruguay")
    subscribe(inbox, "one@example.org", "commitment", "UY0001")
    edit(uruguay, superuser, "Withdrawn")  # a change first, so that its deletion is recorded after it
    services.set_history(uruguay, superuser, "Merged into UY0002")
    Commitment.objects.get(pk=uruguay.pk).delete()
    assert send().startswith("1 digest(s) sent")
    (digest,) = inbox.to("uy@example.org")
    assert "Removed." in body(digest)
    assert any(path_of(url).startswith("/members/uruguay/#change-") for url in links(digest))
    assert not Subscription.objects.filter(email="one@example.org").exists()


def test_hostile_texts_arrive_as_plain_text_and_the_mail_still_parses(inbox, superuser):
    member = MemberFactory(name="Evil <b>Member</b>", slug="evil")
    commitment = CommitmentFactory(identifier="EV0001", title="<script>alert('t')</script>\u202e",
                                   action_plan=ActionPlanFactory(member=member))
    subscribe(inbox, "ana@example.org", "member", "evil")
    edit(commitment, superuser, "<img src=x onerror=alert(1)> & \x07bell\x1b[31m\u0085\nSecond line")
    send()
    (digest,) = inbox.messages
    assert digest.get_content_type() == "text/plain" and not digest.is_multipart()
    text = body(digest)
    assert "<img src=x onerror=alert(1)> & bell[31m" in text  # markup as typed, never escaped or run
    assert "Second line" in text
    assert not any(character in text for character in "\x07\x1b\x85")
    assert "<script>alert('t')</script>" in text
    assert digest["Subject"] == "ogptracker: 1 change to Evil <b>Member</b>"
    assert "\n" not in digest["Subject"]


def test_a_digest_the_mail_server_refused_is_sent_next_time_and_the_others_not_again(inbox, commitments,
                                                                                      superuser):
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        subscribe(inbox, address)
    edit(commitments[0], superuser, "First change")
    inbox.refused.add("b@example.org")
    with pytest.raises(CommandError, match="1 digest"):
        send()
    assert sorted(m["To"] for m in inbox.messages) == ["a@example.org", "c@example.org"]

    inbox.clear()
    inbox.refused.clear()
    edit(commitments[1], superuser, "Second change")
    send()
    by_address = {m["To"]: body(m) for m in inbox.messages}
    assert "First change" in by_address["b@example.org"] and "Second change" in by_address["b@example.org"]
    assert "First change" not in by_address["a@example.org"]
    assert "First change" not in by_address["c@example.org"]


def test_an_unreachable_mail_server_stops_the_run_and_the_next_run_sends_everything(inbox, commitments,
                                                                                   superuser, settings):
    for address in ("a@example.org", "b@example.org"):
        subscribe(inbox, address)
    edit(commitments[0], superuser, "Sent next time")
    settings.EMAIL_PORT = 1  # nothing listens there
    with pytest.raises(CommandError, match="could not be reached"):
        send()
    assert Subscription.objects.filter(digests_sent=0).count() == 2
    settings.EMAIL_PORT = inbox.port
    send()
    assert sorted(m["To"] for m in inbox.messages) == ["a@example.org", "b@example.org"]
    assert all("Sent next time" in body(m) for m in inbox.messages)


def test_changes_recorded_within_the_delay_wait_for_the_next_run(inbox, commitments, superuser, settings):
    subscribe(inbox, "ana@example.org")
    settings.FOLLOW_DIGEST_DELAY_MINUTES = 30
    edit(commitments[0], superuser, "Late change")
    assert digests.send_digests().sent == 0
    assert digests.send_digests(now=timezone.now() + datetime.timedelta(minutes=31)).sent == 1
    assert "Late change" in body(inbox.messages[0])


def test_a_digest_is_written_in_the_language_the_follower_asked_in(inbox, commitments, superuser):
    subscribe(inbox, "ana@example.org", "commitment", "UY0001", language="es")
    edit(commitments[0], superuser, "Pausado", milestone_note="Diseño listo")
    send()
    (digest,) = inbox.messages
    assert digest["Subject"] == "ogptracker: 2 cambios en UY0001: Open budgets"
    text = body(digest)
    assert "Nota: Pausado" in text and "Estado: Activo → Inactivo" in text
    assert "Dejar de seguir" in text


def test_unconfirmed_requests_are_forgotten_after_a_week(inbox, db):
    Client().post("/follow/", {"email": "ana@example.org", "target": "site"})
    assert digests.send_digests(now=timezone.now() + datetime.timedelta(days=8)).expired == 1
    assert not Subscription.objects.exists()


def test_the_digest_run_reads_the_history_once_per_followed_thing(inbox, commitments, superuser):
    for number in range(3):
        subscribe(inbox, f"s{number}@example.org", "member", "uruguay")
    edit(commitments[0], superuser, "Paused")
    with CaptureQueriesContext(connection) as three:
        send()
    for number in range(3, 9):
        subscribe(inbox, f"s{number}@example.org", "member", "uruguay")
    edit(commitments[0], superuser, "Resumed")
    inbox.clear()
    with CaptureQueriesContext(connection) as nine:
        send()
    assert len(inbox.messages) == 9
    assert len(three) <= 20
    # The history is read once for all of them; each subscriber costs its claim (savepoint, UPDATE, release).
    assert len(nine) - len(three) == 6 * 3


@pytest.mark.skipif("evidence_url" not in inspect.signature(services.commitment_update).parameters,
                    reason="the evidence link of a change (issue 15.4) is not in commitments/services.py yet")
def test_a_change_with_evidence_shows_its_link(inbox, commitments, superuser):
    subscribe(inbox, "ana@example.org")
    edit(commitments[0], superuser, "Law passed", evidence_url="https://example.org/law.pdf")
    send()
    assert "Evidence: https://example.org/law.pdf" in body(inbox.messages[0])


def test_mails_carry_a_dated_zone_and_a_message_id_on_the_sites_domain(inbox, commitments, superuser):
    """A Date of `-0000` reads as "zone unknown" (RFC 5322 3.3) and a Message-ID on `localhost`
    is what spam filters score: both come from the site's own clock and address."""
    uruguay, _mexico = commitments
    assert Client().post("/follow/", {"email": "zone@example.org", "target": "commitment",
                                      "key": "UY0001"}).status_code == 303
    (confirmation,) = inbox.to("zone@example.org")
    assert Client().post(next(path_of(url) for url in links(confirmation)
                              if "/follow/confirm/" in url)).status_code == 200
    edit(uruguay, superuser, "Dated")
    send()
    messages = inbox.to("zone@example.org")
    assert len(messages) == 2  # the confirmation, then the digest
    for message in messages:
        assert not str(message["Date"]).endswith("-0000")
        sent = email.utils.parsedate_to_datetime(str(message["Date"]))
        assert sent.utcoffset() is not None
        assert abs((sent - timezone.now()).total_seconds()) < 300
        assert str(message["Message-ID"]).endswith("@mail-test.example.org>")
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
