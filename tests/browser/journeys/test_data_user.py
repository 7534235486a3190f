"""A data user's day: filter the list, download it as XLSX, open the file as a spreadsheet program
does (openpyxl) and find the list's rows under OGP's header."""

import re

import pytest
from openpyxl import load_workbook

from commitments.ogp import columns as oc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE = "data-user"


def test_a_data_users_day(journey, tmp_path):
    page = journey.new_page()
    page.goto(f"{journey.site}/commitments/?action_plan=AP_CHL03&sort=identifier")
    journey.step(page, "1-list")
    count = int(re.search(r"\d+", page.locator("#result-count").inner_text()).group())
    listed = page.locator("td.identifier-cell").all_text_contents()
    assert 1 < count == len(listed)

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX", exact=True).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    journey.step(page, "2-exported")

    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == oc.COLUMN_NAMES
    identifiers = [row[0] for row in rows[1:]]
    assert sorted(identifiers) == sorted(text.strip() for text in listed)
    assert all(row[1] == "Chile" for row in rows[1:])
    # Made for people: a bold, frozen header with an autofilter over the rows.
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
