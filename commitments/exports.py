"""Exports of a list of commitments as CSV, XLSX and JSON, in the columns of OGP's export.

Rows are read from the database in chunks (iterator with per-chunk prefetching), so memory
stays flat however many commitments are exported; CSV and JSON are streamed as they are made,
XLSX is written by openpyxl's write-only mode into a temporary file. The columns are those of
ogp_columns, so a CSV export imports back with `import_ogp` and exports again the same.
"""

import csv
import json
import tempfile

from django.db import transaction
from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reviews.models import Assessment

from . import ogp_columns as oc
from .models import Commitment, Institution, PolicyArea

# Commitments read per query: each chunk costs one query per prefetched relation.
CHUNK_SIZE = 1000
# Streamed CSV/JSON is sent in pieces of about this many characters.
FLUSH_SIZE = 64 * 1024
# Excel refuses longer cell texts.
XLSX_CELL_MAX = 32767
UTF8_BOM = "\ufeff"
UNEXPORTED_FIELDS = ("search_text", "problem", "main_objective", "brief_description", "ogp_challenge",
                     "relevance", "ambition")


def export_queryset(queryset):
    """The queryset with what every row reads joined or prefetched, in a stable order."""
    if not queryset.ordered:
        queryset = queryset.order_by("identifier")
    # The description's sections and the search text are not export columns (Full Text is the
    # description); not reading them halves the bytes PostgreSQL sends for 100,000 rows.
    queryset = queryset.defer(*UNEXPORTED_FIELDS)
    return queryset.select_related("action_plan__member", "lead_institution").prefetch_related(
        Prefetch("supporting_institutions", queryset=Institution.objects.only("name")),
        Prefetch("policy_areas", queryset=PolicyArea.objects.only("name", "slug")),
        Prefetch("assessments", queryset=Assessment.objects.select_related("report")),
    )


def row_sources(commitment: Commitment) -> oc.RowSources:
    plan = commitment.action_plan
    by_kind = {assessment.report.kind: assessment for assessment in commitment.assessments.all()
               if assessment.report.action_plan_id == plan.pk}
    slots = {slot: by_kind.get(oc.slot_kind(slot, plan.submission_year)) for slot in (oc.MID, oc.FINAL)}
    return oc.RowSources(
        commitment=commitment, member=plan.member, plan=plan,
        lead_name=commitment.lead_institution.name if commitment.lead_institution else None,
        supporting=frozenset(institution.name for institution in commitment.supporting_institutions.all()),
        area_slugs=frozenset().union(*(oc.policy_area_keys(area) for area in commitment.policy_areas.all())),
        assessments=slots,
        report_years={slot: assessment.report.publication_year if assessment else None
                      for slot, assessment in slots.items()},
    )


def iter_rows(queryset, chunk_size=None):
    """Each commitment's cells, unmarked, in the order of ogp_columns.COLUMNS."""
    # In a transaction, PostgreSQL's server-side cursor streams rows as they are fetched; outside
    # one (autocommit) Django declares it WITH HOLD, and PostgreSQL then computes and stores the
    # whole result before sending the first row (seconds at 100,000 rows).
    with transaction.atomic():
        for commitment in export_queryset(queryset).iterator(chunk_size=chunk_size or CHUNK_SIZE):
            yield oc.export_row(row_sources(commitment))
            # Prefetching points each assessment back at its commitment: a reference cycle that
            # only a late garbage collection would free. Breaking it frees each row at once.
            commitment._prefetched_objects_cache.clear()


class _Echo:
    """A file-like object whose write() returns what it is given, for csv.writer to stream."""

    def write(self, value):
        return value


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
    """The CSV text in pieces: a BOM (so spreadsheets read UTF-8), the header, the rows."""
    writer = csv.writer(_Echo())

    def pieces():
        yield UTF8_BOM + writer.writerow(oc.COLUMN_NAMES)
        for row in iter_rows(queryset, chunk_size):
            yield writer.writerow([oc.neutralise(cell) for cell in row])

    return _buffered(pieces())


def json_chunks(queryset, chunk_size=None):
    """A JSON array of objects keyed by OGP's column names (no formula marks: not a spreadsheet)."""

    def pieces():
        yield "["
        separator = "\n"
        for row in iter_rows(queryset, chunk_size):
            yield separator + json.dumps(dict(zip(oc.COLUMN_NAMES, row, strict=True)), ensure_ascii=False)
            separator = ",\n"
        yield "\n]\n"

    return _buffered(pieces())


def _xlsx_cell(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", oc.neutralise(text))[:XLSX_CELL_MAX]


def xlsx_file(queryset, chunk_size=None):
    """An open temporary file holding the workbook (the caller closes it; it is then deleted)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Commitments")
    sheet.append(list(oc.COLUMN_NAMES))
    for row in iter_rows(queryset, chunk_size):
        sheet.append([_xlsx_cell(cell) for cell in row])
    output = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(output)
    output.seek(0)
    return output
