"""The one XLSX writer of the project: the list's export, the report tables and the bulk sheet.

Every sheet it writes is made for people: a bold header row, frozen, with an autofilter; columns
as wide as their content (bounded); numbers and dates as typed cells, texts neutralised
(spreadsheets.xlsx_cell); and, where asked, a column's cells offered as a drop-down list.

Why not openpyxl or XlsxWriter: the export must write thousands of rows a second with flat memory
(issue 27). openpyxl spends most of its time in its XML serializer, XlsxWriter's constant-memory
mode about 1,700 rows a second of OGP's 171 columns (bench/RESULTS.md); this writes the sheet XML
itself, row by row, straight into the zip. openpyxl still reads every upload.

Rows are streamed: only the first WIDTH_SAMPLE rows are held (column widths must precede the
cells in the sheet's XML, so they are estimated from the header, each column's kind and those
rows).
"""

import datetime
import decimal
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from .spreadsheets import xlsx_cell

# Column widths in characters, as a spreadsheet counts them: bounded so one long description
# does not push every other column off the screen.
WIDTH_MIN = 6
WIDTH_MAX = 60
# Rows read ahead to estimate the widths.
WIDTH_SAMPLE = 100
# A date as written (yyyy-mm-dd), and the room a bold header needs beyond its characters.
DATE_WIDTH = 10
HEADER_EXTRA = 2
# Excel's limits: rows and columns of a sheet.
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
# Excel's day 0 (1899-12-30 absorbs Lotus 1-2-3's fictional 29 February 1900).
EPOCH = datetime.datetime(1899, 12, 30)
# Rows joined before they are written to the zip.
FLUSH_ROWS = 64
# Fast, and still about a tenth of the XML's size: level 6 costs twice the time for 10% less.
COMPRESS_LEVEL = 1

# Cell styles (styles.xml's cellXfs): plain, bold (header and title), date, date and time.
PLAIN, BOLD, DATE, DATETIME = 0, 1, 2, 3

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass
class Validation:
    """A drop-down on some cells of a column: `column` (from 0), the data rows (from 0, the first
    row after the header) and the cells holding the choices (a reference such as
    'Choices'!$A$2:$A$5, see choices_ref). Other values are allowed after a warning: the reader
    decides what it accepts."""

    column: int
    rows: Sequence[int]
    source: str


@dataclass
class Sheet:
    name: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    # A first row above the header, for a title longer than a sheet's name.
    title: str | None = None
    validations: Sequence[Validation] = field(default_factory=tuple)
    hidden: bool = False


def column_letter(index: int) -> str:
    """The letters of a column counted from 0 (0: A, 26: AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quoted_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def choices_ref(sheet: str, column: int, count: int) -> str:
    """The cells below the header of a column holding `count` choices, for a Validation."""
    letter = column_letter(column)
    return f"{quoted_sheet(sheet)}!${letter}$2:${letter}${count + 1}"


def write(output, sheets: Sequence[Sheet]) -> None:
    """The workbook, written into a binary file object (seekable: a temporary file or BytesIO)."""
    names = [sheet.name for sheet in sheets]
    if len(set(names)) != len(names) or not names:
        raise ValueError("sheet names must be unique")
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as package:
        filters = []
        for number, sheet in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                filters.append(_write_sheet(part, sheet))
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _package_rels())
        package.writestr("xl/workbook.xml", _workbook(sheets, filters))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", STYLES)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(value: str) -> str:
    """A text cell's content: neutralised, cleaned (spreadsheets.xlsx_cell), spaces kept."""
    return f'<is><t xml:space="preserve">{_text(xlsx_cell(value))}</t></is>'


def _attribute(value: str) -> str:
    return _text(value).replace('"', "&quot;")


def _width(value) -> int:
    """The characters a cell shows: its longest line for a text."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max(map(len, value.split("\n"))) if "\n" in value else len(value)
    if isinstance(value, datetime.datetime):
        return DATE_WIDTH + 6
    if isinstance(value, datetime.date):
        return DATE_WIDTH
    return len(str(value))


def _widths(header, rows) -> list[float]:
    widths = [len(str(name)) + HEADER_EXTRA for name in header]
    for row in rows:
        for index, value in enumerate(row[:len(widths)]):
            widths[index] = max(widths[index], _width(value))
    return [min(WIDTH_MAX, max(WIDTH_MIN, width + 1)) for width in widths]


# Cells carry no reference (r="B7"): the format makes it optional, each cell then being the next
# of its row, so an empty cell is written as <c/> and a value's XML is the same in every row:
# texts met again (a status, a rating, a 0/1 flag) are written once (Fragments).
EMPTY = "<c/>"
# Texts whose XML is kept for the next rows: at most so many, of at most so many characters (a
# sheet's few-valued cells are a few hundred short texts; titles and descriptions are not kept).
FRAGMENTS_KEPT = 5_000
FRAGMENT_LENGTH = 60


# Values looked up in Fragments: of these exact types only, so that no two of them are equal
# (1 == True == 1.0, a date never equals a datetime).
FRAGMENT_TYPES = frozenset({str, int, datetime.date, type(None)})


class Fragments(dict):
    """Each value's cell XML, worked out the first time it is met (short texts, whole numbers,
    dates: the few-valued cells of a sheet; FRAGMENT_TYPES)."""

    def __missing__(self, value) -> str:
        xml = _cell(value)
        if len(self) < FRAGMENTS_KEPT and not (type(value) is str and len(value) > FRAGMENT_LENGTH):
            self[value] = xml
        return xml


def _cell(value) -> str:
    """A cell's XML."""
    kind = type(value)
    if kind is str:
        if not value:
            return EMPTY
        return f'<c t="inlineStr">{_inline(value)}</c>'
    if value is None:
        return EMPTY
    if kind is bool:
        return f'<c t="b"><v>{int(value)}</v></c>'
    if kind is int:
        # Beyond 15 digits a spreadsheet rounds a number: such an integer is kept as its text.
        if abs(value) < 10**15:
            return f"<c><v>{value}</v></c>"
        return _cell(str(value))
    if kind is float:
        if math.isfinite(value):
            return f"<c><v>{value!r}</v></c>"
        return _cell(str(value))
    if isinstance(value, datetime.datetime):
        serial = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
        return f'<c s="{DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c s="{DATE}"><v>{(value - EPOCH.date()).days}</v></c>'
    # Subclasses: a lazy translation turned to text, an IntEnum, a Decimal.
    if isinstance(value, str):
        return _cell(str.__str__(value))
    if isinstance(value, int):
        return _cell(int(value))
    if isinstance(value, float | decimal.Decimal):
        return _cell(float(value))
    return _cell(str(value))


