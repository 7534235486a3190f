"""IRM summaries: counts per level of each scale over an action plan's or a member's commitments."""

import pytest
from django.utils import translation

from reviews.models import IRMReport
from reviews.scales import ND, NR, ChangeInCompletion, Completion, OpenGovernment, PotentialImpact
from reviews.summaries import NOT_ASSESSED, combine, summaries_by_action_plan, summary_for_member
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Labels are compared in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def assess(plan, commitments, kind, year, **fields_per_commitment):
    """One report of `kind` on `plan`, assessing commitments[i] with the i-th value of each field."""
    report = IRMReportFactory(action_plan=plan, kind=kind, publication_year=year)
    for index, commitment in enumerate(commitments):
        values = {field: values[index] for field, values in fields_per_commitment.items()}
        if any(value is not None for value in values.values()):
            AssessmentFactory(report=report, commitment=commitment,
                              **{field: value for field, value in values.items() if value is not None})
    return report


@pytest.fixture
def known_plan():
    """Five commitments, two starred, with a progress and an end-of-term report; the fifth has no
    mid-term assessment."""
    plan = ActionPlanFactory()
    commitments = [CommitmentFactory(action_plan=plan, starred=index < 2) for index in range(5)]
    assess(plan, commitments, IRMReport.Kind.PROGRESS, 2017,
           completion=["limited", "limited", "substantial", ND, None],
           potential_impact=["transformative", "moderate", "moderate", "minor", None])
    assess(plan, commitments, IRMReport.Kind.END_OF_TERM, 2018,
           completion=["complete", "substantial", "complete", "limited", NR],
           change_in_completion=["increase", "increase", "increase", "no-change", NR],
           did_it_open_government=["outstanding", "major", "marginal", "did-not-change", NR],
           open_government_civic_participation=["major", "major", "not-applicable", "marginal", NR],
           # The fifth has no design reading before the end of term: its end-of-term one counts.
           potential_impact=["none", "none", "none", "none", "minor"])
    return plan


def test_completion_counts_at_mid_term_and_end_of_term(known_plan):
    summary = summaries_by_action_plan([known_plan])[known_plan.pk]
    assert summary.commitments == 5
    mid, end = summary["mid_term_completion"], summary["end_of_term_completion"]
    assert (mid.count(Completion.LIMITED), mid.count(Completion.SUBSTANTIAL), mid.count(ND),
            mid.count(NOT_ASSESSED)) == (2, 1, 1, 1)
    assert (end.count(Completion.COMPLETE), end.count(Completion.SUBSTANTIAL), end.count(Completion.LIMITED),
            end.count(NR)) == (2, 1, 1, 1)
    assert summary.high_completion("mid_term_completion") == 1
    assert summary.high_completion() == 3


def test_shares_are_of_every_commitment_and_missing_codes_stay_apart(known_plan):
    rows = summaries_by_action_plan([known_plan])[known_plan.pk]["mid_term_completion"].rows()
    by_label = {row.label: (row.count, row.share, row.is_rating) for row in rows}
    assert by_label["Limited"] == (2, 40.0, True)
    assert by_label["Withdrawn"] == (0, 0.0, True)
    assert by_label["No data"] == (1, 20.0, False)
    assert by_label["Not assessed"] == (1, 20.0, False)
    assert "Not reviewed" not in by_label
    # Ratings in the scale's order, then the missing codes.
    assert [row.label for row in rows][:6] == [
        "Withdrawn", "Unclear", "Not Started", "Limited", "Substantial", "Complete"]


