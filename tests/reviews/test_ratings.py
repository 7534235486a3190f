"""The IRM ratings stored on each commitment always equal the rule applied afresh."""

from io import StringIO

import pytest
from django.core.management import call_command

from commitments import stored as stored_values
from commitments.models import STORED_RATING_FIELDS, Commitment
from reviews import ratings
from reviews.models import IRMReport
from tests.commitments.factories import CommitmentFactory
from tests.commitments.ogp.test_import import SAMPLE, run_import
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db


def stored(commitment):
    return dict(Commitment.objects.filter(pk=commitment.pk).values(*STORED_RATING_FIELDS).get())


def assert_stored_equal_the_rule():
    """Every commitment's stored ratings against the rule's subqueries computed now."""
    fresh = Commitment.objects.annotate(**{f"fresh_{name}": expression
                                           for name, expression in ratings.expressions().items()})
    rows = list(fresh.values("identifier", *STORED_RATING_FIELDS,
                             *(f"fresh_{name}" for name in STORED_RATING_FIELDS)))
    assert rows
    for row in rows:
        assert {name: row[name] for name in STORED_RATING_FIELDS} == \
            {name: row[f"fresh_{name}"] for name in STORED_RATING_FIELDS}, row["identifier"]


def test_a_commitment_without_assessments_has_no_ratings():
    assert set(stored(CommitmentFactory()).values()) == {None}


def test_saving_assessments_stores_the_latest_report_of_each_stage():
    commitment = CommitmentFactory()
    plan = commitment.action_plan
    progress = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.PROGRESS, publication_year=2017)
    end = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM, publication_year=2019)
    AssessmentFactory(commitment=commitment, report=progress, completion="limited",
                      potential_impact="moderate", potential_for_results="ND")
    AssessmentFactory(commitment=commitment, report=end, completion="substantial",
                      potential_impact="ND", did_it_open_government="major")

    assert stored(commitment) == {
        "mid_term_completion": "limited",
        "end_of_term_completion": "substantial",
        # Design ratings come from the earliest report that rated them (a later ND or restatement
        # does not count); when no report rated the design, the earliest report's code is kept.
        "potential_impact": "moderate",
        "potential_for_results": "ND",
        "did_it_open_government": "major",
    }


def test_a_report_changing_year_or_being_deleted_changes_which_report_counts():
    commitment = CommitmentFactory()
    first = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.END_OF_TERM,
                             publication_year=2016)
    second = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.RESULTS,
                              publication_year=2018)
    AssessmentFactory(commitment=commitment, report=first, completion="limited")
    AssessmentFactory(commitment=commitment, report=second, completion="complete")
    assert stored(commitment)["end_of_term_completion"] == "complete"

    second.publication_year = 2015
    second.save()
    assert stored(commitment)["end_of_term_completion"] == "limited"

    first.delete()
    assert stored(commitment)["end_of_term_completion"] == "complete"


def test_editing_moving_and_deleting_an_assessment_refreshes_each_commitment_concerned():
    commitment, other = CommitmentFactory(), CommitmentFactory()
    report = IRMReportFactory(action_plan=commitment.action_plan, kind=IRMReport.Kind.END_OF_TERM)
    assessment = AssessmentFactory(commitment=commitment, report=report, completion="limited")

    assessment.completion = "complete"
    assessment.save()
    assert stored(commitment)["end_of_term_completion"] == "complete"

    assessment.commitment = other
    assessment.save()
    assert (stored(commitment)["end_of_term_completion"], stored(other)["end_of_term_completion"]) == \
        (None, "complete")

    assessment.delete()
    assert stored(other)["end_of_term_completion"] is None


def test_the_seed_loads_with_its_ratings(chile):
    cl0050 = Commitment.objects.get(identifier="CL0050")

    assert (cl0050.mid_term_completion, cl0050.end_of_term_completion) == ("limited", "substantial")
    assert_stored_equal_the_rule()


def test_an_import_stores_every_commitments_ratings():
    run_import(SAMPLE)

    assert Commitment.objects.exclude(end_of_term_completion=None).count() > 100
    assert_stored_equal_the_rule()


def test_generated_demo_data_stores_its_ratings():
    call_command("generate_demo_data", commitments=80, stdout=StringIO())

    assert Commitment.objects.exclude(potential_impact=None).exists()
    assert_stored_equal_the_rule()


def test_refresh_repairs_ratings_written_around_the_signals():
    call_command("generate_demo_data", commitments=30, stdout=StringIO())
    Commitment.objects.update(end_of_term_completion="withdrawn", did_it_open_government=None)

    stored_values.refresh_ratings()

    assert_stored_equal_the_rule()


def test_the_refresh_command_repairs_every_stored_value():
    call_command("generate_demo_data", commitments=30, stdout=StringIO())
    Commitment.objects.update(end_of_term_completion="withdrawn", milestones_counted=99, search_text="stale")
    out = StringIO()

    call_command("refresh_stored_values", stdout=out)

    assert "Refreshed 30 commitments (30 search texts changed)" in out.getvalue()
    assert_stored_equal_the_rule()
    assert not Commitment.objects.filter(milestones_counted=99).exists()
    assert not Commitment.objects.filter(search_text="stale").exists()