def _row(row, fragments: Fragments) -> str:
    types = FRAGMENT_TYPES
    cells = [fragments[value] if type(value) in types else _cell(value) for value in row]
    return "<row>" + "".join(cells) + "</row>"


def _header_row(names) -> str:
    cells = "".join(f'<c t="inlineStr" s="{BOLD}">{_inline(str(name))}</c>' if str(name) else EMPTY
                    for name in names)
    return f"<row>{cells}</row>"


def _write_sheet(part, sheet: Sheet) -> tuple:
    """Writes the sheet's XML; the autofilter's range as (first column, header row, last column,
    last row), for the workbook's defined name."""
    columns = len(sheet.header)
    if not 0 < columns <= MAX_SHEET_COLUMNS:
        raise ValueError(f"a sheet has 1 to {MAX_SHEET_COLUMNS} columns")
    letters = [column_letter(index) for index in range(columns)]
    rows = iter(sheet.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    header_number = 2 if sheet.title is not None else 1
    first = header_number + 1

    part.write((XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                f'<sheetViews><sheetView workbookViewId="0">'
                f'<pane ySplit="{header_number}" topLeftCell="A{first}" activePane="bottomLeft" '
                'state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="A{first}" sqref="A{first}"/>'
                "</sheetView></sheetViews>"
                '<sheetFormatPr defaultRowHeight="15"/><cols>'
                + "".join(f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                          for index, width in enumerate(_widths(sheet.header, sample), start=1))
                + "</cols><sheetData>").encode())
    if sheet.title is not None:
        part.write(_header_row([sheet.title]).encode())
    part.write(_header_row(sheet.header).encode())

    number = header_number
    buffer = []
    fragments = Fragments()
    # The sample is let go once written: the memory held is WIDTH_SAMPLE rows at the start, then
    # FLUSH_ROWS rows, however long the sheet.
    for source in (_drained(sample), rows):
        for row in source:
            if len(row) > columns:
                raise ValueError(f"a row has more cells than the header ({columns})")
            buffer.append(_row(row, fragments))
            if len(buffer) >= FLUSH_ROWS:
                number = _flush(part, buffer, number)
    number = _flush(part, buffer, number)

    tail = f'</sheetData><autoFilter ref="A{header_number}:{letters[-1]}{number}"/>'
    validations = "".join(
        f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showErrorMessage="1" '
        f'sqref="{sqref}"><formula1>{_text(validation.source)}</formula1></dataValidation>'
        for validation in sheet.validations
        for sqref in (_cells(letters[validation.column], [first + row for row in validation.rows]),) if sqref)
    if validations:
        count = validations.count("<dataValidation ")
        tail += f'<dataValidations count="{count}">{validations}</dataValidations>'
    part.write((tail + "</worksheet>").encode())
    return "A", header_number, letters[-1], number


def _flush(part, buffer: list, number: int) -> int:
    """Writes the rows held and lets them go; the number of the last row written."""
    number += len(buffer)
    if number > MAX_SHEET_ROWS:
        raise ValueError(f"a sheet holds at most {MAX_SHEET_ROWS} rows")
    part.write("".join(buffer).encode())
    buffer.clear()
    return number


def _drained(rows: list):
    """The list's items in order, each let go as it is given."""
    rows.reverse()
    while rows:
        yield rows.pop()


def _cells(letter: str, numbers: Sequence[int]) -> str:
    """The cells of rows `numbers` in a column, runs written as ranges ("D2:D4 D7")."""
    runs = []
    for number in sorted(numbers):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return " ".join(f"{letter}{start}" if start == end else f"{letter}{start}:{letter}{end}"
                    for start, end in runs)


def _workbook(sheets: Sequence[Sheet], filters: Sequence[str]) -> str:
    entries = "".join(
        f'<sheet name="{_attribute(sheet.name)}" sheetId="{number}"'
        + (' state="hidden"' if sheet.hidden else "") + f' r:id="rId{number}"/>'
        for number, sheet in enumerate(sheets, start=1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{_text(quoted_sheet(sheet.name))}!${letter}${header}:${letter_end}${last}</definedName>"
        for index, (sheet, (letter, header, letter_end, last))
        in enumerate(zip(sheets, filters, strict=True)))
    return (XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{entries}</sheets><definedNames>{names}</definedNames></workbook>")


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for number in range(1, count + 1))
    return (XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets}</Types>")


def _package_rels() -> str:
    return (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")


def _workbook_rels(count: int) -> str:
    sheets = "".join(f'<Relationship Id="rId{number}" Type="{REL_NS}/worksheet" '
                     f'Target="worksheets/sheet{number}.xml"/>' for number in range(1, count + 1))
    return (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}">{sheets}'
            f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>")


STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")
