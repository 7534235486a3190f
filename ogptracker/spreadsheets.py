"""What every spreadsheet cell the project writes goes through: CSV and XLSX exports, report XLSX.

Spreadsheets run a cell that starts with a formula trigger (CSV injection), so such a text gets a
leading ' that keeps it text; the importer takes the mark off again (unneutralise), so an export
imports back unchanged. XLSX cells also lose the control characters the format cannot hold.
"""

import re

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What an XLSX cell cannot hold: the control characters XML 1.0 refuses (openpyxl's
# ILLEGAL_CHARACTERS_RE), its noncharacters U+FFFE and U+FFFF, and lone surrogates (no UTF-8).
XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel refuses longer cell texts.
XLSX_CELL_MAX = 32767


def needs_mark(text: str) -> bool:
    """Whether a spreadsheet would run the text, or would after a leading ' is taken off.

    The second case makes marking reversible: a text that itself starts with ' and a
    trigger gets a second mark, so the importer's unmarking gives it back unchanged.
    """
    if text.startswith(FORMULA_TRIGGERS):
        return True
    return text.startswith("'") and needs_mark(text[1:])


def neutralise(value):
    """A cell value a spreadsheet shows as text, never runs as a formula (numbers stay numbers)."""
    if isinstance(value, str) and needs_mark(value):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and needs_mark(text[1:]) else text


def csv_field(text: str) -> str:
    """The text as a field of a CSV line, exactly as csv.writer's default (excel) dialect writes
    it in a line of several fields: between double quotes, its own doubled, when it holds a
    comma, a double quote or a line break; else as it is.

    Not csv.writer: its writerow copies every character of every cell through a buffer, a
    large share of the full CSV made afresh (bench case "CSV export, all"; docs/decisions.md).
    tests/test_spreadsheets.py checks this rule against csv.writer on any text,
    test_export_hostile.py the whole export."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def xlsx_cell(value):
    """A cell value for an XLSX file (ogptracker/xlsx.py): neutralised, without the characters
    XLSX cannot hold, cut to Excel's limit (numbers stay numbers)."""
    if isinstance(value, str):
        # Removed before neutralising: "\x01=HYPERLINK(...)" must not become a formula once the
        # \x01 is gone.
        value = XLSX_ILLEGAL.sub("", value)
        return neutralise(value)[:XLSX_CELL_MAX]
    return value
