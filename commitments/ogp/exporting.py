"""Exports of a list of commitments as CSV, XLSX and JSON, in the columns of OGP's export.

Rows are read from the database in chunks (rows.py: plain values, per-chunk queries), so memory
stays flat however many commitments are exported; CSV and JSON are streamed as they are made,
XLSX is written row by row into a temporary file (ogptracker/xlsx.py), its whole numbers and
OGP's month/day/year dates as typed cells. The columns are those of
columns.py, so a CSV export imports back with `import_ogp` and exports again the same.

Whatever a commitment's ogp_extra holds (written by `.update()`, not a mapping, numbers, unknown
columns), the export takes only its text cells of OGP's columns, and never lets one of them
replace a cell the project computes (commitments/ogp/extra.py says which may stand).
"""

import datetime
import re
import tempfile
from itertools import islice
from json.encoder import encode_basestring

from django.db import transaction

from ogptracker import xlsx
from ogptracker.spreadsheets import csv_field

from . import columns as oc
from . import extra
from . import rows as export_rows

# Commitments read per query: each chunk costs one query per related table (rows._related).
CHUNK_SIZE = 1000
# Streamed CSV/JSON is sent in pieces of about this many characters.
FLUSH_SIZE = 64 * 1024
# Commitments an XLSX download holds at most: the workbook is written whole before it is sent,
# unlike CSV and JSON, which stream. At 2,400 rows a second (bench/xlsx.py on two cores under a
# load of 11; bench/RESULTS.md) 100,000 rows take about 41 s, a third of gunicorn's 120 s timeout.
XLSX_MAX_ROWS = 100_000
# A date as OGP's export writes one (columns.format_date): month/day/year, no leading zeros.
OGP_DATE = re.compile(r"([1-9]|1[0-2])/([1-9]|[12][0-9]|3[01])/([1-9][0-9]{3})")
# Longer whole numbers are rounded by spreadsheets (15 significant digits): kept as text.
WHOLE_NUMBER_DIGITS = 15
UTF8_BOM = "\ufeff"
# Each column's name as json.dumps writes a key of an object: encoded once, not once a row.
JSON_KEYS = tuple(encode_basestring(name) + ": " for name in oc.COLUMN_NAMES)


class _RowBuilder(export_rows.RowBuilder):
    """rows.RowBuilder reading ogp_extra as extra.py says: only its text cells of OGP's columns,
    none of them replacing a cell the project computes."""

    def row(self, values, supporting, area_links, assessments):
        kept = extra.for_export(values[2])
        return super().row((values[0], values[1], kept, *values[3:]), supporting, area_links, assessments)

    def _keep_written(self, row, values, supporting, plan, area_links, slots):
        # Kept spellings of computed columns are checked against the row's own cells, which it
        # holds until super() puts the kept ones in (unmodelled columns need no check).
        spellings = values[2].keys() & extra.COMPUTED_COLUMNS
        computed = list(row) if spellings else row
        super()._keep_written(row, values, supporting, plan, area_links, slots)
        for name in spellings:
            written = values[2][name]
            index = export_rows.COLUMN_INDEX[name]
            column = oc.COLUMNS[index]
            nothing_computed = computed[index] == self.finish(column.empty)
            if row[index] != computed[index] and not extra.may_replace(column, written, nothing_computed):
                row[index] = computed[index]


def iter_rows(queryset, chunk_size=None, marked=False, encode=str):
    """Each commitment's cells in the order of columns.COLUMNS, in the queryset's order (with
    `encode`, each cell as the format writes it: rows.RowBuilder)."""
    if not queryset.ordered:
        queryset = queryset.order_by("identifier")
    chunk_size = chunk_size or CHUNK_SIZE
    builder = _RowBuilder(marked, encode)
    # As rows.iter_rows: in a transaction, PostgreSQL's server-side cursor streams the rows.
    with transaction.atomic():
        values = queryset.values_list(*export_rows.COMMITMENT_FIELDS).iterator(chunk_size=chunk_size)
        while chunk := list(islice(values, chunk_size)):
            yield from builder.rows(chunk)


def _buffered(pieces):
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= FLUSH_SIZE:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def csv_chunks(queryset, chunk_size=None):
    """The CSV text in pieces: a BOM (so spreadsheets read UTF-8), the header, the rows; byte for
    byte what csv.writer writes, its lines joined from cells already quoted (see csv_field)."""

    def pieces():
        yield UTF8_BOM + csv_line(map(csv_field, oc.COLUMN_NAMES))
        for row in iter_rows(queryset, chunk_size, marked=True, encode=csv_field):
            yield csv_line(row)

    return _buffered(pieces())


def csv_line(fields):
    """A line of CSV fields of more than one, ended as csv.writer ends one (excel dialect)."""
    return ",".join(fields) + "\r\n"


def json_chunks(queryset, chunk_size=None):
    """A JSON array of objects keyed by OGP's column names (no formula marks: not a spreadsheet)."""

    def pieces():
        yield "["
        separator = "\n"
        for row in iter_rows(queryset, chunk_size, encode=encode_basestring):
            yield separator + _json_object(row)
            separator = ",\n"
        yield "\n]\n"

    return _buffered(pieces())


def _json_object(cells):
    """json.dumps(dict(zip(COLUMN_NAMES, row)), ensure_ascii=False), byte for byte, from the keys
    encoded once and the row's cells encoded by the very function json.dumps uses for a str
    without ensure_ascii (encode_basestring), the few-valued ones once per value (rows.RowBuilder):
    the one encoder call per row cost as much as building it. Every cell is a text (columns.render
    and extra.for_export give only texts)."""
    return "{" + ", ".join(map(str.__add__, JSON_KEYS, cells)) + "}"


def xlsx_value(text: str):
    """An XLSX export's cell: a whole number written plainly ("2016", "0", not "007") as a number
    and a date as OGP writes one ("3/1/2021") as a date, so spreadsheets sort, filter and sum
    them; any other text as it is (written and neutralised by ogptracker/xlsx.py)."""
    if text.isdigit() and text.isascii() and len(text) <= WHOLE_NUMBER_DIGITS:
        if text[0] != "0" or text == "0":
            return int(text)
        return text
    if (match := OGP_DATE.fullmatch(text)) is not None:
        month, day, year = map(int, match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:  # 2/30/2020
            return text
    return text


def xlsx_file(queryset, chunk_size=None):
    """An open temporary file holding the workbook (the caller closes it; it is then deleted).

    Each cell is typed once per value where the row builder writes a value once (xlsx_value as
    its `encode`), texts once per row."""
    output = tempfile.TemporaryFile(suffix=".xlsx")
    xlsx.write(output, [xlsx.Sheet("Commitments", oc.COLUMN_NAMES,
                                   iter_rows(queryset, chunk_size, encode=xlsx_value))])
    output.seek(0)
    return output
