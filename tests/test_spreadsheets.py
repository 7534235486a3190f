"""The CSV field rule the export writes its lines with (spreadsheets.csv_field) is csv.writer's; every
XLSX the project writes (ogptracker/xlsx.py) is made for people and opens as it should."""

import csv
import datetime
import decimal
import io
import math
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from commitments.ogp.exporting import csv_line
from ogptracker import xlsx
from ogptracker.spreadsheets import csv_field


class _Echo:
    def write(self, value):
        return value


WRITER = csv.writer(_Echo())
# Any text, with the characters that decide the quoting made frequent.
TEXTS = st.text(alphabet=st.one_of(st.sampled_from(',"\r\n\'=\t \x00\u2028'), st.characters()), max_size=30)


@given(st.lists(TEXTS, min_size=2, max_size=8))
@example(["", ""])
@example(['say "hi", then, leave', "line one\nline two\r\nthree\rfour"])
@example(['"', ","])
@example(["\x00", "\u2028"])
def test_a_line_of_csv_fields_is_what_csv_writer_writes(texts):
    assert csv_line(map(csv_field, texts)) == WRITER.writerow(texts)


# XLSX: every workbook the project writes is made for people (ogptracker/xlsx.py) ---------------

def assert_made_for_people(sheet, header_row: int = 1) -> None:
    """A sheet opened by openpyxl (not read-only) has a bold header row, frozen below it, an
    autofilter over the header and every row, and each column's width set and bounded."""
    header = next(sheet.iter_rows(min_row=header_row, max_row=header_row))
    assert [cell.font.b for cell in header if cell.value is not None] == [True] * sheet.max_column
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref == f"A{header_row}:{get_column_letter(sheet.max_column)}{sheet.max_row}"
    for index in range(1, sheet.max_column + 1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        assert dimension.customWidth and xlsx.WIDTH_MIN <= dimension.width <= xlsx.WIDTH_MAX, index


def written(*sheets) -> bytes:
    output = io.BytesIO()
    xlsx.write(output, list(sheets))
    return output.getvalue()


HOSTILE = ["=1+1", "+1", "-2", "@SUM(A1)", "\x01=HYPERLINK(\"http://evil.example\")", "<b>&amp;</b>",
           "  spaced  ", "two\nlines", "non\ufffecharacter\uffff", "lone \ud800 surrogate", "x" * 40_000]


def test_cells_are_typed_and_texts_neutralised_and_cleaned():
    day, moment = datetime.date(2016, 2, 29), datetime.datetime(2021, 3, 1, 14, 30)
    row = [2016, 0.25, True, day, moment, decimal.Decimal("1.5"), 10**16, math.nan, None, "", *HOSTILE]
    header = [f"c{index}" for index in range(len(row))]
    workbook = load_workbook(io.BytesIO(written(xlsx.Sheet("Data", header, [row]))))
    sheet = workbook["Data"]
    values = [cell.value for cell in sheet[2]]

    assert values[:8] == [2016, 0.25, True, datetime.datetime(2016, 2, 29), moment, 1.5, str(10**16), "nan"]
    assert [cell.data_type for cell in sheet[2]][:6] == ["n", "n", "b", "d", "d", "n"]
    assert values[8:10] == [None, None]
    texts = values[10:]
    assert texts[:5] == ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'=HYPERLINK(\"http://evil.example\")"]
    assert all(cell.data_type == "s" for cell in sheet[2][10:])
    assert texts[5:10] == ["<b>&amp;</b>", "  spaced  ", "two\nlines", "noncharacter", "lone  surrogate"]
    assert texts[10] == "x" * 32767
    assert_made_for_people(sheet)


def test_widths_fit_their_column_up_to_the_limit():
    rows = [["AL0001", "a title " * 40, 2016, datetime.date(2020, 1, 1)]] * 3
    sheet = load_workbook(io.BytesIO(written(xlsx.Sheet("S", ["id", "title", "year", "day"], rows)))).active
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}

    assert widths["B"] == xlsx.WIDTH_MAX
    assert len("AL0001") < widths["A"] < 15 and xlsx.WIDTH_MIN <= widths["C"] < 10
    assert len("2020-01-01") <= widths["D"] < 15


def test_a_title_row_goes_above_the_frozen_header_and_sheet_names_may_hold_quotes():
    content = written(xlsx.Sheet("Bob's & <Co>", ["Level", "Count"], [["Limited", 3]], title="=A title"),
                      xlsx.Sheet("Hidden", ["x"], [], hidden=True))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Bob's & <Co>"]

    assert sheet["A1"].value == "'=A title" and sheet["A1"].font.b
    assert_made_for_people(sheet, header_row=2)
    assert workbook["Hidden"].sheet_state == "hidden"
    assert workbook["Hidden"].auto_filter.ref == "A1:A1"


def test_drop_downs_cover_the_rows_given_as_ranges():
    rows = [["a"], ["b"], ["c"], ["d"], ["e"]]
    source = xlsx.choices_ref("Choices", 1, 3)
    sheet = load_workbook(io.BytesIO(written(
        xlsx.Sheet("S", ["status"], rows, validations=[xlsx.Validation(0, [0, 1, 2, 4], source)]),
        xlsx.Sheet("Choices", ["one", "two"], [[None, "x"], [None, "y"], [None, "z"]], hidden=True))))["S"]
    (validation,) = sheet.data_validations.dataValidation

    assert validation.type == "list" and validation.formula1 == "'Choices'!$B$2:$B$4"
    assert str(validation.sqref) == "A2:A4 A6"


def test_every_part_is_well_formed_xml_in_a_sound_zip():
    content = written(xlsx.Sheet("S", ["a", "b"], [[text, 1] for text in HOSTILE]))
    package = zipfile.ZipFile(io.BytesIO(content))

    assert package.testzip() is None
    for name in package.namelist():
        ElementTree.fromstring(package.read(name))
    assert set(package.namelist()) >= {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                       "xl/styles.xml", "xl/_rels/workbook.xml.rels",
                                       "xl/worksheets/sheet1.xml"}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook(tmp_path):
    source = tmp_path / "made.xlsx"
    source.write_bytes(written(xlsx.Sheet("S", ["a", "b", "c"], [["=1+1", 2016, datetime.date(2020, 3, 1)]])))
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    lines = (tmp_path / "made.csv").read_text().splitlines()
    assert lines[0] == "a,b,c" and lines[1].startswith("'=1+1,2016,")
