"""The list's exports: CSV, XLSX and JSON in OGP's columns, filtered as the list, streamed."""

import csv
import datetime
import io
import json
import tracemalloc

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from commitments.models import ActionPlan, Commitment, Institution, Member, PolicyArea
from commitments.ogp import exporting as exports
from commitments.ogp.columns import COLUMN_NAMES
from ogptracker import xlsx
from ogptracker.spreadsheets import unneutralise
from reviews.models import Assessment, IRMReport
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, InstitutionFactory
from tests.commitments.ogp.test_import import SAMPLE, run_import, sample_table, subset, to_csv, write_file
from tests.test_spreadsheets import assert_made_for_people

CHILE = ["CL0005", "CL0006", "CL0008", "CL0015", "CL0017", "CL0018", "CL0069", "CL0070", "CL0081"]
# Queries of one export, whatever its size below a chunk: the data's version (its ETag and
# Last-Modified, ogptracker/http_caching.py), the filter's lookups, the commitments, and one per
# prefetched relation.
EXPORT_QUERY_BOUND = 9


def content(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.fixture
def some_sample(db, tmp_path):
    """Chile's rows of the sample and a few others."""
    header, records = subset(set(CHILE) | {"NZ0010", "CR0073", "AL0002", "UY0160"})
    run_import(write_file(tmp_path, to_csv(header, records)))


# Contents ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_exporting_the_imported_sample_gives_back_every_cell(client):
    run_import(SAMPLE)
    header, records = sample_table()

    rows = csv_rows(content(client.get("/commitments/export.csv")))

    assert rows[0] == header == list(COLUMN_NAMES)
    assert len(rows) == 559
    exported = {row[0]: [unneutralise(cell) for cell in row] for row in rows[1:]}
    for record in records:
        assert exported[record[0]] == record, record[0]


@pytest.mark.django_db
def test_an_export_imports_back_and_exports_again_byte_for_byte(client, tmp_path):
    run_import(SAMPLE)
    first = content(client.get("/commitments/export.csv"))
    for model in (Assessment, IRMReport, Commitment, ActionPlan, Member, Institution, PolicyArea):
        model.objects.all().delete()

    run_import(write_file(tmp_path, first, "export.csv"))
    second = content(client.get("/commitments/export.csv"))

    assert Commitment.objects.count() == 558
    assert second == first


@pytest.mark.django_db
def test_reimporting_an_export_changes_nothing(client, some_sample, tmp_path):
    exported = content(client.get("/commitments/export.csv"))

    output = run_import(write_file(tmp_path, exported, "export.csv"))

    assert "0 created, 0 updated" in output.splitlines()[-1]


def test_reimporting_an_export_of_data_entered_by_hand_changes_nothing(client, chile, tmp_path):
    exported = content(client.get("/commitments/export.csv"))
    fields = ("identifier", "access_to_information", "start_date_text", "version")
    before = list(Commitment.objects.values_list(*fields))

    output = run_import(write_file(tmp_path, exported, "export.csv"))

    assert "0 created, 0 updated" in output.splitlines()[-1]
    assert list(Commitment.objects.values_list(*fields)) == before
    assert content(client.get("/commitments/export.csv")) == exported


# Formats and filters ----------------------------------------------------------------------------

def test_the_csv_export_holds_the_filtered_commitments(client, some_sample):
    response = client.get(reverse("commitments:export-csv"), {"member": "chile"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ogptracker-commitments-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(content(response))
    assert rows[0] == list(COLUMN_NAMES)
    assert [row[0] for row in rows[1:]] == CHILE


def test_the_xlsx_export_holds_the_filtered_commitments(client, some_sample):
    response = client.get(reverse("commitments:export-xlsx"), {"member": "chile"})

    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(content(response)), read_only=True).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(COLUMN_NAMES)
    assert [row[0] for row in rows[1:]] == CHILE
    cl0069 = dict(zip(COLUMN_NAMES, rows[1 + CHILE.index("CL0069")], strict=True))
    # Typed cells: OGP's month/day/year date as a date, a year as a number.
    assert cl0069["Start Date"] == datetime.datetime(2021, 3, 1)
    assert cl0069["Year Of Submission"] == 2020 and cl0069["Commitment Dummy"] == 1
    assert cl0069["Potential for Results"] == "Substantial"


def test_the_json_export_holds_the_filtered_commitments(client, some_sample):
    response = client.get(reverse("commitments:export-json"), {"member": "chile", "status": "inactive"})

    assert response["Content-Disposition"].endswith('.json"')
    records = json.loads(content(response))
    expected = list(Commitment.objects.filter(action_plan__member__slug="chile", status="inactive")
                    .order_by("identifier").values_list("identifier", flat=True))
    assert [record["Commitment Unique Identifier"] for record in records] == expected
    cl0069 = next(r for r in records if r["Commitment Unique Identifier"] == "CL0069")
    assert cl0069["Did It Open Government (Overall)"] == "No early results to report yet"
    assert list(cl0069) == list(COLUMN_NAMES)


def test_a_search_filter_applies_to_the_export(client, some_sample):
    rows = csv_rows(content(client.get("/commitments/export.csv", {"q": "parlamento abierto"})))

    assert "CR0073" in [row[0] for row in rows[1:]]
    assert "NZ0010" not in [row[0] for row in rows[1:]]


@pytest.mark.parametrize("url", ["/commitments/export.csv", "/commitments/export.json",
                                 "/commitments/export.xlsx"])
def test_an_unknown_filter_value_is_no_error(client, some_sample, url):
    response = client.get(url, {"member": "atlantis", "year_min": "x" * 50})

    assert response.status_code == 200
    assert content(response)


def test_the_list_links_to_its_downloads_with_its_filters(client, some_sample):
    html = client.get("/commitments/", {"member": "chile"}).content.decode()

    assert "Download these 9 commitments" in html
    for name in ("export-csv", "export-xlsx", "export-json"):
        assert f'href="{reverse(f"commitments:{name}")}?member=chile"' in html


# Formulas ---------------------------------------------------------------------------------------

@pytest.fixture
def formula_commitment(db):
    return CommitmentFactory(identifier="XX0001", title="=HYPERLINK(\"http://evil.example\")",
                             short_title="+1", theme="@SUM(A1)", description="-2 degrees",
                             lead_institution=InstitutionFactory(name="\tTabbed Ministry"))


def test_formulas_are_neutralised_in_csv(client, formula_commitment):
    rows = csv_rows(content(client.get("/commitments/export.csv")))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Commitment Title"] == "'=HYPERLINK(\"http://evil.example\")"
    assert row["Short Title"] == "'+1"
    assert row["Theme"] == "'@SUM(A1)"
    assert row["Full Text"] == "'-2 degrees"
    assert row["Lead Institution"] == "'\tTabbed Ministry"


def test_formulas_are_neutralised_in_xlsx(client, formula_commitment):
    sheet = load_workbook(io.BytesIO(content(client.get("/commitments/export.xlsx")))).active
    title = sheet.cell(row=2, column=COLUMN_NAMES.index("Commitment Title") + 1)

    assert title.value == "'=HYPERLINK(\"http://evil.example\")"
    assert title.data_type == "s"
    assert sheet.cell(row=2, column=COLUMN_NAMES.index("Short Title") + 1).value == "'+1"


def test_json_keeps_texts_unmarked(client, formula_commitment):
    record = json.loads(content(client.get("/commitments/export.json")))[0]

    assert record["Commitment Title"] == "=HYPERLINK(\"http://evil.example\")"


def test_an_exported_formula_imports_back_unmarked(client, formula_commitment, tmp_path):
    exported = content(client.get("/commitments/export.csv"))
    Commitment.objects.update(title="changed", short_title="changed")

    run_import(write_file(tmp_path, exported, "export.csv"))

    commitment = Commitment.objects.get(identifier="XX0001")
    assert (commitment.title, commitment.short_title) == ("=HYPERLINK(\"http://evil.example\")", "+1")


# Size: queries and memory -----------------------------------------------------------------------

def make_commitments(count, start=0):
    """count commitments of one plan, each with two assessments, institutions and policy areas (bulk)."""
    plan = ActionPlan.objects.first() or ActionPlanFactory(submission_year=2016, end_year=2018)
    reports = [IRMReport.objects.get_or_create(action_plan=plan, kind=kind, defaults={
        "title": kind, "publication_year": 2018})[0]
        for kind in (IRMReport.Kind.PROGRESS, IRMReport.Kind.END_OF_TERM)]
    lead = InstitutionFactory(name="Ministry of Finance")
    supporting = InstitutionFactory(name="Civil society")
    area, _ = PolicyArea.objects.get_or_create(slug="open-data", defaults={"name": "Open Data"})
    commitments = Commitment.objects.bulk_create([
        Commitment(identifier=f"ZZ{start + n:05d}", action_plan=plan, title=f"Commitment {start + n} " * 8,
                   description="A long text of the commitment. " * 40, lead_institution=lead,
                   ogp_extra={"id": str(start + n), "Binding constraint": "FALSE"})
        for n in range(count)])
    Commitment.supporting_institutions.through.objects.bulk_create([
        Commitment.supporting_institutions.through(commitment_id=c.pk, institution_id=supporting.pk)
        for c in commitments])
    Commitment.policy_areas.through.objects.bulk_create([
        Commitment.policy_areas.through(commitment_id=c.pk, policyarea_id=area.pk) for c in commitments])
    Assessment.objects.bulk_create([Assessment(report=report, commitment=c, completion="complete")
                                    for c in commitments for report in reports])


@pytest.mark.parametrize("url", ["/commitments/export.csv?member=", "/commitments/export.json",
                                 "/commitments/export.xlsx"])
def test_the_query_count_of_an_export_stays_the_same_as_rows_grow(client, db, url,
                                                                  django_assert_max_num_queries):
    make_commitments(5)
    with django_assert_max_num_queries(EXPORT_QUERY_BOUND):
        small = content(client.get(url))
    make_commitments(20, start=5)
    with django_assert_max_num_queries(EXPORT_QUERY_BOUND):
        large = content(client.get(url))

    assert (exported_count(url, small), exported_count(url, large)) == (5, 25)


def exported_count(url, data: bytes) -> int:
    if ".xlsx" in url:
        return sum(1 for _row in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows()) - 1
    if ".json" in url:
        return len(json.loads(data))
    return len(csv_rows(data)) - 1


def peak_memory(client, url) -> int:
    tracemalloc.start()
    try:
        size = 0
        for piece in client.get(url).streaming_content:
            size += len(piece)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# XLSX too: ogptracker/xlsx.py writes each row to a temporary file as it comes, with its texts
# inline (no shared-strings table), and the response streams that file.
@pytest.mark.parametrize("url", ["/commitments/export.csv", "/commitments/export.json",
                                 "/commitments/export.xlsx"])
def test_the_memory_of_an_export_stays_flat_as_rows_grow(client, db, url, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 50)
    make_commitments(150)
    peak_memory(client, url)  # warm up: imports, compiled queries, template caches
    small = peak_memory(client, url)
    make_commitments(450, start=150)

    large = peak_memory(client, url)

    assert Commitment.objects.count() == 600
    assert large < small * 1.5, (small, large)


def test_the_sample_imports_as_call_command_does(db):
    """The command is also reachable through call_command with the options it documents."""
    out = io.StringIO()
    call_command("import_ogp", str(SAMPLE), dry_run=True, stdout=out)

    assert "Would import 558 rows" in out.getvalue()


@pytest.mark.django_db
def test_an_xlsx_too_large_to_make_in_time_is_refused_with_the_csv_offered(client, chile, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 5)
    starred = Commitment.objects.filter(starred=True).count()
    assert 0 < starred <= 5 < Commitment.objects.count()

    refused = client.get("/commitments/export.xlsx?member=chile&sort=title&junk=1")
    allowed = client.get("/commitments/export.xlsx?starred=true")

    assert refused.status_code == 400
    page = refused.content.decode()
    assert f"This selection holds {Commitment.objects.count()} commitments" in page
    assert "holds at most 5" in page
    assert 'href="/commitments/export.csv?member=chile&amp;sort=title"' in page
    assert allowed.status_code == 200 and exported_count("x.xlsx", content(allowed)) == starred
    spanish = client.get("/commitments/export.xlsx", HTTP_ACCEPT_LANGUAGE="es")
    assert "una descarga de hoja de cálculo (XLSX) contiene como máximo 5" in spanish.content.decode()


def test_the_xlsx_export_is_made_for_people(client, some_sample):
    sheet = load_workbook(io.BytesIO(content(client.get("/commitments/export.xlsx")))).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]

    assert_made_for_people(sheet)
    assert len(rows) == Commitment.objects.count() > 10
    # Widths follow the content: the long texts at the limit, a 0/1 column narrow.
    widths = {name: sheet.column_dimensions[get_column_letter(index)].width
              for index, name in enumerate(header, start=1)}
    assert widths["Full Text"] == xlsx.WIDTH_MAX
    assert widths["Commitment Dummy"] < widths["Commitment Title"]
    # Years, counts and flags are numbers; OGP's dates are dates (other spellings stay text).
    assert {type(row["Year Of Submission"]) for row in rows} == {int}
    assert {type(row["Commitment Dummy"]) for row in rows} == {int}
    starts = [row["Start Date"] for row in rows]
    assert any(isinstance(start, datetime.datetime) for start in starts)
    assert not [start for start in starts if isinstance(start, str) and exports.OGP_DATE.fullmatch(start)]


@pytest.mark.parametrize(("text", "value"), [
    ("2016", 2016), ("0", 0), ("007", "007"), ("2.5", "2.5"), ("1" * 16, "1" * 16), ("٣", "٣"),
    ("3/1/2021", datetime.date(2021, 3, 1)), ("12/31/2020", datetime.date(2020, 12, 31)),
    ("2/30/2020", "2/30/2020"), ("03/01/2021", "03/01/2021"), ("13/6/2011", "13/6/2011"), ("NA", "NA"),
    ("", ""), ("=1+1", "=1+1"),
])
def test_xlsx_types_plain_numbers_and_ogp_dates_only(text, value):
    assert exports.xlsx_value(text) == value


def test_stored_hostile_texts_never_break_the_xlsx(client, formula_commitment):
    Commitment.objects.filter(pk=formula_commitment.pk).update(
        short_title="\x01=HYPERLINK(\"x\")", description="a\ufffeb\uffff<c>&", theme="2016")

    sheet = load_workbook(io.BytesIO(content(client.get("/commitments/export.xlsx")))).active
    row = dict(zip([cell.value for cell in sheet[1]], [cell.value for cell in sheet[2]], strict=True))
    assert row["Short Title"] == "'=HYPERLINK(\"x\")"
    assert row["Full Text"] == "ab<c>&"
    assert row["Commitment Title"] == "'=HYPERLINK(\"http://evil.example\")"
