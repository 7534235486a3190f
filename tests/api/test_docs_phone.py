"""/api/v1/docs/ on a 390 px phone, in headless Chromium: it never scrolls sideways (long
addresses and tables scroll in their own boxes), in English and Spanish."""

import pytest

from tests.browser.conftest import browser, screenshot, site  # noqa: F401  (the browser tests' fixtures)
from tests.browser.test_phone import measure, phone  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_fit_a_phone(site, phone, screenshot):  # noqa: F811
    assert measure(phone, site, screenshot, "api-docs", "/api/v1/docs/") is None
