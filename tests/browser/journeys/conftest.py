"""A role's day in the browser: each journey runs at 1,280 and 390 px, in English and Spanish, and saves
a screenshot at each step as test-artifacts/screenshots/journeys/<role>-<lang>-<width>-<step>.png."""

import pytest
from django.utils import translation

from tests.browser.conftest import SCREENSHOTS
from tests.commitments.dashboard_data import PASSWORD

VIEWPORTS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-GB", "es": "es-ES"}


class Journey:
    """One role's walk in one language at one width: its browser tabs, its steps' screenshots."""

    def __init__(self, browser, site, role, language, width):
        self.browser, self.site, self.role, self.language, self.width = browser, site, role, language, width
        self.contexts = []

    def new_page(self):
        """A new tab with its own cookies (a second person, or the same one on another machine)."""
        phone = self.width < 800
        context = self.browser.new_context(
            viewport=VIEWPORTS[self.width], locale=LANGUAGES[self.language], is_mobile=phone, has_touch=phone,
            accept_downloads=True, extra_http_headers={"Accept-Language": f"{self.language};q=1"})
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def t(self, message: str, **values) -> str:
        """The site's wording of `message` in this journey's language (the .po file's)."""
        with translation.override(self.language):
            text = translation.gettext(message)
        return text % values if values else text

    def step(self, page, name: str) -> None:
        path = SCREENSHOTS / "journeys" / f"{self.role}-{self.language}-{self.width}-{name}.png"
        page.screenshot(path=str(path), full_page=True)

    def sign_in(self, page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.site}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("#login-form button[type=submit]").click()
        page.wait_for_url(f"{self.site}/staff/**")

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture(params=[(language, width) for language in LANGUAGES for width in VIEWPORTS],
                ids=lambda param: f"{param[0]}-{param[1]}")
def journey(request, browser, site):
    (SCREENSHOTS / "journeys").mkdir(parents=True, exist_ok=True)
    language, width = request.param
    walk = Journey(browser, site, request.module.ROLE, language, width)
    yield walk
    walk.close()
