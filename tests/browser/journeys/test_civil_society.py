"""A civil society visitor's day: search from the home page, tick several choices on a page of choices,
open a commitment, visit a past day (and one before the record began), follow it by e-mail (over a real
SMTP server, as tests/browser/test_follow.py does)."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from commitments import past
from commitments.models import Commitment
from follow.models import Subscription
from tests.follow.mailbox import links, smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE = "civil-society"


@pytest.fixture
def inbox(site, settings):
    with smtp_server(settings) as handler:
        settings.SITE_URL = site
        yield handler


def open_filters(page):
    """On a phone the search and filters fold behind one control: unfold them."""
    summary = page.locator("details.filters-fold > summary")
    if summary.is_visible() and not summary.evaluate("summary => summary.parentElement.open"):
        summary.click()


def day(language, value) -> str:
    """A day as the site writes it in `language` (DATE_FORMAT)."""
    with translation.override(language):
        return date_format(value)


def test_a_civil_society_day(journey, inbox):
    t = journey.t
    page = journey.new_page()
    page.goto(f"{journey.site}/")
    journey.step(page, "1-home")
    # The home page's own search box opens the list searched, the matching words marked in the text.
    search = page.get_by_role("search").get_by_label(t("Search the commitments"))
    search.fill("government")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/commitments/\?q=government"))
    journey.step(page, "2-search")
    assert re.match(r"government", page.locator(".list-table mark").first.inner_text(), re.IGNORECASE)
    journey.list_fits(page)

    # Several choices at once: the policy areas' page of every choice, two ticked, applied once.
    page.goto(f"{journey.site}/commitments/")
    found = page.locator("#result-count").inner_text()
    open_filters(page)
    page.locator("#facet-policy_area .facet-more a").click()
    page.wait_for_url(re.compile(r"/commitments/facets/policy_area/"))
    choices = page.locator("form.facet-choose")
    for area in ("ogp", "public-participation"):
        choices.locator(f'input[value="{area}"]').check()
    journey.step(page, "3-facet-page")
    choices.get_by_role("button", name=t("Apply to the list")).click()
    page.wait_for_url(re.compile(r"/commitments/\?"))
    assert "policy_area=ogp" in page.url and "policy_area=public-participation" in page.url
    journey.step(page, "4-filtered")
    assert page.locator("#result-count").inner_text() != found
    journey.list_fits(page)
    cl0050 = page.get_by_role("link", name=re.compile("^Institutionalizing the Alliance")).first
    cl0050.click()
    page.wait_for_url(f"{journey.site}/commitments/CL0050/")
    journey.step(page, "5-commitment")
    assert page.get_by_role("navigation", name=t("Contents")).is_visible()

    # The past: the page says from which day the record holds history (the seed's), and its date
    # control offers only the days from then to today.
    begins = past.history_begins(Commitment.objects.get(identifier="CL0050"))
    first_day = day(journey.language, begins)
    assert first_day in page.locator("#as-of-range").inner_text()
    control = page.locator("#as-of-date")
    assert control.get_attribute("min") == begins.isoformat()
    assert control.get_attribute("max") == timezone.localdate().isoformat()
    # A day before the record began (an old link, say): a clear page naming the first day, linked.
    before = begins - datetime.timedelta(days=400)
    response = page.goto(f"{journey.site}/commitments/CL0050/?as_of={before.isoformat()}")
    assert response.status == 200
    journey.step(page, "6-before-the-record")
    assert day(journey.language, before) in page.locator("#as-of-heading").inner_text()
    assert first_day in page.locator(".history-begins").inner_text()
    page.locator(".as-of-first-day").click()
    page.wait_for_url(re.compile(rf"as_of={begins.isoformat()}"))
    journey.step(page, "7-first-day")
    assert page.locator("#as-of-heading").is_visible()
    assert page.get_by_role("heading", name=t("Milestones")).is_visible()

    # Follow it by e-mail, confirm from the mail.
    page.goto(f"{journey.site}/commitments/CL0050/")
    page.locator("#follow-email").fill("ana@example.org")
    page.locator("#follow-form button[type=submit]").click()
    page.wait_for_url("**/follow/sent/**")
    journey.step(page, "8-follow-sent")
    (message,) = inbox.messages
    page.goto(next(link for link in links(message) if "/follow/confirm/" in link))
    journey.step(page, "9-follow-confirm")
    page.locator("#confirm-form button").click()
    page.wait_for_load_state()
    journey.step(page, "10-following")
    assert t("You follow it now") in page.locator("h1").inner_text()
    assert Subscription.objects.get(email="ana@example.org").confirmed_at is not None
