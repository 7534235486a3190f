"""The XLSX export's speed and memory: rows a second and peak memory growth, in-process.

Times `exporting.xlsx_file` (the /commitments/export.xlsx download without HTTP) over all the
commitments of the database, beside the same rows built alone (the floor under any writer) and,
for comparison, written by openpyxl's write-only mode as the export did before ogptracker/xlsx.py.

    export DATABASE_URL=sqlite:////tmp/ogptracker-xlsx.sqlite3
    .venv/bin/python manage.py migrate && .venv/bin/python bench/xlsx.py --commitments 15000
    DATABASE_URL=postgres://... .venv/bin/python bench/xlsx.py --commitments 15000 --repeat 3

Generates the demo data when the database holds fewer commitments (generate_demo_data; migrate
first). Prints one line per case with the machine's load average beside it.
"""

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ogptracker.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from commitments.models import Commitment  # noqa: E402
from commitments.ogp import exporting  # noqa: E402
from commitments.ogp.columns import COLUMN_NAMES  # noqa: E402
from ogptracker.spreadsheets import xlsx_cell  # noqa: E402


def rows_only(queryset):
    for _row in exporting.iter_rows(queryset, encode=exporting.xlsx_value):
        pass


def ogptracker_xlsx(queryset):
    exporting.xlsx_file(queryset).close()


def openpyxl_write_only(queryset):
    """The export as written before (openpyxl 3.1, write-only, et_xmlfile without lxml)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Commitments")
    sheet.append(list(COLUMN_NAMES))
    for row in exporting.iter_rows(queryset):
        sheet.append([xlsx_cell(cell) for cell in row])
    with tempfile.TemporaryFile(suffix=".xlsx") as output:
        workbook.save(output)


CASES = {"rows built alone": rows_only, "ogptracker/xlsx.py": ogptracker_xlsx,
         "openpyxl write-only (before)": openpyxl_write_only}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commitments", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", action="append", help="only the cases whose label holds this text")
    options = parser.parse_args()

    present = Commitment.objects.count()
    if present < options.commitments:
        print(f"Generating {options.commitments - present:,} commitments ...", flush=True)
        call_command("generate_demo_data", commitments=options.commitments - present, seed=present)
    queryset = Commitment.objects.order_by("identifier")
    count = queryset.count()
    print(f"{count:,} commitments, {len(COLUMN_NAMES)} columns; {connection.vendor}; {platform.machine()}, "
          f"{os.cpu_count()} cores, CPython {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for label, case in CASES.items():
        if options.only and not any(word in label for word in options.only):
            continue
        case(Commitment.objects.order_by("identifier")[:50])  # warm up: imports, compiled queries
        before = peak_rss_mib()
        times = []
        for _ in range(options.repeat):
            start = time.perf_counter()
            case(queryset)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"{label:30} {median:7.2f} s median of {options.repeat}  {count / median:8,.0f} rows/s  "
              f"peak memory +{peak_rss_mib() - before:.1f} MiB  (load {load})", flush=True)


if __name__ == "__main__":
    main()
