"""Following by e-mail in a real browser on a 390 px phone, in English and Spanish: the form on the
pages, the answer, the mailed links (over a real SMTP server) and their pages, none scrolling sideways."""

import pytest

from follow.models import Subscription
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_phone import LANGUAGES, PHONE, overflow
from tests.follow.mailbox import links, smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"sent": "Check your inbox", "confirmed": "You follow it now", "unsubscribed": "Unsubscribed"},
    "es": {"sent": "Revise su bandeja de entrada", "confirmed": "Ya lo sigue",
           "unsubscribed": "Baja confirmada"},
}


@pytest.fixture(params=list(LANGUAGES))
def phone(request, browser):
    language = request.param
    context = browser.new_context(viewport=PHONE, locale=LANGUAGES[language], is_mobile=True, has_touch=True,
                                  extra_http_headers={"Accept-Language": f"{language};q=1"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.language = language
    yield page
    context.close()


@pytest.fixture
def inbox(site, settings):
    with smtp_server(settings) as handler:
        settings.SITE_URL = site
        yield handler


def fits(page, screenshot, name) -> None:
    screenshot(page, f"follow-{page.language}-{name}")
    sizes = overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], f"{page.url}: {sizes}"


@pytest.mark.parametrize("path", ["/", "/members/chile/"])
def test_the_follow_form_fits_a_phone(site, phone, screenshot, path):
    phone.goto(f"{site}{path}")
    name = path.strip("/").replace("/", "-") or "home"
    form = phone.locator("section.follow")
    assert form.locator("#follow-email").is_visible()
    fits(phone, screenshot, name)
    form.screenshot(path=str(SCREENSHOTS / f"follow-{phone.language}-form-{name}.png"))
    # The address field and its button stay within the window.
    for control in ("#follow-email", "#follow-form button"):
        box = phone.locator(control).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control


def test_follow_confirm_and_unsubscribe_on_a_phone(site, inbox, phone, screenshot):
    texts = TEXTS[phone.language]
    phone.goto(f"{site}/commitments/CL0050/")
    fits(phone, screenshot, "commitment")
    phone.locator("#follow-email").fill("ana@example.org")
    phone.locator("#follow-form button[type=submit]").click()
    phone.wait_for_url("**/follow/sent/**")
    assert texts["sent"] in phone.locator("h1").inner_text()
    fits(phone, screenshot, "sent")

    (message,) = inbox.messages
    confirm = next(link for link in links(message) if "/follow/confirm/" in link)
    phone.goto(confirm)
    fits(phone, screenshot, "confirm")
    phone.locator("#confirm-form button").click()
    phone.wait_for_load_state()
    assert texts["confirmed"] in phone.locator("h1").inner_text()
    fits(phone, screenshot, "confirmed")
    assert Subscription.objects.get().confirmed_at is not None

    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    phone.goto(unsubscribe)
    fits(phone, screenshot, "unsubscribe")
    phone.locator("#unsubscribe-form button").click()
    phone.wait_for_load_state()
    assert texts["unsubscribed"] in phone.locator("h1").inner_text()
    fits(phone, screenshot, "unsubscribed")
    assert not Subscription.objects.exists()
