"""axe-core over every page the journeys visit (public, staff and the reviewer's admin pages), at
1,280 and 390 px, in English and Spanish: no violation of any impact, no critical "incomplete"."""

import csv
import io

import pytest
from django.utils import timezone

from commitments.models import ActionPlan, Member
from commitments.services import staff_membership_grant
from tests.browser.axe import axe_problems
from tests.commitments.dashboard_data import PASSWORD, make_desk_data, reviewer, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-GB", "es": "es-ES"}

PUBLIC = [
    ("home", "/"),
    ("list", "/commitments/?member=chile&completion=substantial"),
    ("facet", "/commitments/facets/lead_institution/"),
    ("commitment", "/commitments/CL0050/"),
    ("commitment-past", "/commitments/CL0050/?as_of={today}"),
    ("member", "/members/chile/"),
    ("member-report", "/members/chile/report/"),
    ("follow", "/follow/?target=commitment&key=CL0050"),
    ("follow-sent", "/follow/sent/?target=commitment&key=CL0050"),
    ("sign-in", "/accounts/login/"),
]
SECRETARIAT = [
    ("dashboard", "/staff/"),
    ("edit", "/commitments/CL0050/edit/"),
]
REVIEWER = [
    ("reviewer-dashboard", "/staff/"),
    ("irm-report-add", "/admin/reviews/irmreport/add/?action_plan={plan}"),
    ("assessment-add", "/admin/reviews/assessment/add/"),
]


def sign_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()


def check(page, url, problems, name):
    response = page.goto(url)
    assert response.status == 200, f"{name}: {url} answered {response.status}"
    # Folded parts (the list's filters on a phone, "more choices", the history) opened: checked as a
    # visitor who opens them sees them.
    page.evaluate("document.querySelectorAll('details').forEach(fold => { fold.open = true; })")
    problems.extend(f"{name}: {line}" for line in axe_problems(page))


def bulk_preview(page, site, problems):
    """The bulk update's preview, from Aland's own sheet with one milestone's status changed."""
    text = page.request.get(f"{site}/staff/aland/updates.csv").text()
    rows = list(csv.DictReader(io.StringIO(text)))
    milestone = next(row for row in rows if row["milestone"])
    milestone.update(status="complete", note="Published")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    page.goto(f"{site}/staff/?member=aland")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "updates.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}])
    page.locator("form:has(input[type=file]) button[type=submit]").first.click()
    page.wait_for_url("**/staff/aland/updates/")
    problems.extend(f"bulk-preview: {line}" for line in axe_problems(page))


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_of_the_journeys_passes_axe(site, browser, django_user_model, width, language):
    # The seed's plans have ended (nothing open to update in bulk): Aland's current plan beside it.
    aland = make_desk_data().aland
    staff_membership_grant(user=staff_of(django_user_model, Member.objects.get(slug="chile"), "chile-staff"),
                           member=aland)
    reviewer(django_user_model)
    values = {"today": timezone.localdate().isoformat(), "plan": ActionPlan.objects.get(ogp_id="AP_CHL03").pk}
    problems = []
    for pages, username in ((PUBLIC, None), (SECRETARIAT, "chile-staff"), (REVIEWER, "irm")):
        context = browser.new_context(viewport=WIDTHS[width], locale=LANGUAGES[language],
                                      is_mobile=width == "phone", has_touch=width == "phone",
                                      extra_http_headers={"Accept-Language": f"{language};q=1"})
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username:
            sign_in(page, site, username)
        for name, path in pages:
            check(page, f"{site}{path.format(**values)}", problems, name)
        if username == "chile-staff":
            bulk_preview(page, site, problems)
        context.close()
    assert problems == [], "\n".join(problems)


CONTENTS = {
    "en": ("Contents", ["At a glance", "Design", "Implementation", "Description", "Milestones",
                        "Did it open government?", "Carried forward", "Sources", "History",
                        "Follow this commitment by e-mail", "Chile's commitments"]),
    "es": ("Contenido", ["De un vistazo", "Diseño", "Implementación", "Descripción", "Hitos",
                         "¿Se avanzó en la apertura del Gobierno?", "Continuado", "Fuentes", "Historial",
                         "Seguir este compromiso por correo electrónico", "Compromisos de Chile"]),
}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_long_commitment_page_opens_with_its_contents(site, browser, language):
    heading, sections = CONTENTS[language]
    # Without JavaScript: the contents are plain links to the sections' headings.
    context = browser.new_context(viewport=WIDTHS["phone"], locale=LANGUAGES[language],
                                  java_script_enabled=False,
                                  extra_http_headers={"Accept-Language": f"{language};q=1"})
    page = context.new_page()
    page.goto(f"{site}/commitments/CL0050/")
    contents = page.get_by_role("navigation", name=heading)
    # Right below the title, before the first section.
    assert contents.evaluate("nav => nav.compareDocumentPosition(document.getElementById('glance-heading')) "
                             "& Node.DOCUMENT_POSITION_FOLLOWING")
    links = contents.get_by_role("link")
    assert links.all_inner_texts() == sections
    for link in links.all():
        target = page.locator(link.get_attribute("href"))
        assert target.count() == 1 and target.evaluate("element => element.tagName") == "H2"
        assert target.inner_text() == link.inner_text()
    assert page.evaluate("window.scrollY") == 0
    contents.get_by_role("link", name=sections[4]).click()
    page.wait_for_url("**#milestones-heading")
    box = page.locator("#milestones-heading").bounding_box()
    assert page.evaluate("window.scrollY") > 1000 and 0 <= box["y"] < 100
    context.close()
