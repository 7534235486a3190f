"""Asking to follow, by the form on the pages: the confirmation mail over SMTP, its signed link, and
what is never said (whether an address follows) or sent twice (a pending confirmation)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from follow import limits
from follow.models import Subscription
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory
from tests.follow.mailbox import body, links, path_of
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db

PAGES = {"site": "/", "member": "/members/chile/", "commitment": "/commitments/CL0050/"}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def chile(db):
    """A member and a commitment of it, small: the pages' follow forms are what is tested here."""
    member = MemberFactory(name="Chile", slug="chile")
    CommitmentFactory(identifier="CL0050", title="Institutionalizing the Alliance for Open Government",
                      action_plan=ActionPlanFactory(member=member))
    return member


def follow(client, page, address, **headers):
    """Fill in the page's follow form as a visitor does and send it."""
    data = form_data(client.get(page, **headers).content.decode(), "follow-form")
    data["email"] = address
    return client.post("/follow/", data, **headers)


def confirm_link(message) -> str:
    return next(path_of(link) for link in links(message) if "/follow/confirm/" in link)


@pytest.mark.parametrize("target", list(PAGES))
def test_each_page_has_a_follow_form_that_sends_a_confirmation_mail(chile, client, inbox, target):
    response = follow(client, PAGES[target], "Ana@Example.org")
    assert response.status_code == 303
    assert client.get(response["Location"]).status_code == 200
    (message,) = inbox.to("ana@example.org")
    assert message["To"] == "ana@example.org"
    assert message["From"] == "ogptracker <noreply@mail-test.example.org>"
    assert "Confirm that you follow" in message["Subject"]
    assert "\n" not in message["Subject"].strip()
    assert message.get_content_type() == "text/plain"
    unsubscribe = next(link for link in links(message) if "/follow/unsubscribe/" in link)
    # Folded onto a line of its own when long (RFC 5322), which mail programs unfold.
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    subscription = Subscription.objects.get()
    assert (subscription.target, subscription.confirmed_at) == (target, None)
    assert subscription.page == PAGES[target]


def test_the_link_shows_a_button_and_the_button_confirms(chile, client, inbox):
    follow(client, PAGES["commitment"], "ana@example.org")
    link = confirm_link(inbox.messages[0])
    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm that you follow" in page.content
    # Opening the link (as a mail scanner does) confirms nothing.
    assert Subscription.objects.get().confirmed_at is None
    done = client.post(link, form_data(page.content.decode(), "confirm-form"))
    assert done.status_code == 200
    assert b"Confirmed: this address follows CL0050" in done.content
    assert Subscription.objects.get().confirmed_at is not None
    again = client.post(link, form_data(page.content.decode(), "confirm-form"))
    assert again.status_code == 200 and b"already confirmed" in again.content
    assert client.get(link).status_code == 200


def test_confirming_needs_the_csrf_token(chile, inbox):
    browser = Client(enforce_csrf_checks=True)
    follow(browser, PAGES["site"], "ana@example.org")
    assert browser.post(confirm_link(inbox.messages[0])).status_code == 403
    assert Subscription.objects.get().confirmed_at is None


def test_the_follow_form_needs_the_csrf_token(chile):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/follow/", {"email": "ana@example.org", "target": "site"})
    assert response.status_code == 403
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "1:" + token.split(":", 1)[1],
    lambda token: "not-a-token",
    lambda token: "%00%01<script>",
])
def test_a_tampered_link_says_so(chile, client, inbox, tamper):
    follow(client, PAGES["site"], "ana@example.org")
    token = confirm_link(inbox.messages[0]).split("/")[3]
    response = client.get(f"/follow/confirm/{tamper(token)}/")
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert client.post(f"/follow/confirm/{tamper(token)}/").status_code == 400
    assert Subscription.objects.get().confirmed_at is None


def test_an_unsubscribe_link_does_not_confirm(chile, client, inbox):
    follow(client, PAGES["site"], "ana@example.org")
    unsubscribe = next(link for link in links(inbox.messages[0]) if "/follow/unsubscribe/" in link)
    token = path_of(unsubscribe).split("/")[3]
    assert client.get(f"/follow/confirm/{token}/").status_code == 400


