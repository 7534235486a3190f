"""When two spellings of a cell are the same value: what a spreadsheet's open-and-save may rewrite.

A person who opens OGP's export in LibreOffice or Excel and saves it again has changed nothing,
yet every cell the program read as a number or a date comes back spelled its way: "12/31/2020"
as "12/31/20", "1/1/2018" as "01/01/18", "4.0999999999999996" as "4.1", "2016" as "2016.0"
(pandas), "TRUE" as "True", CRLF inside a text as LF. The importer compares values, not
spellings (columns.Column.same_value), so such a file updates nothing and keeps the spellings
already stored: the export after it is the export before it.
"""

import re

from .dates import NUMERIC, parse_date, same_day

# A decimal number as a spreadsheet writes one (no thousands separators, no currency).
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# A whole number with a zero fraction ("2016.0"), as a program that holds every number as a
# float writes a whole one.
WHOLE = re.compile(r"(\d+)(?:\.0*)?")
BOOLEANS = {"true": "1", "false": "0"}


def whole_number(text: str) -> str:
    """The digits of a whole number written with a zero fraction ("2016.0" -> "2016"); else the text."""
    match = WHOLE.fullmatch(text)
    return match.group(1) if match else text


def flag(text: str) -> str:
    """A 1/0 cell as a spreadsheet may write it back ("1.0", "TRUE", "True") -> "1" or "0"."""
    return BOOLEANS.get(text.lower(), whole_number(text))


def spreadsheet_value(text: str):
    """What a spreadsheet holds for a cell's text: a number (a float, as spreadsheets hold every
    number, so "4.0999999999999996" and "4.1" are one), a date written with digits (month first,
    as OGP's export), a boolean, or else the text itself with its line endings made "\\n"."""
    stripped = text.strip()
    if NUMBER.fullmatch(stripped):
        return ("number", float(stripped))
    if stripped.lower() in BOOLEANS:
        # A spreadsheet's TRUE is the number 1 with a format.
        return ("number", float(BOOLEANS[stripped.lower()]))
    if NUMERIC.match(stripped.lower()):
        day, _written = parse_date(stripped)
        if day is not None:
            return ("date", day)
    return ("text", text.replace("\r\n", "\n").replace("\r", "\n"))


def same_text(first, second) -> bool:
    """Whether two texts (or None) hold the same value once a spreadsheet has read them."""
    if first is None or second is None:
        return first == second
    if first == second:
        return True
    first_value, second_value = spreadsheet_value(first), spreadsheet_value(second)
    if first_value[0] == second_value[0] == "date":
        return same_day(first_value[1], first, second_value[1], second)
    return first_value == second_value
