"""Bounded work per upload: an OGP import over the file's bounds is refused fast and small.

Each hostile file is built here, then imported; the refusal must come within 2 seconds and
100 MB of memory allocated by Python (tracemalloc's peak), naming the bound and its line, and
before any row is parsed (nothing is written). A file at the bounds still imports.
"""

import time
import tracemalloc

import pytest

from commitments.models import Commitment
from commitments.ogp.reading import (
    MAX_CELL_CHARACTERS,
    MAX_FIELDS,
    MAX_LINE_BYTES,
    MAX_RECORD_CHARACTERS,
    MAX_ROWS,
    ImportResult,
    check_file,
)

from .test_import import (
    IMPORT_URL,
    nothing_written,
    post_form,
    refused_message,
    sample_table,
    to_csv,
    upload,
    write_file,
)

pytestmark = pytest.mark.django_db

SECONDS = 2
MEMORY_BYTES = 100 * 1024 * 1024


def header_line() -> bytes:
    header, _records = sample_table()
    return to_csv(header, [])


def hostile_files():
    """(name, file content, the refusal's words) for each bound."""
    header = header_line()
    return [
        # The XLSX had one row of 3,000,000 cells; here as a CSV record (6 MB).
        ("cells in a row", header + b",".join([b"a"] * 3_000_000) + b"\r\n",
         f"line 2: has more than the {MAX_FIELDS:,} fields a row may have"),
        ("cells in the header", b",".join([b"c"] * 3_000_000) + b"\n",
         f"line 1: has more than the {MAX_FIELDS:,} fields a row may have"),
        # 40 MB on one line: never held whole.
        ("one long line", header + b"x" * (40 * 1024 * 1024),
         f"line 2: the line is longer than the {MAX_LINE_BYTES:,} bytes a line may hold"),
        # Fields each within the cell limit, together over the row's.
        ("a long row", header + b",".join([b"y" * (MAX_CELL_CHARACTERS - 1)] * 4) + b"\n",
         f"line 2: the row is longer than the {MAX_RECORD_CHARACTERS:,} characters a row may hold"),
        # One quoted field of 40 MB over 400,000 short lines.
        ("one long field over many lines", header + b'"' + b"z, a quoted line\n" * 2_500_000 + b'"\n',
         f"line 2: the row is longer than the {MAX_RECORD_CHARACTERS:,} characters a row may hold"),
        ("too many rows", header + b"r\n" * (MAX_ROWS + 10),
         f"line {MAX_ROWS + 2}: the file has more than the {MAX_ROWS:,} rows an import may hold"),
    ]


@pytest.mark.parametrize("name, content, words", hostile_files(), ids=[case[0] for case in hostile_files()])
def test_a_file_over_a_bound_is_refused_within_2_seconds_and_100_mb(tmp_path, name, content, words):
    path = write_file(tmp_path, content)
    del content

    started = time.perf_counter()
    message = refused_message(path)
    elapsed = time.perf_counter() - started
    # Memory on a second run: tracemalloc slows every allocation, so it is not timed.
    tracemalloc.start()
    refused_message(path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert words in message
    assert elapsed < SECONDS, f"{name}: refused after {elapsed:.2f} s"
    assert peak < MEMORY_BYTES, f"{name}: {peak / 1024 / 1024:.1f} MB"
    assert nothing_written()


def test_the_bounds_are_checked_before_a_row_is_parsed(tmp_path):
    """A file over a bound reports that bound alone, not the bad cells of the rows before it."""
    header, records = sample_table()
    records = records[:3]
    records[0][header.index("Year Of Submission")] = "twenty"
    data = to_csv(header, records) + b",".join([b"q"] * (MAX_FIELDS + 1)) + b"\n"
    result = ImportResult()
    last_line = data.count(b"\n")

    check_file(write_file(tmp_path, data), result)

    assert [str(error) for error in result.errors] == [
        f"line {last_line}: has more than the {MAX_FIELDS:,} fields a row may have"]
    assert result.rows == 0


def test_commas_in_quoted_texts_are_not_fields(tmp_path):
    header, records = sample_table()
    records = records[:2]
    records[0][header.index("Full Text")] = "a, b,\n" * (MAX_FIELDS + 5)

    refused = ImportResult()
    check_file(write_file(tmp_path, to_csv(header, records)), refused)

    assert refused.errors == [], refused.errors


def test_the_admin_shows_the_bound_a_file_exceeds(importer_client):
    page = importer_client.get(IMPORT_URL).content.decode()
    data = header_line() + b",".join([b"ab"] * 100_000) + b"\r\n"

    started = time.perf_counter()
    response = post_form(importer_client, IMPORT_URL, page, "import-upload-form", file=upload(data))
    elapsed = time.perf_counter() - started

    html = response.content.decode()
    assert response.status_code == 200
    assert f"<td>2</td><td>—</td><td>has more than the {MAX_FIELDS:,} fields a row may have</td>" in html
    assert elapsed < SECONDS
    assert not Commitment.objects.exists()
