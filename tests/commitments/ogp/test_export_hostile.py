"""The exports' contract with hostile but permitted values: the whole CSV export imports back
exactly, and export.json is, byte for byte, json.dumps of each commitment's cells."""

import csv
import json

import pytest

from commitments.models import ActionPlan, Commitment, Institution, Member, PolicyArea
from commitments.ogp import exporting
from commitments.ogp.columns import COLUMN_NAMES
from reviews.models import Assessment, IRMReport
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, InstitutionFactory
from tests.commitments.ogp.test_exports import content, csv_rows
from tests.commitments.ogp.test_import import SAMPLE, run_import, write_file

# Texts the validators let through (tabs and line breaks are the only control characters they
# allow) that a CSV writer, a spreadsheet, a JSON encoder or an HTML page could trip over.
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "'=1+1",  # already marked: gets a second mark, and loses exactly one on import
    "'",
    "-", "+1", "@SUM(A1)", "\tTabbed", "\rstarts with a carriage return",
    'say "hi", then, leave',
    "line one\nline two\r\nline three\rline four",
    "<script>alert('x')</script> &amp; </textarea>",
    "back\\slash \\u0041 \\n",
    "naïve façade — ‘quotes’ «guillemets» 中文 עברית 😀 \u2028\u2029 \u00a0 \ufeffBOM inside",
    "  spaces around  ",
    "x" * 3000,
]


@pytest.fixture
def hostile(db):
    plan = ActionPlanFactory(submission_year=2017, end_year=2019)
    area, _ = PolicyArea.objects.get_or_create(slug="open-data", defaults={"name": "Open Data"})
    report = IRMReport.objects.create(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM, title="End of term",
                                      publication_year=2020)
    for number, text in enumerate(HOSTILE, start=1):
        commitment = CommitmentFactory(
            identifier=f"HX{number:04d}", action_plan=plan, title=text[:500],
            short_title=text[:100], theme=text[:200], description=text,
            # Institutions are matched by name, which the importer takes with its spaces collapsed.
            lead_institution=InstitutionFactory(name=" ".join(f"{text[:80]} {number}".split())),
            start_date_text=text[:30],
            status=Commitment.Status.ACTIVE if number % 2 else Commitment.Status.INACTIVE)
        # OGP's column lists supporting institutions separated by commas (a name cannot hold one),
        # each taken without the bullets and dashes around it.
        commitment.supporting_institutions.add(InstitutionFactory(
            name=" ".join(f"Supporting {text[:20]} {number}".replace(",", " ").split())))
        commitment.policy_areas.add(area)
        if number % 3:
            Assessment.objects.create(report=report, commitment=commitment, completion="substantial")
    # A supporting institution deleted since, a commitment without a lead: nothing in their place.
    Institution.objects.filter(name__startswith="Supporting =HYPERLINK").delete()
    Commitment.objects.filter(identifier__endswith="0002").update(lead_institution=None)
    return plan


def _texts():
    fields = ("identifier", "title", "short_title", "theme", "description", "start_date_text", "status",
              "lead_institution__name")
    supporting = Commitment.objects.values_list("identifier", "supporting_institutions__name")
    return sorted(Commitment.objects.values_list(*fields)), sorted(supporting, key=str)


def test_a_full_export_of_hostile_values_imports_back_exactly(client, hostile, tmp_path):
    first = content(client.get("/commitments/export.csv"))
    before = _texts()
    assert len(csv_rows(first)) == len(HOSTILE) + 1
    for model in (Assessment, IRMReport, Commitment, ActionPlan, Member, Institution, PolicyArea):
        model.objects.all().delete()

    run_import(write_file(tmp_path, first, "export.csv"))

    assert _texts() == before
    assert Assessment.objects.count() == sum(1 for number in range(1, len(HOSTILE) + 1) if number % 3)
    assert content(client.get("/commitments/export.csv")) == first


class _Echo:
    def write(self, value):
        return value


def csv_writer_export() -> bytes:
    """The whole export as csv.writer writes the marked rows: what export.csv must be, byte for
    byte (its lines are joined from cells quoted by spreadsheets.csv_field instead)."""
    writer = csv.writer(_Echo())
    lines = [writer.writerow(row) for row in exporting.iter_rows(Commitment.objects.all(), marked=True)]
    return ("\ufeff" + writer.writerow(COLUMN_NAMES) + "".join(lines)).encode()


def test_the_csv_export_is_csv_writer_of_each_marked_row(client, hostile):
    assert content(client.get("/commitments/export.csv")) == csv_writer_export()


@pytest.mark.django_db
def test_the_csv_export_of_imported_rows_is_csv_writer_of_each_marked_row(client):
    # The sample's rows keep spellings as written (ogp_extra), put back by the row builder.
    run_import(SAMPLE)

    assert content(client.get("/commitments/export.csv")) == csv_writer_export()


def test_the_json_export_is_json_dumps_of_each_row_with_texts_unmarked(client, hostile):
    body = content(client.get("/commitments/export.json")).decode("utf-8")

    records = json.loads(body)
    assert body == "[\n" + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n"
    assert [list(record) for record in records] == [list(COLUMN_NAMES)] * len(HOSTILE)
    titles = {record["Commitment Unique Identifier"]: record["Commitment Title"] for record in records}
    assert titles == dict(Commitment.objects.values_list("identifier", "title"))


@pytest.mark.django_db
def test_the_json_export_of_imported_rows_is_json_dumps_of_each_unmarked_row(client):
    run_import(SAMPLE)  # rows keeping spellings as written (ogp_extra)
    body = content(client.get("/commitments/export.json")).decode("utf-8")

    objects = (json.dumps(dict(zip(COLUMN_NAMES, row, strict=True)), ensure_ascii=False)
               for row in exporting.iter_rows(Commitment.objects.all()))
    assert body == "[\n" + ",\n".join(objects) + "\n]\n"


def test_the_json_export_of_one_member_holds_only_its_rows(client, hostile):
    other = CommitmentFactory(title="Another member's")

    records = json.loads(content(client.get("/commitments/export.json", {"member": hostile.member.slug})))

    assert len(records) == len(HOSTILE)
    assert other.identifier not in {record["Commitment Unique Identifier"] for record in records}
