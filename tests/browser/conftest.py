"""Browser tests: Debian's headless chromium, driven by Playwright, on a live server with the seed."""

import os
from pathlib import Path

import pytest

# Playwright runs an event loop in this thread; Django refuses sync ORM calls inside one unless told.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Set to refresh the README's screenshots under docs/ from a test run.
UPDATE_DOCS = os.environ.get("OGPTRACKER_UPDATE_DOCS_SCREENSHOTS") == "1"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh English-speaking browser tab (its own cookies), wide enough for the two-column list."""
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def site(live_server, transactional_db, chile):
    """The live server's base URL, with the Chile seed loaded as `manage.py loaddata chile` does."""
    return live_server.url


@pytest.fixture
def screenshot():
    """Save the page's screenshot under test-artifacts/screenshots/ (and docs/ when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name, docs_name=None):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if docs_name and UPDATE_DOCS:
            page.screenshot(path=str(ROOT / "docs" / docs_name), full_page=False)
        return path

    return save
