"""Issue 12: no permitted save breaks a public page, and links are only links.

Saves are refused with a clear message in the admin and on the staff edit page (identifiers and
OGP ids of OGP's shape, no control characters, http(s) links only); rows stored before those
rules, or by a path that skipped them (here: QuerySet.update), still render on every page, feed
and export.
"""

import csv
import io
import json
from html import unescape

import pytest
from openpyxl import load_workbook

from commitments.models import ActionPlan, Commitment, Member, Milestone
from reviews.models import IRMReport
from tests.html_forms import form_data

NOTE = "Checking the validators"


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


@pytest.fixture
def staff(client, chile_staff):
    """Secretariat staff of Chile: the role the issue's reproductions were made as."""
    client.force_login(chile_staff)
    return client


def admin_form(client, url, form_id):
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), form_id)


def commitment_admin(client):
    url = f"/admin/commitments/commitment/{cl0050().pk}/change/"
    data = admin_form(client, url, "commitment_form")
    data["change_note"] = NOTE
    return url, data


def refused(response, message, status=200):
    """The admin (200) or the staff page (400) answered with the form again, showing the message."""
    assert response.status_code == status
    assert message in unescape(response.content.decode())


# --- the admin refuses what a page cannot carry --------------------------------------------------

@pytest.mark.parametrize("identifier", ["UA 0001", "UA#1", "UA/1", "cl0050", "CL-0050", "CL0050\x01"])
def test_admin_refuses_an_identifier_not_of_ogps_shape(staff, identifier):
    url, data = commitment_admin(staff)
    data["identifier"] = identifier
    refused(staff.post(url, data), "An identifier is capital letters then digits, as OGP writes them")
    assert Commitment.objects.filter(identifier="CL0050").exists()


@pytest.mark.parametrize("ogp_id", ["AP UKR01", "AP_CHL 3", "ap_chl03", "AP_CHL03/1"])
def test_admin_refuses_an_ogp_id_not_of_ogps_shape(staff, ogp_id):
    plan = ActionPlan.objects.get(ogp_id="AP_CHL03")
    url = f"/admin/commitments/actionplan/{plan.pk}/change/"
    data = admin_form(staff, url, "actionplan_form")
    data["ogp_id"] = ogp_id
    refused(staff.post(url, data), "An OGP id is AP_, capital letters, then digits")
    assert ActionPlan.objects.filter(pk=plan.pk, ogp_id="AP_CHL03").exists()


def test_admin_saves_a_well_formed_identifier(staff):
    url, data = commitment_admin(staff)
    data["identifier"] = "CL0950"
    assert staff.post(url, data).status_code == 302
    assert Commitment.objects.filter(identifier="CL0950").exists()


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe", "\ufdd0"])
def test_admin_refuses_a_control_character_in_a_commitment_text(staff, character):
    url, data = commitment_admin(staff)
    data["title"] = f"Open{character} contracting"
    response = staff.post(url, data)
    refused(response, f"invisible control character (U+{ord(character):04X}) at position 5")
    assert character not in cl0050().title


def test_admin_refuses_a_nul_with_djangos_message(staff):
    url, data = commitment_admin(staff)
    data["title"] = "Open\x00 contracting"
    refused(staff.post(url, data), "Null characters are not allowed.")


def test_admin_keeps_tabs_and_line_breaks(staff):
    url, data = commitment_admin(staff)
    # A browser sends a textarea's line ends as CRLF.
    data["description"] = "First paragraph.\r\n\r\n\tSecond, indented."
    assert staff.post(url, data).status_code == 302
    assert "\tSecond, indented." in cl0050().description


def test_admin_refuses_a_control_character_in_the_public_note(staff):
    url, data = commitment_admin(staff)
    # Inside the text: a trailing \x0b is whitespace, which Django strips anyway.
    data["change_note"] = "Fixed\x0b typo"
    refused(staff.post(url, data), "(U+000B) at position 6")


def test_admin_refuses_a_control_character_in_a_milestone_inline(staff):
    url, data = commitment_admin(staff)
    data["milestones-0-text"] = "Publish\x01 the register"
    refused(staff.post(url, data), "(U+0001) at position 8")
    assert not Milestone.objects.filter(text__contains="\x01").exists()


def test_admin_refuses_a_control_character_in_a_plan_title(staff):
    plan = ActionPlan.objects.get(ogp_id="AP_CHL03")
    url = f"/admin/commitments/actionplan/{plan.pk}/change/"
    data = admin_form(staff, url, "actionplan_form")
    data["title"] = "Chile\x0b Action Plan"
    refused(staff.post(url, data), "(U+000B) at position 6")


