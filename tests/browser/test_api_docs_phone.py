"""/api/v1/docs/ on a 390 px phone, in headless Chromium: it never scrolls sideways (long
addresses and tables scroll in their own boxes), in English and Spanish."""

import pytest

# Here, under tests/browser/, so it shares the session's one Playwright (a second sync_playwright in
# the same process fails: "using Playwright Sync API inside the asyncio loop").
from tests.browser.test_phone import measure, phone  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_fit_a_phone(site, phone, screenshot):  # noqa: F811  (phone, imported above)
    assert measure(phone, site, screenshot, "api-docs", "/api/v1/docs/") is None
