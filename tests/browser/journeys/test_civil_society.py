"""A civil society visitor's day: search, filter by several choices, open a commitment, see it on a past
day, follow it by e-mail (over a real SMTP server, as tests/browser/test_follow.py does)."""

import re

import pytest
from django.utils import timezone

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


def test_a_civil_society_day(journey, inbox):
    t = journey.t
    page = journey.new_page()
    page.goto(f"{journey.site}/")
    journey.step(page, "1-home")
    search = page.get_by_role("search").get_by_label(t("Search the commitments"))
    search.fill("government")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/commitments/\?q=government"))
    journey.step(page, "2-search")
    found = page.locator("#result-count").inner_text()

    # Several choices: two action plans (each tick applies the form; without JavaScript, Apply does).
    for plan in ("AP_CHL03", "AP_CHL04"):
        open_filters(page)
        page.locator(f'#facet-action_plan input[value="{plan}"]').check()
        page.wait_for_url(re.compile(rf"action_plan={plan}"))
    assert "action_plan=AP_CHL03" in page.url and "action_plan=AP_CHL04" in page.url
    journey.step(page, "3-filtered")
    assert page.locator("#result-count").inner_text() != found
    cl0050 = page.get_by_role("link", name=re.compile("^Institutionalizing the Alliance")).first
    cl0050.click()
    page.wait_for_url(f"{journey.site}/commitments/CL0050/")
    journey.step(page, "4-commitment")
    assert page.get_by_role("navigation", name=t("Contents")).is_visible()

    # A past day: the record began when the seed was loaded (today).
    # TODO(issue 22, point 3): the page names the first recorded day; the control offers only days in range.
    today = timezone.localdate()
    page.locator("#as-of-date").fill(today.isoformat())
    page.locator(".as-of-form").get_by_role("button", name=t("Show")).click()
    page.wait_for_url(re.compile(rf"as_of={today.isoformat()}"))
    journey.step(page, "5-past-day")
    assert page.locator("#as-of-heading").is_visible()
    assert page.get_by_role("heading", name=t("Milestones")).is_visible()

    # Follow it by e-mail, confirm from the mail.
    page.goto(f"{journey.site}/commitments/CL0050/")
    page.locator("#follow-email").fill("ana@example.org")
    page.locator("#follow-form button[type=submit]").click()
    page.wait_for_url("**/follow/sent/**")
    journey.step(page, "6-follow-sent")
    (message,) = inbox.messages
    page.goto(next(link for link in links(message) if "/follow/confirm/" in link))
    page.locator("#confirm-form button").click()
    page.wait_for_load_state()
    journey.step(page, "7-following")
    assert t("You follow it now") in page.locator("h1").inner_text()
    assert Subscription.objects.get(email="ana@example.org").confirmed_at is not None