def test_an_expired_link_says_so_and_asking_again_sends_a_new_one(chile, client, inbox):
    follow(client, PAGES["member"], "ana@example.org")
    old_link = confirm_link(inbox.messages[0])
    Subscription.objects.update(requested_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = client.get(old_link)
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert client.post(old_link).status_code == 410
    assert Subscription.objects.get().confirmed_at is None

    follow(client, PAGES["member"], "ana@example.org")
    assert len(inbox.to("ana@example.org")) == 2
    # The new link works, the old one no longer does.
    assert client.get(old_link).status_code == 410
    new_link = confirm_link(inbox.messages[1])
    assert client.post(new_link).status_code == 200
    assert Subscription.objects.get().confirmed_at is not None


def test_nothing_is_sent_again_while_a_confirmation_is_pending(chile, client, inbox):
    first = follow(client, PAGES["commitment"], "ana@example.org")
    second = follow(client, PAGES["commitment"], "ANA@example.org")
    assert len(inbox.messages) == 1
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    # Another target is another request.
    follow(client, PAGES["member"], "ana@example.org")
    assert len(inbox.messages) == 2


def test_nothing_says_whether_an_address_follows(chile, inbox):
    """A new address, a pending one and a confirmed one get the same answers, byte for byte."""
    def ask(address):
        visitor = Client()
        response = follow(visitor, PAGES["commitment"], address)
        page = visitor.get(response["Location"])
        return response.status_code, response["Location"], response.content, page.status_code, \
            CSRF.sub(b"", page.content)

    ask("pending@example.org")
    confirmed = Client()
    follow(confirmed, PAGES["commitment"], "confirmed@example.org")
    confirmed.post(confirm_link(inbox.to("confirmed@example.org")[0]))
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 1
    inbox.clear()
    answers = {ask(address) for address in ("new@example.org", "pending@example.org",
                                            "confirmed@example.org")}
    assert len(answers) == 1
    assert [m["To"] for m in inbox.messages] == ["new@example.org"]


def test_an_address_may_ask_three_times_a_day_then_gets_the_same_page_and_no_mail(chile, inbox):
    # Three targets, from three clients: only the address's own limit applies.
    answers = []
    for number in range(5):
        plan = ActionPlanFactory(member=MemberFactory(name=f"Member {number}", slug=f"member-{number}"))
        response = follow(Client(REMOTE_ADDR=f"10.0.0.{number + 1}"), f"/members/{plan.member.slug}/",
                          "busy@example.org")
        answers.append(response.status_code)
    assert answers == [303] * 5
    assert len(inbox.messages) == limits.PER_ADDRESS
    assert Subscription.objects.count() == limits.PER_ADDRESS


def test_a_client_may_ask_ten_times_an_hour_then_is_told_to_wait(chile, inbox):
    client = Client(REMOTE_ADDR="192.0.2.7")
    statuses = [follow(client, PAGES["site"], f"person{number}@example.org").status_code
                for number in range(limits.PER_CLIENT + 1)]
    assert statuses == [303] * limits.PER_CLIENT + [429]
    assert len(inbox.messages) == limits.PER_CLIENT
    refused = follow(client, PAGES["site"], "one-more@example.org")
    assert refused.status_code == 429
    assert b"try again in an hour" in refused.content
    assert not inbox.to("one-more@example.org")
    # Another client is not held back.
    assert follow(Client(REMOTE_ADDR="192.0.2.8"), PAGES["site"], "other@example.org").status_code == 303


def test_the_client_limit_counts_the_address_the_trusted_proxy_saw(chile, inbox, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(limits.PER_CLIENT):
        # What the client writes itself in X-Forwarded-For (left of the proxy's entry) is not believed.
        follow(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, 203.0.113.5"),
               PAGES["site"], f"p{number}@example.org")
    blocked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.5")
    assert follow(blocked, PAGES["site"], "late@example.org").status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert follow(other, PAGES["site"], "late@example.org").status_code == 303


@pytest.mark.parametrize("address", [
    "", "not-an-address", "a@b@c", "ana@example.org\nBcc: x@example.org", "ana\x00@example.org",
    "<script>@example.org", "a" * 300 + "@example.org", "a@[127.0.0.1]", "a@[IPv6:::1]"])
def test_a_bad_address_gets_a_form_error_and_no_mail(chile, client, inbox, address):
    response = follow(client, PAGES["site"], address)
    assert response.status_code == 400
    assert b'class="message error"' in response.content
    assert b"<script>@" not in response.content
    assert not inbox.messages and not Subscription.objects.exists()


@pytest.mark.parametrize(("target", "key"), [
    ("commitment", "XX9999"), ("member", "nobody"), ("member", "chile\x00"), ("planet", "earth"),
    ("commitment", "<b>CL0050</b>"), ("commitment", "CL0050" * 100)])
def test_a_form_naming_nothing_followable_says_so(chile, client, inbox, target, key):
    response = client.post("/follow/", {"email": "ana@example.org", "target": target, "key": key})
    assert response.status_code == 400
    assert b'class="message error"' in response.content
    assert not inbox.messages
    assert client.get("/follow/", {"target": target, "key": key}).status_code == 404
    assert client.get("/follow/sent/", {"target": target, "key": key}).status_code == 200


def test_the_form_page_on_its_own_follows_what_its_query_names(chile, client, inbox):
    page = client.get("/follow/", {"target": "commitment", "key": "CL0050"})
    assert page.status_code == 200
    assert b"CL0050" in page.content
    data = form_data(page.content.decode(), "follow-form") | {"email": "ana@example.org"}
    assert client.post("/follow/", data).status_code == 303
    assert Subscription.objects.get().commitment.identifier == "CL0050"


def test_a_commitment_with_an_odd_stored_identifier_keeps_its_member_page_working(chile, client, inbox):
    plan = ActionPlanFactory(member=MemberFactory(name="Odd", slug="odd"))
    CommitmentFactory(identifier="OD 0001", action_plan=plan)
    assert client.get("/members/odd/").status_code == 200
    response = client.post("/follow/", {"email": "ana@example.org", "target": "commitment", "key": "OD 0001"})
    assert response.status_code == 303
    assert client.get(response["Location"]).status_code == 200
    assert client.post(confirm_link(inbox.messages[0])).status_code == 200


def test_the_forms_and_the_mail_are_in_spanish_for_a_spanish_visitor(chile, client, inbox):
    page = client.get(PAGES["commitment"], HTTP_ACCEPT_LANGUAGE="es")
    assert "Seguir este compromiso por correo electrónico" in page.content.decode()
    response = follow(client, PAGES["commitment"], "ana@example.org", HTTP_ACCEPT_LANGUAGE="es")
    sent = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es")
    assert "Revise su bandeja de entrada" in sent.content.decode()
    (message,) = inbox.messages
    assert message["Subject"].strip().startswith("Confirme que sigue CL0050")
    assert "confirme aquí:" in body(message)
    link = confirm_link(message)
    assert "Confirmar" in client.get(link, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    done = client.post(link, HTTP_ACCEPT_LANGUAGE="es")
    assert "Confirmado" in done.content.decode()
    assert Subscription.objects.get().language == "es"
    bad = client.post("/follow/", {"email": "nope", "target": "site"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "correo electrónico válida" in bad.content.decode()


def test_a_mail_server_that_refuses_leaves_nothing_behind(chile, client, inbox, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    response = follow(client, PAGES["site"], "ana@example.org")
    assert response.status_code == 303  # the same page: the address's state is not told
    assert not Subscription.objects.exists()
    settings.EMAIL_PORT = inbox.port
    follow(client, PAGES["site"], "ana@example.org")
    assert len(inbox.messages) == 1 and Subscription.objects.count() == 1


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.text(max_size=300), key=st.text(max_size=250),
       target=st.sampled_from(["site", "member", "commitment", ""]) | st.text(max_size=20))
def test_any_form_input_gets_an_answer_never_an_error(chile, inbox, email, target, key):
    cache.clear()  # the examples share one test's cache: the client limit is tested on its own
    response = Client().post("/follow/", {"email": email, "target": target, "key": key})
    assert response.status_code in (303, 400)
    assert Client().get("/follow/sent/", {"target": target, "key": key}).status_code == 200
    assert Client().get("/follow/", {"target": target, "key": key}).status_code in (200, 404)


def test_a_follow_request_costs_a_few_queries(chile, client, inbox, django_assert_max_num_queries):
    data = {"email": "ana@example.org", "target": "commitment", "key": "CL0050"}
    with django_assert_max_num_queries(6):  # the commitment, the address's row, its insert in a savepoint
        client.post("/follow/", data)
    with django_assert_max_num_queries(4):
        client.post("/follow/", data)
    with django_assert_max_num_queries(4):
        client.get("/follow/sent/", {"target": "commitment", "key": "CL0050"})


def test_ipv6_clients_are_counted_by_their_64(chile, inbox):
    for number in range(limits.PER_CLIENT):
        follow(Client(REMOTE_ADDR=f"2001:db8:5:6::{number + 1:x}"), PAGES["site"], f"v6-{number}@example.org")
    assert follow(Client(REMOTE_ADDR="2001:db8:5:6:aaaa::1"), PAGES["site"],
                  "late@example.org").status_code == 429
    assert follow(Client(REMOTE_ADDR="2001:db8:5:7::1"), PAGES["site"], "late@example.org").status_code == 303
    # An IPv4 address reaching a dual-stack socket is the IPv4 client it is.
    for number in range(limits.PER_CLIENT):
        follow(Client(REMOTE_ADDR="192.0.2.50"), PAGES["site"], f"v4-{number}@example.org")
    mapped = Client(REMOTE_ADDR="::ffff:192.0.2.50")
    assert follow(mapped, PAGES["site"], "mapped@example.org").status_code == 429