def test_change_open_government_starred_and_design(known_plan):
    summary = summaries_by_action_plan([known_plan])[known_plan.pk]
    assert summary.starred == 2 and summary.starred_share == 40.0
    assert summary["change_in_completion"].count(ChangeInCompletion.INCREASE) == 3
    assert summary["change_in_completion"].count(ChangeInCompletion.NO_CHANGE) == 1
    overall = summary["did_it_open_government"]
    assert [overall.count(level) for level in ("outstanding", "major", "marginal", "did-not-change", NR)] == [
        1, 1, 1, 1, 1]
    assert summary.strong_open_government() == 2
    civic = summary["open_government_civic_participation"]
    assert civic.count(OpenGovernment.MAJOR) == 2 and civic.count(OpenGovernment.NOT_APPLICABLE) == 1
    # Unrated per-value readings default to ND on an assessment.
    assert summary["open_government_access_to_information"].count(ND) == 5
    # Design comes from the earliest report that assessed the commitment.
    impact = summary["potential_impact"]
    assert impact.count(PotentialImpact.MODERATE) == 2
    assert impact.count(PotentialImpact.TRANSFORMATIVE) == 1
    assert impact.count(PotentialImpact.MINOR) == 2
    assert impact.count(PotentialImpact.NONE) == 0
    assert summary.design_measure == "potential_impact"


def test_completion_side_by_side(known_plan):
    rows = summaries_by_action_plan([known_plan])[known_plan.pk].completion_rows
    by_label = {label: (mid.count, end.count) for label, mid, end in rows}
    assert by_label["Limited"] == (2, 1)
    assert by_label["Complete"] == (0, 2)
    assert by_label["No data"] == (1, 0)
    assert by_label["Not reviewed"] == (0, 1)
    assert by_label["Not assessed"] == (1, 0)
    assert list(by_label)[-3:] == ["No data", "Not reviewed", "Not assessed"]


def test_latest_end_of_term_report_counts_once():
    plan = ActionPlanFactory()
    commitment = CommitmentFactory(action_plan=plan)
    assess(plan, [commitment], IRMReport.Kind.END_OF_TERM, 2019, completion=["limited"])
    assess(plan, [commitment], IRMReport.Kind.RESULTS, 2022, completion=["complete"],
           potential_for_results=["modest"])
    summary = summaries_by_action_plan([plan])[plan.pk]
    assert summary["end_of_term_completion"].counts == {Completion.COMPLETE: 1}
    assert summary["end_of_term_completion"].total == 1


def test_plan_without_commitments_has_an_empty_summary():
    plan = ActionPlanFactory()
    summary = summaries_by_action_plan([plan])[plan.pk]
    assert summary.commitments == 0 and not summary.has_assessments
    assert all(row.share == 0.0 for row in summary["end_of_term_completion"].rows())


def test_member_summary_adds_its_plans(known_plan):
    second = ActionPlanFactory(member=known_plan.member)
    commitment = CommitmentFactory(action_plan=second, starred=True)
    assess(second, [commitment], IRMReport.Kind.END_OF_TERM, 2021, completion=["complete"])
    CommitmentFactory(action_plan=ActionPlanFactory(member=MemberFactory()))  # another member's
    summary = summary_for_member(known_plan.member)
    assert summary.commitments == 6
    assert summary.starred == 3
    assert summary["end_of_term_completion"].count(Completion.COMPLETE) == 3
    assert summary["mid_term_completion"].count(NOT_ASSESSED) == 2
    per_plan = summaries_by_action_plan([known_plan.pk, second.pk])
    assert combine(per_plan.values()).commitments == summary.commitments


def test_member_summary_is_one_query(known_plan, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = summary_for_member(known_plan.member)
    assert summary.commitments == 5


def test_one_query_whatever_the_number_of_plans_and_commitments(django_assert_num_queries):
    plans = [ActionPlanFactory() for _ in range(6)]
    for plan in plans:
        commitments = CommitmentFactory.create_batch(8, action_plan=plan)
        assess(plan, commitments, IRMReport.Kind.END_OF_TERM, 2018, completion=["complete"] * 8)
    with django_assert_num_queries(1):
        small = summaries_by_action_plan(plans[:1])
    with django_assert_num_queries(1):
        large = summaries_by_action_plan(plans)
    assert small[plans[0].pk].commitments == 8
    assert sum(summary.high_completion() for summary in large.values()) == 48
