"""import_ogp's memory: a large file is imported with a peak that does not grow with its rows."""

import csv
import tracemalloc

import pytest

from commitments.models import Commitment
from tests.commitments.ogp.test_import import SAMPLE, run_import, sample_table


def write_large_file(path, rows: int, *, copy_offset=0):
    """The sample's rows repeated until `rows`, each copy with fresh identifiers.

    The copies keep their member, plan and report cells, so the file stays consistent: only the
    number of commitments (and their assessments) grows.
    """
    header, records = sample_table()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for index in range(rows):
            copy, record = divmod(index, len(records))
            # OGP's shape (validators.validate_identifier): the sample's 4 digits, then 2 of the copy.
            writer.writerow([f"{records[record][0]}{copy_offset + copy:02d}", *records[record][1:]])
    return path


def import_peak(path) -> int:
    """The peak of Python memory allocated while importing the file, in bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run_import(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_the_import_peak_memory_does_not_grow_with_the_rows(tmp_path):
    # The sample first: both measured files then create commitments and assessments only.
    # 500 rows are one batch of writes (writing.WRITE_BATCH), 2,000 rows four: holding every
    # row, as the importer once did, peaked 2.6 times higher for the larger file.
    run_import(SAMPLE)
    small = write_large_file(tmp_path / "small.csv", 500, copy_offset=0)
    large = write_large_file(tmp_path / "large.csv", 2000, copy_offset=10)

    small_peak = import_peak(small)
    large_peak = import_peak(large)

    assert Commitment.objects.count() == 558 + 500 + 2000
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
