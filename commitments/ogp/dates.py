"""Reading the free-form dates of OGP's export ("3/1/2021", "Sept 2018", "Quarter 4 2016", "NA")."""

import calendar
import datetime
import re

# Spellings of "no date" seen in the export; they read as no date, and the text is kept.
NO_DATE = {"", "na", "nd", "nr", "n/a", "tbd", "ongoing", "underway", "in progress",
           "permanent activity", "continuous", "permanent"}

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS.update({"sept": 9})
# Spanish month names: Latin American plans write their dates in Spanish.
MONTHS.update({name: number for number, name in enumerate(
    ["", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
     "octubre", "noviembre", "diciembre"]) if name})
MONTHS.update({"setiembre": 9})

ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

# Excel's day 0 for its serial day numbers ("43525" is 1 March 2019); 1899-12-30 absorbs
# Lotus 1-2-3's fictional 29 February 1900.
EXCEL_EPOCH = datetime.date(1899, 12, 30)

NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
YEAR = re.compile(r"^(\d{4})$")
SERIAL = re.compile(r"^(\d{5})$")
MONTH_YEAR = re.compile(r"^([a-záéíóú]+)\.?,?\s+(?:de(?:l)?\s+)?(\d{4})$")
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+(?:de\s+)?([a-záéíóú]+)\.?,?\s+(?:de(?:l)?\s+)?(\d{4})$")
MONTH_DAY_YEAR = re.compile(r"^([a-záéíóú]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
QUARTER = re.compile(r"^(?:quarter|q)\s*([1-4])(?:\s+of)?\s+(\d{4})$")
QUARTER_AFTER = re.compile(r"^([1-4]|i{1,3}|iv)(?:st|nd|rd|th)?\s+quarter(?:\s+of)?\s+(\d{4})$")


def parse_date(text: str) -> tuple[datetime.date | None, str]:
    """(the date the text names, or its first day, or None; the text as written).

    Numeric dates are read month first, as OGP's export writes them (3/1/2021 is 1 March), and
    day first only when the month-first reading is impossible (13/6/2011). Two-digit years are
    20xx. Months, quarters and seasons read as their first day, a bare year as 1 January.
    """
    written = text
    cleaned = " ".join(text.split()).lower()
    if cleaned in NO_DATE:
        return None, written
    return _read(cleaned), written


def _read(text: str) -> datetime.date | None:
    if match := NUMERIC.match(text):
        first, second, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        return _date(year, first, second) or _date(year, second, first)
    if match := ISO.match(text):
        return _date(*(int(part) for part in match.groups()))
    if match := YEAR.match(text):
        return _date(int(match.group(1)), 1, 1)
    if match := SERIAL.match(text):
        serial = int(match.group(1))
        # Only serials of plausible plan dates (1990-2099), not five-digit codes.
        if 32874 <= serial <= 73415:
            return EXCEL_EPOCH + datetime.timedelta(days=serial)
        return None
    if match := QUARTER.match(text):
        return _date(int(match.group(2)), 3 * int(match.group(1)) - 2, 1)
    if match := QUARTER_AFTER.match(text):
        quarter = match.group(1)
        quarter = int(quarter) if quarter.isdigit() else ROMAN_QUARTERS[quarter]
        return _date(int(match.group(2)), 3 * quarter - 2, 1)
    if match := MONTH_YEAR.match(text):
        month = MONTHS.get(match.group(1)) or SEASONS.get(match.group(1))
        return _date(int(match.group(2)), month, 1) if month else None
    if match := DAY_MONTH_YEAR.match(text):
        month = MONTHS.get(match.group(2))
        return _date(int(match.group(3)), month, int(match.group(1))) if month else None
    if match := MONTH_DAY_YEAR.match(text):
        month = MONTHS.get(match.group(1))
        return _date(int(match.group(3)), month, int(match.group(2))) if month else None
    return None


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def format_date(value: datetime.date | None) -> str:
    """A date as OGP's export writes one (month/day/year, no leading zeros); "" for none."""
    return f"{value.month}/{value.day}/{value.year}" if value else ""


def two_digit_year(text: str) -> bool:
    """Whether a numeric date gives its year by two digits ("12/31/20")."""
    match = NUMERIC.match(" ".join(text.split()).lower())
    return bool(match) and len(match.group(3)) == 2


def same_day(first: datetime.date, first_text: str, second: datetime.date, second_text: str) -> bool:
    """Whether two dates, read from these texts, are one. A spreadsheet writes a date's year by two
    digits ("7/15/1905" saved as "07/15/05"), which this module reads as 20xx: a two-digit year
    is the same date as one of the same month and day whose year ends with those digits."""
    if first == second:
        return True
    if first is None or second is None or not (two_digit_year(first_text) or two_digit_year(second_text)):
        return False
    return (first.month, first.day, first.year % 100) == (second.month, second.day, second.year % 100)
