"""The free-form dates of OGP's export: read as a date where they name one, always kept as written."""

import datetime

import pytest

from commitments.ogp.dates import format_date, parse_date


@pytest.mark.parametrize(("text", "expected"), [
    ("3/1/2021", datetime.date(2021, 3, 1)),  # month first, as OGP writes dates
    ("12/31/2022", datetime.date(2022, 12, 31)),
    ("1/1/19", datetime.date(2019, 1, 1)),  # two-digit years are 20xx
    ("01/6/2011", datetime.date(2011, 1, 6)),
    ("13/6/2011", datetime.date(2011, 6, 13)),  # day first only when month first is impossible
    ("Sept 2018", datetime.date(2018, 9, 1)),
    ("July 2014", datetime.date(2014, 7, 1)),
    ("septiembre 2016", datetime.date(2016, 9, 1)),
    ("2011", datetime.date(2011, 1, 1)),
    ("Quarter 4 2016", datetime.date(2016, 10, 1)),
    ("IV quarter of 2021", datetime.date(2021, 10, 1)),
    ("Spring 2015", datetime.date(2015, 3, 1)),
    ("43525", datetime.date(2019, 3, 1)),  # an Excel serial day number
    ("2021-03-01", datetime.date(2021, 3, 1)),
])
def test_dates_are_read(text, expected):
    assert parse_date(text) == (expected, text)


@pytest.mark.parametrize("text", ["NA", "", "Ongoing", "Underway", "In progress", "Permanent activity",
                                  "2/30/2021", "someday", "99999"])
def test_texts_without_a_date_read_as_none_and_are_kept(text):
    assert parse_date(text) == (None, text)


def test_the_text_is_kept_exactly_as_written():
    assert parse_date("  Sept 2018 ") == (datetime.date(2018, 9, 1), "  Sept 2018 ")


def test_format_date_writes_month_first_without_leading_zeros():
    assert format_date(datetime.date(2021, 3, 1)) == "3/1/2021"
    assert format_date(None) == ""
