"""The staff edit page in headless Chromium, at 1,280 and 390 px, in English and Spanish: a refused save
shows its error summary at the top, focused, each link moving to its field; a version conflict keeps
the note typed; axe finds nothing serious on the refused page (the Date met inputs named help text ids
that did not exist)."""

import pytest

from commitments import services
from commitments.models import Commitment
from tests.conftest import ROLE_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDIT = "/commitments/CL0050/edit/"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NOTHING_SAVED = {"en": "Nothing was saved", "es": "Nada se guardó"}


@pytest.fixture(params=[(width, language) for language in ("en", "es") for width in WIDTHS],
                ids=lambda param: f"{param[1]}-{param[0]}")
def staff_page(request, browser, site, chile_staff):
    width, language = request.param
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language},
                                  viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site}/accounts/login/")
    page.locator("#id_username").fill("chile-staff")
    page.locator("#id_password").fill(ROLE_PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()
    page.label = f"{language}-{width}"
    page.language = language
    yield page
    context.close()


def in_viewport(page, selector) -> bool:
    """The element's top is on screen (a long summary may go on below it)."""
    return page.evaluate("""selector => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.top < window.innerHeight;
    }""", selector)


def axe_findings(page) -> tuple[list, list]:
    """axe-core's violations (any impact) and its critical "incomplete" results on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    violations = [f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
                  for v in results["violations"]]
    critical_incomplete = [f"{v['id']} {[n['target'] for n in v['nodes']][:3]}"
                           for v in results["incomplete"] if v["impact"] == "critical"]
    return violations, critical_incomplete


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_refused_save_shows_the_summary_at_the_top_and_its_links_reach_the_fields(site, staff_page,
                                                                                      screenshot):
    page = staff_page
    page.goto(f"{site}{EDIT}")
    assert axe_findings(page) == ([], [])
    milestone = Commitment.objects.get(identifier="CL0050").milestones.get(order=3)
    page.locator("#id_status").select_option(Commitment.Status.ACTIVE)  # no note
    page.locator(f"#id_milestone-{milestone.pk}-evidence_url").fill("not a link")
    page.locator(f"#id_milestone-{milestone.pk}-note").fill("Kept when refused")
    page.locator("#commitment-edit-form button[type=submit]").click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    assert NOTHING_SAVED[page.language] in summary.inner_text()
    # At the top and focused on load, without any script of ours.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert in_viewport(page, "#error-summary")
    assert fits(page), f"the refused page scrolls sideways ({page.label})"
    screenshot(page, f"edit-refused-{page.label}")

    assert axe_findings(page) == ([], [])

    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#id_note", f"#id_milestone-{milestone.pk}-evidence_url"]
    # The milestone's link leads down the page to its field, which is then in view.
    links.nth(1).click()
    page.wait_for_function(f"location.hash === '#id_milestone-{milestone.pk}-evidence_url'")
    assert in_viewport(page, f"#id_milestone-{milestone.pk}-evidence_url")
    assert page.locator(f"#id_milestone-{milestone.pk}-note").input_value() == "Kept when refused"
    screenshot(page, f"edit-refused-link-{page.label}")


def test_a_conflict_keeps_the_note_typed(site, staff_page, screenshot, superuser):
    page = staff_page
    page.goto(f"{site}{EDIT}")
    milestone = Commitment.objects.get(identifier="CL0050").milestones.get(order=2)
    page.locator(f"#id_milestone-{milestone.pk}-status").select_option("limited")
    page.locator(f"#id_milestone-{milestone.pk}-note").fill("My reason, typed at length")
    # Meanwhile someone else saves the commitment.
    commitment = Commitment.objects.get(identifier="CL0050")
    services.commitment_update(commitment=commitment, user=superuser,
                               data={"status": Commitment.Status.ACTIVE}, note="Reopened meanwhile",
                               expected_version=commitment.version)
    page.locator("#commitment-edit-form button[type=submit]").click()
    page.wait_for_load_state()

    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "Reopened meanwhile" in page.locator(".conflict").inner_text()
    assert page.locator(f"#id_milestone-{milestone.pk}-note").input_value() == "My reason, typed at length"
    assert page.locator(f"#id_milestone-{milestone.pk}-status").input_value() == "limited"
    assert page.locator("#id_status").input_value() == Commitment.Status.INACTIVE
    assert page.locator("#id_status ~ .saved-now").is_visible()
    assert fits(page), f"the conflict page scrolls sideways ({page.label})"
    screenshot(page, f"edit-conflict-{page.label}")

    # Saved again as it stands (the commitment's status taken from what is saved now): theirs is kept.
    page.locator("#id_status").select_option(Commitment.Status.ACTIVE)
    page.locator("#commitment-edit-form button[type=submit]").click()
    page.wait_for_url(f"{site}/commitments/CL0050/")
    assert Commitment.objects.get(identifier="CL0050").milestones.get(order=2).status == "limited"
