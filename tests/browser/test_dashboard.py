"""The staff dashboard and the bulk update in headless Chromium: sign in, land on the dashboard,
download the spreadsheet, upload it edited, preview, confirm; both pages fit a 390 px phone."""

import pytest
from openpyxl import load_workbook

from commitments.models import Milestone
from reviews.scales import Completion
from tests.commitments.dashboard_data import PASSWORD, make_desk_data, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_in_see_the_dashboard_upload_a_file_and_confirm(site, page, tmp_path, screenshot,
                                                             django_user_model):
    data = make_desk_data()
    staff_of(django_user_model, data.aland, "aland-staff")
    page.goto(f"{site}/accounts/login/")
    page.locator("#id_username").fill("aland-staff")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{site}/staff/")
    assert page.get_by_role("heading", name="Staff dashboard", level=1).is_visible()
    assert page.get_by_role("link", name="1 overdue milestone").is_visible()
    edit_link = page.get_by_role("link", name="AL0001 · Milestone 1")
    assert edit_link.get_attribute("href") == "/commitments/AL0001/edit/"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    path = tmp_path / "updates.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("identifier")].value == "AL0001" and row[header.index("milestone")].value == 1:
            row[header.index("status")].value = "complete"
            row[header.index("note")].value = "Budget data published"
            row[header.index("note_evidence_url")].value = "https://example.org/budget"
    workbook.save(path)

    page.set_viewport_size(PHONE)
    assert fits(page), "the dashboard scrolls sideways at 390 px"
    page.get_by_label("Spreadsheet (XLSX or CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(f"{site}/staff/aland/updates/")
    # The status, and the date met the rule gives it (today: the plan runs), shown before saving.
    assert page.get_by_role("heading", name="2 changes").is_visible()
    assert "Limited → Complete" in page.locator(".bulk-changes").inner_text()
    assert "Date met" in page.locator(".bulk-changes").inner_text()
    assert fits(page), "the preview scrolls sideways at 390 px"
    screenshot(page, "bulk-preview-phone")
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.LIMITED

    page.get_by_role("button", name="Confirm and save these changes").click()
    page.wait_for_url(f"{site}/staff/?member=aland")
    assert "Saved the file's changes to 1 commitment." in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name="0 overdue milestones").is_visible()
    assert Milestone.objects.get(commitment=data.current, order=1).status == Completion.COMPLETE
    assert fits(page)
    screenshot(page, "dashboard-phone")