def python_ratings(commitment):
    """Each rule of reviews.ratings applied in Python to the commitment's assessments."""
    assessments = list(commitment.assessments.select_related("report"))
    return {name: ratings.value(rule, assessments) for name, rule in ratings.RULES.items()}


def test_each_rule_in_python_gives_what_its_sql_gives_on_generated_data():
    # The demo data uses every kind of report and every value of each scale, ND/NR/NA included.
    call_command("generate_demo_data", commitments=120, stdout=StringIO())

    commitments = list(Commitment.objects.all())
    assert commitments
    for commitment in commitments:
        assert python_ratings(commitment) == stored(commitment), commitment.identifier


def test_python_and_sql_agree_on_reports_without_a_year_and_on_ties():
    """A report without a year counts as the oldest; two reports of one year go by assessment id."""
    commitment = CommitmentFactory()
    plan = commitment.action_plan
    undated = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.PROGRESS, publication_year=None)
    dated = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.ACTION_PLAN_REVIEW,
                             publication_year=2019)
    end = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.END_OF_TERM, publication_year=2021)
    results = IRMReportFactory(action_plan=plan, kind=IRMReport.Kind.RESULTS, publication_year=2021)
    AssessmentFactory(commitment=commitment, report=undated, completion="limited", potential_impact="ND")
    AssessmentFactory(commitment=commitment, report=dated, completion="complete", potential_impact="moderate")
    AssessmentFactory(commitment=commitment, report=end, completion="substantial")
    AssessmentFactory(commitment=commitment, report=results, completion="complete",
                      did_it_open_government="major")

    assert python_ratings(commitment) == stored(commitment)
    assert stored(commitment)["mid_term_completion"] == "limited"
    assert stored(commitment)["end_of_term_completion"] == "complete"
    assert stored(commitment)["potential_impact"] == "moderate"


# --- One design reading: the page says what the stored rating, the list and the API say ----------

DESIGN_CODES = ["ND", "ND", "none", "minor", "moderate", "transformative", "NR", "NA"]
RESULTS_CODES = ["ND", "ND", "unclear", "modest", "substantial", "NA"]


def _page_design(client, commitment) -> tuple[str, str]:
    """(the label the page shows under its design rating, which rating that is)."""
    import re

    page = client.get(commitment.get_absolute_url()).content.decode()
    section = page[page.index('id="design-heading"'):page.index('id="implementation-heading"')]
    found = re.search(r'<dt>(Potential (?:impact|for results))</dt>'
                      r'<dd><span class="rating[^"]*">([^<]*)</span>', section)
    return found.group(2), found.group(1)


def test_the_page_reads_the_design_ratings_as_the_stored_values_do(client):
    """Generated reports, kinds and years shuffled, ND included: for every commitment the page's
    design rating is the label of the stored value (issue 23.8: the page read the earliest report
    even when it said ND, everything else the earliest that rated it)."""
    import random

    from reviews.scales import PotentialForResults, PotentialImpact
    from reviews.templatetags.irm import scale_label

    rng = random.Random(238)
    # Before 2020 the IRM rated potential impact (design, progress, end-of-term reports), from 2020
    # potential for results (action plan review, results report); either may say ND.
    eras = [([IRMReport.Kind.DESIGN, IRMReport.Kind.PROGRESS, IRMReport.Kind.END_OF_TERM], "potential_impact",
             DESIGN_CODES), ([IRMReport.Kind.ACTION_PLAN_REVIEW, IRMReport.Kind.RESULTS],
                             "potential_for_results", RESULTS_CODES)]
    commitments = []
    for number in range(30):
        commitment = CommitmentFactory(identifier=f"DZ{number:04d}")
        kinds, field, codes = eras[number % 3 == 2]
        for kind in rng.sample(kinds, rng.randint(1, len(kinds))):  # one report of each kind per plan
            report = IRMReportFactory(action_plan=commitment.action_plan, kind=kind,
                                      publication_year=rng.choice([None, 2015, 2017, 2019, 2021]))
            rated = {"potential_impact": "ND", "potential_for_results": "ND", field: rng.choice(codes)}
            AssessmentFactory(commitment=commitment, report=report, **rated)
        commitments.append(commitment)
    seen_nd_first = 0
    for commitment in commitments:
        values = stored(commitment)
        shown, which = _page_design(client, commitment)
        if which == "Potential impact":
            assert shown == scale_label(values["potential_impact"], PotentialImpact.__name__), commitment
        else:
            assert shown == scale_label(values["potential_for_results"],
                                        PotentialForResults.__name__), commitment
        earliest = ratings.earliest_assessment(list(commitment.assessments.select_related("report")))
        seen_nd_first += earliest.potential_impact == "ND" and values["potential_impact"] not in (None, "ND")
    assert seen_nd_first  # the case the issue found: the earliest said ND, a later report rated it