def test_admin_refuses_a_control_character_in_a_member_name(admin_client, chile):
    url = f"/admin/commitments/member/{chile.pk}/change/"
    data = admin_form(admin_client, url, "member_form")
    data["name"] = "Chile\x01"
    refused(admin_client.post(url, data), "(U+0001) at position 6")


LINK_MESSAGE = "A link must start with http:// or https://."
# (value, the admin's message): a URL Django's URLField already refuses keeps Django's message
# (the admin runs a model field's validators only on what its form field accepted); ours adds
# the schemes URLField lets through.
NOT_LINKS = [("javascript:alert(1)", "Enter a valid URL."),
             ("data:text/html,<script>alert(1)</script>", "Enter a valid URL."),
             ("JaVaScRiPt:alert(1)", "Enter a valid URL."),
             ("ftp://ftp.example.org/a", LINK_MESSAGE), ("ftps://example.org/a", LINK_MESSAGE),
             ("FTP://ftp.example.org/a", LINK_MESSAGE)]


@pytest.mark.parametrize(("url_value", "message"), NOT_LINKS)
def test_admin_refuses_an_ogp_page_that_is_not_http(staff, url_value, message):
    url, data = commitment_admin(staff)
    data["ogp_url"] = url_value
    refused(staff.post(url, data), message)
    assert cl0050().ogp_url != url_value


@pytest.mark.parametrize(("url_value", "message"), NOT_LINKS)
def test_admin_refuses_an_evidence_link_that_is_not_http(staff, url_value, message):
    url, data = commitment_admin(staff)
    data["milestones-0-evidence_url"] = url_value
    refused(staff.post(url, data), message)
    assert not Milestone.objects.filter(evidence_url=url_value).exists()


def test_admin_refuses_a_source_link_that_is_not_http(staff):
    url, data = commitment_admin(staff)
    data["sources-0-url"] = "ftp://ftp.example.org/report.pdf"
    refused(staff.post(url, data), LINK_MESSAGE)


def test_admin_saves_https_links(staff):
    url, data = commitment_admin(staff)
    data["ogp_url"] = "https://www.opengovpartnership.org/members/chile/commitments/CL0050/"
    data["milestones-0-evidence_url"] = "http://www.ogp.gob.cl/"
    assert staff.post(url, data).status_code == 302
    assert cl0050().ogp_url.startswith("https://www.opengovpartnership.org/")


def test_admin_refuses_an_irm_report_link_that_is_not_http(admin_client, chile):
    report = IRMReport.objects.first()
    url = f"/admin/reviews/irmreport/{report.pk}/change/"
    data = admin_form(admin_client, url, "irmreport_form")
    data["url"] = "ftp://irm.example.org/report.pdf"
    refused(admin_client.post(url, data), LINK_MESSAGE)
    data["url"], data["researcher"] = "https://www.opengovpartnership.org/irm", "Ana\x0bMaría"
    refused(admin_client.post(url, data), "(U+000B) at position 4")
    report.refresh_from_db()
    assert report.url != "ftp://irm.example.org/report.pdf"


