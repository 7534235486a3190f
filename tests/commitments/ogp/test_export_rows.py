"""The export's row builder gives, cell for cell, what columns.export_cell says from model objects."""

from io import StringIO

import pytest
from django.core.management import call_command

from commitments.models import Commitment
from commitments.ogp import columns as oc
from commitments.ogp import rows as export_rows
from ogptracker.spreadsheets import unneutralise
from tests.commitments.ogp.test_import import SAMPLE, run_import


def cells_from_models(commitment) -> list[str]:
    """A row as ogp_columns reads it from model instances (the importer's way), unmarked."""
    plan = commitment.action_plan
    by_kind = {assessment.report.kind: assessment for assessment in commitment.assessments.all()
               if assessment.report.action_plan_id == plan.pk}
    slots = {slot: by_kind.get(oc.slot_kind(slot, plan.submission_year)) for slot in (oc.MID, oc.FINAL)}
    sources = oc.RowSources(
        commitment=commitment, member=plan.member, plan=plan,
        lead_name=commitment.lead_institution.name if commitment.lead_institution else None,
        supporting=frozenset(institution.name for institution in commitment.supporting_institutions.all()),
        area_slugs=frozenset().union(*(oc.policy_area_keys(area) for area in commitment.policy_areas.all())),
        assessments=slots,
        report_years={slot: assessment.report.publication_year if assessment else None
                      for slot, assessment in slots.items()},
    )
    return oc.export_row(sources)


def assert_builder_matches_models(chunk_size):
    commitments = Commitment.objects.order_by("identifier")
    # The model side reads every relation in one query each: a query per row, planned inside the
    # test's transaction on tables PostgreSQL has no statistics of yet, took seconds a row.
    as_models = commitments.select_related("action_plan__member", "lead_institution").prefetch_related(
        "supporting_institutions", "policy_areas", "assessments__report")
    built = list(export_rows.iter_rows(commitments, chunk_size))

    assert len(built) == commitments.count() > 0
    for commitment, row in zip(as_models, built, strict=True):
        assert row == cells_from_models(commitment), commitment.identifier


@pytest.mark.django_db
def test_rows_of_generated_data_match_the_column_map():
    # Demo data uses every scale value, both IRM models, dates with and without their text.
    call_command("generate_demo_data", commitments=60, stdout=StringIO())

    assert_builder_matches_models(chunk_size=7)


@pytest.mark.django_db
def test_rows_of_imported_data_keep_what_the_import_kept_as_written():
    run_import(SAMPLE)
    assert Commitment.objects.exclude(ogp_extra={}).exists()

    assert_builder_matches_models(chunk_size=100)


@pytest.mark.django_db
def test_marked_rows_mark_only_what_a_spreadsheet_would_run(chile):
    Commitment.objects.filter(identifier="CL0050").update(title="=HYPERLINK(\"http://x\")",
                                                          short_title="'+1", number="-3")
    cl0050 = Commitment.objects.filter(identifier="CL0050")

    [plain] = export_rows.iter_rows(cl0050, 10)
    [marked] = export_rows.iter_rows(cl0050, 10, marked=True)

    changed = {oc.COLUMN_NAMES[index]: (before, after)
               for index, (before, after) in enumerate(zip(plain, marked, strict=True)) if before != after}
    assert changed == {
        "Commitment Title": ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        "Short Title": ("'+1", "''+1"),
        "Commitment Number": ("-3", "'-3"),
    }
    assert [unneutralise(cell) for cell in marked] == plain
