"""The API tests' data: a small catalogue whose commitments the filters and facets tell apart."""

import pytest

from commitments.models import Commitment, Source
from reviews.models import IRMReport
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    MemberFactory,
    MilestoneFactory,
    PolicyAreaFactory,
)
from tests.reviews.factories import AssessmentFactory, IRMReportFactory


@pytest.fixture
def catalogue(db):
    """Two members, three plans, six commitments with assessments, milestones, sources and links."""
    alpha, beta = MemberFactory(name="Alpha", slug="alpha"), MemberFactory(name="Beta", slug="beta")
    alpha_2014 = ActionPlanFactory(member=alpha, ogp_id="AP_ALP01", submission_year=2014, end_year=2016)
    alpha_2018 = ActionPlanFactory(member=alpha, ogp_id="AP_ALP02", submission_year=2018, end_year=2020)
    beta_2016 = ActionPlanFactory(member=beta, ogp_id="AP_BET01", submission_year=2016, end_year=2018)
    finance = InstitutionFactory(name="Ministry of Finance")
    congress = InstitutionFactory(name="Congress")
    legislature = PolicyAreaFactory(name="Legislature", slug="legislature")
    open_data = PolicyAreaFactory(name="Open Data", slug="open-data")
    commitments = {
        "AL0001": CommitmentFactory(identifier="AL0001", action_plan=alpha_2014,
                                    title="Open parliament portal",
                                    lead_institution=finance, access_to_information=True, starred=True,
                                    policy_areas=[legislature], supporting_institutions=[congress]),
        "AL0002": CommitmentFactory(identifier="AL0002", action_plan=alpha_2014, title="Budget transparency",
                                    lead_institution=congress, civic_participation=True,
                                    status=Commitment.Status.INACTIVE, policy_areas=[open_data]),
        "AL0003": CommitmentFactory(identifier="AL0003", action_plan=alpha_2018,
                                    title="Beneficial ownership register", lead_institution=finance,
                                    public_accountability=True),
        "BE0001": CommitmentFactory(identifier="BE0001", action_plan=beta_2016,
                                    title="Citizen participation law",
                                    lead_institution=congress, technology_innovation=True, starred=True,
                                    status=Commitment.Status.INACTIVE, policy_areas=[legislature, open_data]),
        "BE0002": CommitmentFactory(identifier="BE0002", action_plan=beta_2016, title="Lobbying register",
                                    lead_institution=None),
        "BE0003": CommitmentFactory(identifier="BE0003", action_plan=beta_2016, title="Open contracting",
                                    short_title="Contracting", lead_institution=finance,
                                    access_to_information=True, civic_participation=True),
    }
    progress = IRMReportFactory(action_plan=alpha_2014, kind=IRMReport.Kind.PROGRESS, publication_year=2015)
    end_of_term = IRMReportFactory(action_plan=alpha_2014, kind=IRMReport.Kind.END_OF_TERM,
                                   publication_year=2016)
    beta_end = IRMReportFactory(action_plan=beta_2016, kind=IRMReport.Kind.END_OF_TERM, publication_year=2018)
    AssessmentFactory(commitment=commitments["AL0001"], report=progress, completion="limited",
                      potential_impact="moderate")
    AssessmentFactory(commitment=commitments["AL0001"], report=end_of_term, completion="complete",
                      did_it_open_government="major", summary="Parliament opens its data.")
    AssessmentFactory(commitment=commitments["AL0002"], report=progress, completion="not-started")
    AssessmentFactory(commitment=commitments["AL0002"], report=end_of_term, completion="substantial",
                      did_it_open_government="marginal")
    AssessmentFactory(commitment=commitments["BE0001"], report=beta_end, completion="limited",
                      potential_for_results="substantial")
    AssessmentFactory(commitment=commitments["BE0003"], report=beta_end, completion="NR")
    MilestoneFactory(commitment=commitments["AL0001"], order=1, status="complete")
    MilestoneFactory(commitment=commitments["AL0001"], order=2, status="not-started",
                     evidence_url="https://example.org/evidence")
    MilestoneFactory(commitment=commitments["BE0002"], order=1, status="complete")
    Source.objects.create(commitment=commitments["AL0001"], footnote=1, text="Portal launch",
                          url="https://example.org/portal")
    for commitment in commitments.values():
        commitment.refresh_from_db()
    return commitments