@pytest.mark.parametrize("stored", ["javascript:alert(3)", "data:text/html,<script>alert(1)</script>"])
def test_a_stored_report_link_that_is_not_http_is_no_link_on_the_plan_page(client, chile, stored):
    # Stored before the forms and the importer refused it (or by .update()): shown, never linked.
    report = IRMReport.objects.first()
    IRMReport.objects.filter(pk=report.pk).update(url=stored)
    response = client.get(report.action_plan.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert report.title in unescape(page) and "javascript:" not in page and 'href="data:' not in page
    IRMReport.objects.filter(pk=report.pk).update(url="https://www.opengovpartnership.org/irm/")
    assert 'href="https://www.opengovpartnership.org/irm/"' in client.get(
        report.action_plan.get_absolute_url()).content.decode()


# --- the staff edit page -------------------------------------------------------------------------

EDIT_URL = "/commitments/CL0050/edit/"


def staff_edit_form(client):
    response = client.get(EDIT_URL)
    assert response.status_code == 200
    return form_data(response.content.decode(), "commitment-edit-form")


def first_milestone_key(name):
    return f"milestone-{cl0050().milestones.get(order=1).pk}-{name}"


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\ufffe", "\U0010ffff"])
def test_staff_page_refuses_a_control_character_in_a_note(staff, character):
    data = staff_edit_form(staff)
    before = cl0050().status
    other = next(status for status in Commitment.Status if status != before)
    data.update(status=other, note=f"Closed{character} for now")
    refused(staff.post(EDIT_URL, data), f"(U+{ord(character):04X}) at position 7", status=400)
    assert cl0050().status == before


def test_staff_page_refuses_a_control_character_in_a_milestone_note(staff):
    data = staff_edit_form(staff)
    data[first_milestone_key("status")] = "complete"
    data[first_milestone_key("note")] = "\x01Done"
    refused(staff.post(EDIT_URL, data), "(U+0001) at position 1", status=400)


@pytest.mark.parametrize("url_value", ["ftp://ftp.example.org/a", "javascript:alert(1)"])
def test_staff_page_refuses_an_evidence_link_that_is_not_http(staff, url_value):
    data = staff_edit_form(staff)
    data[first_milestone_key("evidence_url")] = url_value
    data[first_milestone_key("note")] = "Evidence online"
    refused(staff.post(EDIT_URL, data), LINK_MESSAGE, status=400)
    assert cl0050().milestones.get(order=1).evidence_url != url_value


def test_staff_page_says_it_in_spanish(staff):
    data = staff_edit_form(staff)
    data[first_milestone_key("status")] = "complete"
    data[first_milestone_key("evidence_url")] = "ftp://ftp.example.org/a"
    data[first_milestone_key("note")] = "Hecho\x01"
    response = staff.post(EDIT_URL, data, HTTP_ACCEPT_LANGUAGE="es")
    refused(response, "carácter de control invisible (U+0001) en la posición 6", status=400)
    refused(response, "Un enlace debe empezar por http:// o https://.", status=400)


def test_staff_page_names_a_stored_value_it_does_not_edit(staff):
    commitment = stored_identifier("UA 0001")
    url = f"{commitment.get_absolute_url()}edit/"
    data = form_data(staff.get(url).content.decode(), "commitment-edit-form")
    data["status"] = next(status for status in Commitment.Status if status != commitment.status)
    data["note"] = "Status corrected"
    refused(staff.post(url, data), "Identifier: An identifier is capital letters", status=400)


def test_staff_page_names_a_stored_milestone_text_it_does_not_edit(staff):
    milestone = cl0050().milestones.get(order=1)
    Milestone.objects.filter(pk=milestone.pk).update(text="Step\x01")
    data = staff_edit_form(staff)
    data[first_milestone_key("status")] = "substantial" if milestone.status == "complete" else "complete"
    data[first_milestone_key("note")] = "Done"
    refused(staff.post(EDIT_URL, data), "Text: This text holds an invisible control character", status=400)
    assert cl0050().milestones.get(order=1).status == milestone.status


def test_staff_page_saves_an_https_evidence_link(staff):
    data = staff_edit_form(staff)
    data[first_milestone_key("evidence_url")] = "www.ogp.gob.cl/informes"
    data[first_milestone_key("note")] = "Evidence online"
    assert staff.post(EDIT_URL, data).status_code == 302
    assert cl0050().milestones.get(order=1).evidence_url == "https://www.ogp.gob.cl/informes"


# --- hostile rows stored before the validators render everywhere ----------------------------------

# Control characters in stored text are the feeds' to carry (issue 12, requirement 4); here, what
# a URL cannot carry as it is.
HOSTILE_IDENTIFIERS = ["UA 0001", "UA#1", "UA/1", "UA?x=1", "UA%201", "UA..", "ÜA-1", "UA\t1"]
HOSTILE_OGP_IDS = ["AP UKR01", "AP#1", "AP/1", "AP%2F"]


def stored_identifier(value):
    """CL0050 (and its history) under another identifier, written as the validators never would."""
    Commitment.objects.filter(identifier="CL0050").update(identifier=value)
    Commitment.history.filter(identifier="CL0050").update(identifier=value)
    return Commitment.objects.get(identifier=value)


def public_urls(member, plan, commitment):
    return [
        "/", "/members/", member.get_absolute_url(), plan.get_absolute_url(),
        commitment.get_absolute_url(), f"{commitment.get_absolute_url()}?as_of=2018-06-30",
        "/commitments/", "/commitments/?member=chile", "/feed/", f"/members/{member.slug}/feed/",
        f"{commitment.get_absolute_url()}feed/", f"/members/{member.slug}/report/",
        f"{plan.get_absolute_url()}report/",
    ]


@pytest.mark.parametrize("identifier", HOSTILE_IDENTIFIERS)
def test_a_stored_hostile_identifier_breaks_no_page(client, chile, identifier):
    commitment = stored_identifier(identifier)
    plan = commitment.action_plan
    for url in public_urls(chile, plan, commitment):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("identifier", HOSTILE_IDENTIFIERS)
def test_a_stored_hostile_identifier_is_linked_to_its_own_page(client, chile, identifier):
    commitment = stored_identifier(identifier)
    html = client.get(commitment.action_plan.get_absolute_url()).content.decode()
    href = commitment.get_absolute_url()
    assert f'href="{href}"' in html.replace("&amp;", "&")
    page = client.get(href)
    assert page.status_code == 200
    assert page.context["commitment"].pk == commitment.pk
    # The list's rows (a template) and a commitment page's other commitments (built in Python,
    # commitment_rows.other_commitment_items): the same link.
    listed = client.get("/commitments/?action_plan=AP_CHL03").content.decode()
    assert f'href="{href}"' in listed.replace("&amp;", "&")
    other = commitment.action_plan.commitments.exclude(pk=commitment.pk).first()
    assert f'href="{href}"' in client.get(other.get_absolute_url()).content.decode().replace("&amp;", "&")


@pytest.mark.parametrize("ogp_id", HOSTILE_OGP_IDS)
def test_a_stored_hostile_ogp_id_breaks_no_page(client, chile, ogp_id):
    ActionPlan.objects.filter(ogp_id="AP_CHL03").update(ogp_id=ogp_id)
    plan = ActionPlan.objects.get(ogp_id=ogp_id)
    commitment = cl0050()
    for url in [*public_urls(chile, plan, commitment), f"{plan.get_absolute_url()}report.xlsx"]:
        assert client.get(url).status_code == 200, url
    assert client.get(plan.get_absolute_url()).context["plan"].pk == plan.pk


def test_a_path_with_a_nul_is_a_404(client, chile):
    assert client.get("/commitments/%2500/").status_code == 404
    assert client.get("/members/chile/plans/AP%00/").status_code == 404


CONTROL = "\x01\x0b\x1b\x7f"


@pytest.fixture
def control_characters_stored(chile):
    """Titles and texts with control characters, as an import before the validators stored them."""
    Member.objects.filter(pk=chile.pk).update(name=f"Chile{CONTROL}")
    ActionPlan.objects.filter(member=chile).update(title=f"Plan{CONTROL} [2016]: a/b*c?")
    Commitment.objects.filter(identifier="CL0050").update(
        title=f"=Open{CONTROL} data", description=f"Line{CONTROL}\r\nnext", theme="@x\x0b")
    Milestone.objects.filter(commitment__identifier="CL0050").update(text=f"Step{CONTROL}")
    return chile


def test_report_xlsx_copes_with_control_characters_in_titles(client, control_characters_stored):
    plan = ActionPlan.objects.get(ogp_id="AP_CHL03")
    for url in ["/members/chile/report.xlsx", f"{plan.get_absolute_url()}report.xlsx"]:
        response = client.get(url)
        assert response.status_code == 200, url
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        cells = [cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
        assert not any(isinstance(cell, str) and any(c in cell for c in "\x01\x0b\x1b") for cell in cells)
        assert any(isinstance(cell, str) and "Plan" in cell for cell in cells), url


def test_exports_cope_with_control_characters(client, control_characters_stored):
    response = client.get("/commitments/export.csv?member=chile")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"),
                                       newline="")))
    assert len(rows) == 1 + Commitment.objects.for_member(control_characters_stored).count()
    # CSV carries any character: the text is exported as stored (marked as text, =...).
    assert any(f"Open{CONTROL} data" in cell for row in rows for cell in row)

    response = client.get("/commitments/export.json?member=chile")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    data = json.loads(content)
    assert any(isinstance(value, str) and f"Open{CONTROL} data" in value
               for row in data for value in row.values())

    response = client.get("/commitments/export.xlsx?member=chile")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    load_workbook(io.BytesIO(content), read_only=True)


def test_pages_cope_with_control_characters(client, control_characters_stored):
    # The feeds are left out: valid XML whatever the stored text is requirement 4 of issue 12.
    plan = ActionPlan.objects.get(ogp_id="AP_CHL03")
    for url in public_urls(control_characters_stored, plan, cl0050()):
        if "feed" not in url:
            assert client.get(url).status_code == 200, url


def xlsx_texts(content):
    workbook = load_workbook(io.BytesIO(content))  # not read-only: formulas are told from text
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)]


def test_a_control_character_does_not_hide_a_formula_in_xlsx(client, chile):
    formula = '=HYPERLINK("https://evil.example","x")'
    ActionPlan.objects.filter(ogp_id="AP_CHL03").update(title=f"\x01{formula}")
    Commitment.objects.filter(identifier="CL0050").update(title=f"\x0b{formula}")
    report = client.get("/members/chile/report.xlsx")
    export = client.get("/commitments/export.xlsx?member=chile")
    for response in (report, export):
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        cells = xlsx_texts(content)
        assert not [cell for cell in cells if cell.data_type == "f"]
        assert any(cell.value == f"'{formula}" for cell in cells)
