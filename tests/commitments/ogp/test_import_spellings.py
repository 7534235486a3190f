"""Equal is unchanged: an export opened and saved by a spreadsheet imports back as no change.

A spreadsheet rewrites the spelling of every cell it reads as a number or a date ("12/31/2020"
as "12/31/20", "2016" as "2016.0", "4.0999999999999996" as "4.1") and the file's quoting and
line endings. The importer compares values, so such a file updates nothing, and it keeps the
spellings already stored, so the export after it is byte for byte the export before it.
"""

import csv
import datetime
import io
import re
import shutil
import subprocess

import pytest

from commitments.models import Commitment
from commitments.ogp import columns as oc
from commitments.ogp.dates import same_day
from commitments.ogp.spellings import same_text
from reviews.models import Assessment

from .test_import import CONFIRM_URL, IMPORT_URL, SAMPLE, post_form, run_import, upload, write_file

pytestmark = pytest.mark.django_db

FULL_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
DECIMAL = re.compile(r"\d+\.\d+")
WHOLE_NUMBER_COLUMNS = {column.name for column in oc.COLUMNS if column.kind in (oc.INT, oc.YEAR)}
FLAG_COLUMNS = {column.name for column in oc.POLICY_AREA_COLUMNS}
LAST_LINE_UNCHANGED = "0 created, 0 updated"


def export(client) -> bytes:
    response = client.get("/commitments/export.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def state():
    """What an import that changes nothing leaves as it was: versions, times, history."""
    return (list(Commitment.objects.order_by("identifier").values_list("identifier", "version", "updated_at",
                                                                       "ogp_extra")),
            Commitment.history.count(), Assessment.history.count())


def respelled(header, record):
    """A record as a spreadsheet (or pandas) may save it: the same values, spelled otherwise."""
    cells = []
    for name, cell in zip(header, record, strict=True):
        if match := FULL_DATE.fullmatch(cell):
            month, day, year = match.groups()
            cell = f"{month}/{day}/{year[2:]}"  # 12/31/2020 -> 12/31/20, 7/15/1905 -> 7/15/05
        elif name in WHOLE_NUMBER_COLUMNS and cell.isdigit():
            cell += ".0"  # 2016 -> 2016.0
        elif name in FLAG_COLUMNS and cell in ("1", "0"):
            cell = "TRUE" if cell == "1" else "False"
        elif DECIMAL.fullmatch(cell):
            cell = repr(float(cell))  # 4.0999999999999996 -> 4.1
        elif "\r\n" in cell:
            cell = cell.replace("\r\n", "\n")
        cells.append(cell)
    return cells


def as_spreadsheet_saves(data: bytes) -> bytes:
    """The export respelled, every field quoted, lines ended by LF, no BOM."""
    header, *rows = records(data)
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(respelled(header, row) for row in rows)
    return out.getvalue().encode("utf-8")


def test_an_export_respelled_as_a_spreadsheet_saves_it_imports_as_no_change(client, tmp_path):
    run_import(SAMPLE)
    before, kept = export(client), state()
    saved = as_spreadsheet_saves(before)
    # The rewrite did respell what the issue names (else this test would prove nothing).
    assert b'"12/31/20"' in saved and b'"2016.0"' in saved and b'"4.1"' in saved and b'"TRUE"' in saved
    assert b"12/31/2020" not in saved

    output = run_import(write_file(tmp_path, saved))

    assert output.splitlines()[-1].endswith(LAST_LINE_UNCHANGED), output
    assert "commitments: 0 created, 0 updated" in output
    assert "assessments: 0 created, 0 updated" in output
    assert state() == kept
    assert export(client) == before


def test_a_changed_value_among_respellings_is_still_an_update(client, tmp_path):
    run_import(SAMPLE)
    header, *rows = records(as_spreadsheet_saves(export(client)))
    end = header.index("End Date")
    row = next(row for row in rows if row[0] == "CL0069")
    day = Commitment.objects.get(identifier="CL0069").end_date
    row[end] = f"{day.month}/{day.day + 1 if day.day < 28 else 1}/{day.year % 100:02d}"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([header, *rows])

    output = run_import(write_file(tmp_path, out.getvalue().encode()))

    assert "commitments: 0 created, 1 updated" in output
    changed = Commitment.objects.get(identifier="CL0069")
    assert changed.end_date != day and changed.end_date_text == row[end]


def test_a_respelled_cell_is_the_same_value_but_a_code_is_not():
    assert same_text("4.0999999999999996", "4.1") and same_text("2016", "2016.0")
    assert same_text("TRUE", "1") and same_text("a\r\nb", "a\nb") and same_text("12/31/2020", "12/31/20")
    assert not same_text("4.1", "4.2") and not same_text("NR", "0") and not same_text("Text", "Text ")
    assert not same_text("12/31/2020", "12/30/20")
    start = oc.BY_NAME["Start Date"]
    assert start.same_cell("7/15/1905", "07/15/05")
    assert not start.same_cell("Ongoing", "TBD")
    assert oc.BY_NAME["Year Of Submission"].parse("2016.0") == 2016
    with pytest.raises(ValueError):
        oc.BY_NAME["Year Of Submission"].parse("2016.5")


def test_a_two_digit_year_is_the_date_whose_year_ends_with_it():
    assert same_day(datetime.date(1905, 7, 15), "7/15/1905", datetime.date(2005, 7, 15), "07/15/05")
    assert not same_day(datetime.date(1905, 7, 15), "7/15/1905", datetime.date(2005, 7, 15), "7/15/2005")


# LibreOffice ------------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# What a person gets from LibreOffice's Open then Save (Keep current format) of the export: comma
# separated, UTF-8 (76), from line 1, English (USA) locale (1033), "Detect special numbers" on
# (dates become dates), and on saving "Save cell contents as shown" (dates written 12/31/20).
OPEN_OPTIONS = "CSV:44,34,76,1,,1033,false,true"
SAVE_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed "
                                            "(apt-get install libreoffice-calc-nogui; .ci/run does)")
def test_an_export_saved_by_libreoffice_imports_through_the_admin_as_no_change(client, importer_client,
                                                                                tmp_path):
    run_import(SAMPLE)
    before, kept = export(client), state()
    (tmp_path / "export.csv").write_bytes(before)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    f"--infilter={OPEN_OPTIONS}", "--convert-to", SAVE_FILTER,
                    "--outdir", str(tmp_path / "saved"), str(tmp_path / "export.csv")],
                   check=True, timeout=300, capture_output=True)
    saved = (tmp_path / "saved" / "export.csv").read_bytes()
    assert b",12/31/20," in saved and b",12/31/2020," in before  # LibreOffice respelled the dates

    page = importer_client.get(IMPORT_URL).content.decode()
    preview = post_form(importer_client, IMPORT_URL, page, "import-upload-form", file=upload(saved))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert '<th scope="row">Commitments</th><td>0</td><td>0</td>' in html
    assert '<th scope="row">Assessments</th><td>0</td><td>0</td>' in html
    confirmed = post_form(importer_client, CONFIRM_URL, html, "import-confirm-form")

    assert confirmed.status_code == 302
    assert state() == kept
    assert export(client) == before
