"""The secretariat's day: an account made for a member, sign in, the dashboard, a commitment's edit
page (a save refused for its missing note, then a conflict with a second editor), a bulk update."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from commitments.models import Milestone
from reviews.scales import Completion
from tests.commitments.dashboard_data import make_desk_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE = "secretariat"


def make_account(username, member) -> str:
    """`manage.py grant_member USERNAME MEMBER --create`, as the README says: the password it prints once."""
    out = StringIO()
    call_command("grant_member", username, member.slug, "--create", stdout=out)
    return re.search(r"with the password '([^']+)'", out.getvalue()).group(1)


def milestone(page, t, order, field):
    """A field of the edit page's milestone `order` (its fieldset, named by its legend)."""
    group = page.get_by_role("group", name=t("Milestone %(order)s", order=order), exact=True)
    return group.locator(f"[name$='-{field}']")


def test_a_secretariat_day(journey, tmp_path):
    data = make_desk_data()  # Aland: a current plan with an overdue milestone (the seed's plans have ended)
    password = make_account("aland-staff", data.aland)
    t = journey.t
    page = journey.new_page()

    # Signing in from the home page's header lands on the dashboard.
    page.goto(f"{journey.site}/")
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Sign in")).click()
    page.locator("#id_username").fill("aland-staff")
    page.locator("#id_password").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{journey.site}/staff/")
    journey.step(page, "1-dashboard")
    assert page.get_by_role("heading", name=t("Staff dashboard"), level=1).is_visible()
    overdue = page.get_by_role("link", name=f"AL0001 · {t('Milestone %(order)s', order=1)}")
    overdue.click()
    page.wait_for_url(f"{journey.site}/commitments/AL0001/edit/")
    journey.step(page, "2-edit")

    # A second editor opens the same page before the first one saves.
    other = journey.new_page()
    journey.sign_in(other, "aland-staff", password)
    other.goto(f"{journey.site}/commitments/AL0001/edit/")

    # A change without its public note is refused, and says why; nothing is saved.
    milestone(page, t, 3, "status").select_option(Completion.LIMITED)
    page.get_by_role("button", name=t("Save changes")).click()
    page.wait_for_load_state()
    journey.step(page, "3-refused")
    assert page.get_by_text(t("Write a short public note saying why this changed.")).first.is_visible()
    assert Milestone.objects.get(commitment=data.current, order=3).status == Completion.NOT_STARTED
    # TODO(issue 22, point 4): the error summary at the top, each error linked to its field.
    milestone(page, t, 3, "note").fill("Training started in two ministries")
    page.get_by_role("button", name=t("Save changes")).click()
    page.wait_for_url(f"{journey.site}/commitments/AL0001/")
    saved = t("Saved: %(what)s.", what=t("Milestone %(order)s", order=3))
    assert saved in page.locator(".messages").inner_text()
    journey.step(page, "4-saved")
    assert Milestone.objects.get(commitment=data.current, order=3).status == Completion.LIMITED

    # The second editor's save meets the first one's: refused, with what changed meanwhile.
    milestone(other, t, 4, "status").select_option(Completion.LIMITED)
    milestone(other, t, 4, "note").fill("Evaluation team hired")
    other.get_by_role("button", name=t("Save changes")).click()
    other.wait_for_load_state()
    journey.step(other, "5-conflict")
    conflict = other.locator("section.conflict")
    assert conflict.get_by_role("heading", name=t("Changed since you opened this page")).is_visible()
    assert "Training started in two ministries" in conflict.inner_text()
    assert Milestone.objects.get(commitment=data.current, order=4).status == Completion.NOT_STARTED
    # TODO(issue 22, point 4): the second editor's values and note are kept beside the conflict.

    # The bulk update: the member's sheet, one milestone marked complete with its note.
    page.goto(f"{journey.site}/staff/")
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download XLSX")).click()
    path = tmp_path / "updates.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    identifier, order = header.index("identifier"), header.index("milestone")
    row = next(row for row in sheet.iter_rows(min_row=2)
               if (row[identifier].value, row[order].value) == ("AL0001", 1))
    # The status is picked from the column's drop-down, as its labels read in the user's language.
    status = row[header.index("status")]
    (choices,) = [rule for rule in sheet.data_validations.dataValidation if status.coordinate in rule.sqref]
    assert choices.type == "list"
    status.value = t("Complete")
    row[header.index("note")].value = "Budget data published"
    workbook.save(path)
    page.get_by_label(t("Spreadsheet (XLSX or CSV)")).set_input_files(str(path))
    journey.step(page, "6-bulk-upload")
    page.get_by_role("button", name=t("Upload and preview")).click()
    page.wait_for_url(f"{journey.site}/staff/aland/updates/")
    journey.step(page, "7-bulk-preview")
    assert re.search(r"→", page.locator(".bulk-changes").inner_text())
    page.get_by_role("button", name=t("Confirm and save these changes")).click()
    page.wait_for_url(f"{journey.site}/staff/?member=aland")
    journey.step(page, "8-bulk-saved")
    assert page.locator(".messages").is_visible()
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.COMPLETE
