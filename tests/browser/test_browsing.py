"""Browsing in headless Chromium: filter the list, open CL0050, switch to Spanish, and axe-core checks."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_list_and_remove_a_filter(site, page, screenshot):
    page.goto(f"{site}/commitments/")
    assert page.locator("#result-count").inner_text() == "62 commitments match."
    page.get_by_label("Search", exact=True).fill("secretaría ejecutiva")
    # Ticking a choice applies the form (static/js/list.js); the URL is the canonical, short one.
    page.locator('#facet-action_plan input[value="AP_CHL03"]').check()
    page.wait_for_url(re.compile(r"action_plan=AP_CHL03$"))
    assert "q=secretar%C3%ADa+ejecutiva" in page.url
    assert page.locator("#result-count").inner_text() == "1 commitment matches."
    assert page.locator("td.identifier-cell").all_inner_texts() == ["CL0050"]
    # The choices count what they would give, the other filters applied.
    chosen_plan = " ".join(page.locator("#facet-action_plan label:has(input:checked)").inner_text().split())
    assert chosen_plan == "Chile Action Plan 2016-2018 (1)"
    screenshot(page, "list-filtered")

    page.get_by_role("link", name="Remove Search: secretaría ejecutiva").click()
    page.wait_for_url(re.compile(r"\?action_plan=AP_CHL03$"))
    count = page.locator("#result-count").inner_text()
    assert re.fullmatch(r"\d+ commitments match\.", count) and count != "62 commitments match."


def test_pagination_keeps_the_filters(site, page):
    page.goto(f"{site}/commitments/?status=inactive&sort=-identifier")
    page.get_by_role("navigation", name="Pages of results").get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"status=inactive&sort=-identifier&page=2"))
    assert page.get_by_label("Sort by").input_value() == "-identifier"
    assert page.locator("td.identifier-cell").count() == 25


def test_open_cl0050_from_the_list(site, page, screenshot):
    page.goto(f"{site}/commitments/?sort=-completion")
    screenshot(page, "list", docs_name="commitment-list.png")
    page.get_by_label("Search", exact=True).fill("secretaria ejecutiva de gobierno abierto")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"q=secretaria"))
    screenshot(page, "list-search")
    page.get_by_role("link", name=re.compile(r"^Institutionalizing the Alliance")).click()
    page.wait_for_url(f"{site}/commitments/CL0050/")
    assert "(CL0050)" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="Milestones").is_visible()
    screenshot(page, "commitment-cl0050", docs_name="commitment-cl0050.png")


def test_switch_the_language_to_spanish(site, page, screenshot):
    page.goto(f"{site}/commitments/?q=CL0050")
    assert page.get_by_role("heading", level=1).inner_text() == "Commitments"
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Compromisos"
    # The same list, the IRM's ratings in Spanish; the content stays as written.
    assert page.url.endswith("/commitments/?q=CL0050")
    row = page.locator("tbody tr").first
    assert "Sustancial" in row.inner_text() and "Limitado" in row.inner_text()
    assert "Institutionalizing the Alliance" in row.inner_text()
    screenshot(page, "list-spanish")

    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/commitments/CL0050/$"))
    assert page.get_by_role("heading", name="Hitos").is_visible()
    assert "Sustancial" in page.locator("main").inner_text()
    screenshot(page, "commitment-cl0050-spanish")


def test_the_language_follows_the_browser(site, browser):
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    try:
        page = context.new_page()
        page.goto(f"{site}/commitments/")
        assert page.get_by_role("heading", level=1).inner_text() == "Compromisos"
        assert page.get_by_label("Ordenar por").is_visible()
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_shows_on_focus(site, page):
    page.goto(f"{site}/commitments/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["width"] > 1


@pytest.mark.parametrize(("name", "path"), [
    ("home", "/"),
    ("list", "/commitments/"),
    ("list-filtered", "/commitments/?member=chile&completion=substantial&q=secretaria"),
    ("detail", "/commitments/CL0050/"),
    ("member", "/members/chile/"),
])
def test_no_serious_or_critical_accessibility_violation(site, page, screenshot, name, path):
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(f"{site}{path}")
    assert response.status == 200
    results = Axe().run(page)
    screenshot(page, f"axe-{name}")
    serious = [f"{violation['id']} ({violation['impact']}): {violation['help']} "
               f"{[node['target'] for node in violation['nodes']][:5]}"
               for violation in results.response["violations"]
               if violation["impact"] in ("serious", "critical")]
    assert serious == []
