"""The commitment list fits (issue 22, point 5), measured in headless Chromium in English and Spanish:
at 1,280 px no column is clipped and the table fits its column; at 390 px each commitment is a card
showing its identifier, title, member and plan and both completions, and the page never scrolls
sideways; with the filters open on a phone, Apply stays on screen (without JavaScript too).

On the Chile seed plus a member whose names are long, as Spanish-speaking members' are: long titles
(one with a link in it, one with markup), long plan and institution names and every missing code."""

import pytest

from reviews.models import IRMReport
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    MemberFactory,
)
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LANGUAGES = {"en": "en-GB", "es": "es-ES"}
COMPLETION_LABELS = {
    "en": ("Mid-term completion", "End-of-term completion"),
    "es": ("Cumplimiento a medio término", "Cumplimiento al final del periodo"),
}

TITLES = [
    "Fortalecimiento de la institucionalidad de la transparencia y el acceso a la información pública "
    "en las comunas, con participación de las organizaciones de la sociedad civil",
    "Presupuesto participativo comunal publicado en "
    "https://datos.buenosaires.gob.ar/dataset/presupuesto-participativo-comunal-2019-resultados",
    "<b>Interoperabilidad</b> & datos abiertos: «plataforma» de compras públicas",
    "Responsabilidad",
    "Implementación del Sistema Interinstitucional de Monitoreo y Evaluación de Políticas Públicas",
    "Co-creación de un protocolo de gobierno abierto para emergencias climáticas y sanitarias",
]
INSTITUTIONS = [
    "Subsecretaría de Ciencia, Tecnología e Innovación del Ministerio de Modernización, "
    "Innovación y Tecnología",
    "Superintendencia de Telecomunicaciones y Radiodifusión",
    "Dirección General de Interoperabilidad e Infraestructuras Tecnológicas",
]
# (mid-term, end-of-term): every label of the Completion scale a row can show, the longest in Spanish.
RATINGS = [("NR", "not-started"), ("ND", "NA"), ("substantial", "withdrawn"), (None, "unclear"),
           ("not-started", None), ("limited", "substantial")]


@pytest.fixture
def long_site(site):
    """The seed, and six commitments of a member whose every name is long."""
    member = MemberFactory(name="Ciudad Autónoma de Buenos Aires", slug="ciudad-autonoma-de-buenos-aires")
    plan = ActionPlanFactory(
        member=member, ogp_id="AP_BUE02", submission_year=2019, end_year=2021,
        title="Segundo Plan de Acción de Gobierno Abierto de la Ciudad Autónoma de Buenos Aires 2019-2021")
    progress = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.PROGRESS)
    end_of_term = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM)
    for number, (title, (mid_term, end)) in enumerate(zip(TITLES, RATINGS, strict=True), start=1):
        commitment = CommitmentFactory(
            identifier=f"BUE{number:06d}" if number == 1 else f"BUE{number:04d}", action_plan=plan,
            title=title, lead_institution=InstitutionFactory(name=INSTITUTIONS[number % len(INSTITUTIONS)]))
        for report, completion in ((progress, mid_term), (end_of_term, end)):
            if completion is not None:
                AssessmentFactory(commitment=commitment, report=report, completion=completion)
    return site


@pytest.fixture(params=list(LANGUAGES))
def language(request):
    return request.param


