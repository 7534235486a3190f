"""The exports whatever a commitment's ogp_extra holds: no 500, no CSV cut short, no kept cell
standing for one the project computes (issue 12: `5` or {"Max star": 5} saved as raw JSON)."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from commitments.models import Commitment
from commitments.ogp.columns import COLUMN_NAMES
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory
from tests.reviews.factories import AssessmentFactory

COLUMN = {name: index for index, name in enumerate(COLUMN_NAMES)}

# Each stored ogp_extra no valid save writes, as `.update()` (no validation) stores it.
STORED = [5, "Max star", ["Max star", "1"], {"Max star": 5}, {"Max star": None}, {"Max star": ["1"]},
          {"Max star": {"a": 1}}, {"No such column": "x"}, {"": ""}, {"Commitment Unique Identifier": 7}]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def plan(db):
    return ActionPlanFactory()


@pytest.mark.parametrize("stored", STORED, ids=repr)
def test_every_export_copes_with_any_stored_ogp_extra(client, plan, stored):
    first, broken, last = (CommitmentFactory(action_plan=plan, identifier=f"ZZ000{n}") for n in (1, 2, 3))
    Commitment.objects.filter(pk=broken.pk).update(ogp_extra=stored)

    rows = csv_rows(client.get("/commitments/export.csv"))
    # The whole stream, to its last row: a bad cell does not stop it mid-way.
    assert [row[0] for row in rows[1:]] == ["ZZ0001", "ZZ0002", "ZZ0003"]
    assert all(len(row) == len(COLUMN_NAMES) for row in rows)
    assert rows[2][COLUMN["Max star"]] == ""
    assert rows[2][COLUMN["Commitment Unique Identifier"]] == "ZZ0002"

    response = client.get("/commitments/export.json")
    assert response.status_code == 200
    objects = json.loads(b"".join(response.streaming_content))
    assert [o["Commitment Unique Identifier"] for o in objects] == ["ZZ0001", "ZZ0002", "ZZ0003"]
    assert objects[1]["Max star"] == ""

    response = client.get("/commitments/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["ZZ0001", "ZZ0002", "ZZ0003"]
    del first, last


def test_a_kept_text_cell_of_an_unmodelled_column_is_exported(client, plan):
    commitment = CommitmentFactory(action_plan=plan)
    Commitment.objects.filter(pk=commitment.pk).update(
        ogp_extra={"Max star": "1", "id": "5078", "Other": "x"})
    [_header, row] = csv_rows(client.get("/commitments/export.csv"))
    assert (row[COLUMN["Max star"]], row[COLUMN["id"]]) == ("1", "5078")


@pytest.mark.parametrize(("column", "written", "expected"), [
    # No end-of-term report assessed it: the IRM said nothing, and no kept cell says otherwise.
    ("Completion (End Of Term)", "Complete", "ND"),
    ("Did It Open Government (Overall)", "Outstanding", "ND"),
    ("Starred (Current Formula) End of Term", "1", "ND"),
    ("Report Publication Year (End Of Term)", "2019", "ND"),
    # A spelling of "nothing" still comes back as the import wrote it.
    ("Completion (End Of Term)", "NR", "NR"),
    # The commitment's own star and carried forward are the model's: not starred, not carried.
    ("Star - Most Recently Assessed", "1", "0"),
    ("Carried Forward", "1", "ND"),
    # Where the IRM did assess, a kept cell stands only while it means the same rating.
    ("Completion (Progress Report)", "Complete", "Limited"),
    ("Completion (Progress Report)", "limited", "limited"),
])
def test_a_kept_cell_never_replaces_a_cell_the_project_computes(client, plan, column, written, expected):
    commitment = CommitmentFactory(action_plan=plan)
    AssessmentFactory(commitment=commitment, report__action_plan=plan, report__kind="progress",
                      completion=Completion.LIMITED)
    Commitment.objects.filter(pk=commitment.pk).update(ogp_extra={column: written})

    [_header, row] = csv_rows(client.get("/commitments/export.csv"))

    assert row[COLUMN[column]] == expected
    response = client.get("/commitments/export.json")
    [exported] = json.loads(b"".join(response.streaming_content))
    assert exported[column] == expected


def test_an_export_with_broken_ogp_extra_keeps_its_query_count(client, plan, django_assert_max_num_queries):
    for n in range(20):
        commitment = CommitmentFactory(action_plan=plan, identifier=f"ZZ{n:04d}")
        Commitment.objects.filter(pk=commitment.pk).update(ogp_extra=STORED[n % len(STORED)])
    # The filter's lookups, the commitments, and one query per related table (as test_exports).
    with django_assert_max_num_queries(8):
        rows = csv_rows(client.get("/commitments/export.csv"))
    assert len(rows) == 21