def tab(browser, language, viewport, javascript=True):
    context = browser.new_context(viewport=viewport, locale=LANGUAGES[language],
                                  java_script_enabled=javascript, is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE,
                                  extra_http_headers={"Accept-Language": f"{language};q=1"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def wide(browser, language):
    page = tab(browser, language, WIDE)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, language):
    page = tab(browser, language, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def phone_without_javascript(browser, language):
    page = tab(browser, language, PHONE, javascript=False)
    yield page
    page.context.close()


# The member's rows, the seed's first page (Chile, by identifier), the seed sorted by completion,
# and a text search (a snippet under each title).
PATHS = [
    ("long", "/commitments/?member=ciudad-autonoma-de-buenos-aires"),
    ("all", "/commitments/"),
    ("by-completion", "/commitments/?sort=-completion"),
    ("search", "/commitments/?q=gobierno"),
]


def open_list(page, site, path, language):
    response = page.goto(f"{site}{path}")
    assert response.status == 200, path
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".list-table tbody tr").count() > 0, path


CLIPPED = """() => {
  const clipped = [];
  for (const cell of document.querySelectorAll('.list-table th, .list-table td')) {
    if (cell.scrollWidth > cell.clientWidth) {
      clipped.push(`${cell.innerText.slice(0, 40)}: ${cell.scrollWidth} > ${cell.clientWidth}`);
    }
  }
  const table = document.querySelector('.list-table');
  const box = document.querySelector('.list-results .table-scroll');
  return {clipped, table: table.getBoundingClientRect().width, box: box.clientWidth,
          boxScroll: box.scrollWidth, page: document.documentElement.scrollWidth,
          rowDisplay: getComputedStyle(table.querySelector('tbody tr')).display};
}"""


def test_at_1280_px_every_column_is_readable_without_clipping(long_site, wide, language, screenshot):
    for name, path in PATHS:
        open_list(wide, long_site, path, language)
        screenshot(wide, f"list-fits-1280-{language}-{name}")
        sizes = wide.evaluate(CLIPPED)
        assert sizes["rowDisplay"] == "table-row", f"{path}: a table at 1,280 px, not cards"
        assert sizes["clipped"] == [], path
        assert sizes["table"] <= sizes["box"] and sizes["boxScroll"] <= sizes["box"], f"{path}: {sizes}"
        assert sizes["page"] <= WIDE["width"], path
    # The header cells still head their columns: seven of them, the completions among them.
    headers = wide.locator(".list-table thead th[scope=col]").all_inner_texts()
    assert len(headers) == 7
    assert all(label in " ".join(headers) for label in COMPLETION_LABELS[language])


CARDS = """(labels) => {
  const cards = [];
  for (const row of document.querySelectorAll('.list-table tbody tr')) {
    const box = row.getBoundingClientRect();
    const cell = (selector) => {
      const element = row.querySelector(selector);
      if (!element) return null;
      const r = element.getBoundingClientRect();
      return {text: element.innerText.trim(), left: r.left, right: r.right, width: r.width, height: r.height,
              label: getComputedStyle(element, '::before').content};
    };
    cards.push({display: getComputedStyle(row).display, left: box.left, right: box.right, top: box.top,
                bottom: box.bottom, identifier: cell('.identifier-cell'), title: cell('th[scope=row]'),
                plan: cell(`td[data-label="${labels[2]}"]`), mid: cell(`td[data-label="${labels[0]}"]`),
                end: cell(`td[data-label="${labels[1]}"]`)});
  }
  return {cards, page: document.documentElement.scrollWidth};
}"""
PLAN_LABELS = {"en": "Member and action plan", "es": "Miembro y plan de acción"}


def test_at_390_px_each_commitment_is_a_card(long_site, phone, language, screenshot):
    mid_label, end_label = COMPLETION_LABELS[language]
    for name, path in PATHS:
        open_list(phone, long_site, path, language)
        screenshot(phone, f"list-fits-390-{language}-{name}")
        found = phone.evaluate(CARDS, [mid_label, end_label, PLAN_LABELS[language]])
        assert found["page"] <= PHONE["width"], f"{path}: the page scrolls sideways"
        previous_bottom = None
        for card in found["cards"]:
            assert card["display"] != "table-row", f"{path}: rows are cards at 390 px"
            assert 0 <= card["left"] and card["right"] <= PHONE["width"], f"{path}: {card}"
            # One card under the other, never side by side.
            assert previous_bottom is None or card["top"] >= previous_bottom - 0.5
            previous_bottom = card["bottom"]
            # A card is read at a glance: no taller than the screen (a long title and names included).
            assert card["bottom"] - card["top"] < PHONE["height"], (path, card)
            for thing in ("identifier", "title", "plan", "mid", "end"):
                shown = card[thing]
                assert shown and shown["text"], (path, thing, card)
                # Each a line of the card, as wide as the card (less its padding), not a sliver.
                assert shown["width"] >= 0.8 * (card["right"] - card["left"]), (path, thing, shown)
                assert shown["height"] > 0, (path, thing, shown)
                assert 0 <= shown["left"] and shown["right"] <= PHONE["width"], (path, thing, shown)
            # Both completions say which they are, in the page's language.
            assert mid_label in card["mid"]["label"] and end_label in card["end"]["label"], card
            assert PLAN_LABELS[language] in card["plan"]["label"], card
    # A long member's card: its rating labels are read whole, the Spanish ones too.
    open_list(phone, long_site, PATHS[0][1], language)
    first = phone.locator(".list-table tbody tr").first
    assert "BUE000001" in first.inner_text()
    assert ("No revisado" if language == "es" else "Not reviewed") in first.inner_text()


def apply_in_view(page) -> bool:
    box = page.locator("#commitment-filters button[type=submit]").bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]


def test_with_the_filters_open_on_a_phone_apply_stays_on_screen(long_site, phone_without_javascript, language,
                                                                 screenshot):
    page = phone_without_javascript
    open_list(page, long_site, "/commitments/", language)
    page.locator(".filters-fold > summary").click()
    form = page.locator("#commitment-filters")
    assert form.is_visible()
    assert apply_in_view(page), "Apply is on screen as soon as the filters open"
    screenshot(page, f"list-fits-390-{language}-filters-open")
    # Half-way down the filters and at their end, it is still there.
    top, height = form.evaluate("form => [form.getBoundingClientRect().top + scrollY, form.offsetHeight]")
    assert height > 2 * PHONE["height"], "the filters are longer than the screen: the case that needs it"
    for at in (top + height / 2, top + height - PHONE["height"]):
        page.evaluate("y => window.scrollTo(0, y)", at)
        assert apply_in_view(page), f"Apply is off screen at {at} px"
    screenshot(page, f"list-fits-390-{language}-filters-scrolled")
    # And it applies: ticking a choice then Apply filters the list (no JavaScript on this tab).
    page.locator('#facet-member input[value="chile"]').check()
    page.locator("#commitment-filters button[type=submit]").click()
    page.wait_for_url("**/commitments/?member=chile")
    assert page.locator(".list-table tbody tr").count() == 25


def axe_problems(page) -> list[str]:
    """axe-core's violations and critical "incomplete" results on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response
    return [f"{result['id']} ({result['impact']}): {[node['target'] for node in result['nodes']][:3]}"
            for result in found["violations"]
            + [result for result in found["incomplete"] if result["impact"] == "critical"]]


def test_the_cards_and_the_wide_table_pass_axe(long_site, wide, phone, language):
    open_list(wide, long_site, PATHS[0][1], language)
    assert axe_problems(wide) == []
    open_list(phone, long_site, PATHS[0][1], language)
    phone.locator(".filters-fold > summary").click()
    assert axe_problems(phone) == []


def test_on_a_phone_the_sort_links_show_when_a_keyboard_reaches_them(long_site, phone, language):
    open_list(phone, long_site, PATHS[0][1], language)
    head = phone.locator(".list-table thead")
    assert head.bounding_box()["height"] <= 1, "kept for assistive technology, not shown"
    phone.locator(".list-table thead a").first.focus()
    box = head.bounding_box()
    assert box["height"] > 10 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
