"""Self-reported progress from milestones, beside the IRM's completion, and the disagreement flag."""

import re

import pytest

from commitments import progress
from commitments.models import Commitment
from reviews.models import IRMReport
from reviews.scales import Completion as C
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MilestoneFactory
from tests.reviews.factories import AssessmentFactory, IRMReportFactory


@pytest.mark.parametrize(("statuses", "expected"), [
    ([], None),
    ([C.COMPLETE, C.COMPLETE], C.COMPLETE),
    ([C.COMPLETE, C.COMPLETE, C.WITHDRAWN], C.COMPLETE),      # withdrawn ones are not counted
    ([C.COMPLETE, C.LIMITED], C.SUBSTANTIAL),                 # half complete
    ([C.COMPLETE, C.NOT_STARTED, C.NOT_STARTED], C.LIMITED),  # something done
    ([C.SUBSTANTIAL, C.NOT_STARTED], C.LIMITED),              # something under way
    ([C.NOT_STARTED, C.ND], C.NOT_STARTED),
    ([C.WITHDRAWN], None),
])
def test_the_level_follows_the_rule_on_the_page(statuses, expected):
    counted = [s for s in statuses if s != C.WITHDRAWN]
    complete = sum(s == C.COMPLETE for s in counted)
    under_way = sum(s in progress.UNDER_WAY for s in counted)
    assert progress.level(len(counted), complete, under_way) == expected


@pytest.mark.parametrize(("reported", "irm", "flagged"), [
    (C.COMPLETE, C.LIMITED, True),        # government says complete, IRM says limited
    (C.LIMITED, C.SUBSTANTIAL, True),
    (C.NOT_STARTED, C.COMPLETE, True),
    (C.COMPLETE, C.SUBSTANTIAL, False),   # both high
    (C.LIMITED, C.NOT_STARTED, False),    # both low
    (C.COMPLETE, C.ND, False),            # nothing to compare with
    (C.COMPLETE, C.WITHDRAWN, False),
    (C.COMPLETE, None, False),
    (None, C.LIMITED, False),             # no milestones
])
def test_disagreement_is_on_high_completion(reported, irm, flagged):
    assert progress.disagrees(reported, irm) is flagged


SCENARIOS = {
    # identifier: (milestone statuses, IRM mid-term, IRM end of term)
    "PR0001": ([C.COMPLETE, C.COMPLETE], None, C.LIMITED),
    "PR0002": ([C.COMPLETE, C.LIMITED], C.SUBSTANTIAL, C.LIMITED),   # half complete is Substantial
    "PR0003": ([C.NOT_STARTED, C.LIMITED], C.COMPLETE, None),        # mid-term only: compared
    "PR0004": ([C.COMPLETE], C.COMPLETE, C.LIMITED),                 # end of term wins over mid-term
    "PR0005": ([], None, C.COMPLETE),
    "PR0006": ([C.COMPLETE, C.WITHDRAWN], C.SUBSTANTIAL, C.ND),      # unrated end of term: mid-term
    "PR0007": ([C.LIMITED, C.LIMITED, C.COMPLETE], None, C.NR),
}


@pytest.fixture
def scenarios(db):
    plan = ActionPlanFactory()
    reports = {kind: IRMReportFactory(action_plan=plan, kind=kind, publication_year=year)
               for kind, year in [(IRMReport.Kind.PROGRESS, 2017), (IRMReport.Kind.END_OF_TERM, 2019)]}
    for identifier, (statuses, mid, end) in SCENARIOS.items():
        commitment = CommitmentFactory(identifier=identifier, action_plan=plan)
        for order, status in enumerate(statuses, 1):
            MilestoneFactory(commitment=commitment, order=order, status=status)
        for kind, value in [(IRMReport.Kind.PROGRESS, mid), (IRMReport.Kind.END_OF_TERM, end)]:
            if value:
                AssessmentFactory(commitment=commitment, report=reports[kind], completion=value)


def test_sql_and_python_apply_the_same_rule(scenarios):
    rows = (Commitment.objects.with_progress().prefetch_related("milestones")
            .filter(identifier__startswith="PR"))
    flags = {}
    for commitment in rows:
        in_python = progress.for_commitment(commitment)
        assert commitment.progress_disagrees is in_python.disagrees, commitment.identifier
        assert commitment.milestones_counted == in_python.counted
        flags[commitment.identifier] = in_python.disagrees
    assert {i for i, flag in flags.items() if flag} == {"PR0001", "PR0002", "PR0003", "PR0004"}


def test_commitment_page_shows_progress_beside_the_irm_with_the_rule_and_flag(client, chile):
    # CL0050: 2 of 5 milestones complete (Limited) while the IRM found Substantial at end of term.
    response = client.get("/commitments/CL0050/")
    html = response.content.decode().replace("&#x27;", "'")
    table = re.search(r'<table class="progress-table">.*?</table>', html, flags=re.S).group(0)
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip()
             for cell in re.findall(r"<td>(.*?)</td>", table, flags=re.S)]
    assert cells[0].startswith("Limited") and "(2 of 5 milestones complete, 40%)" in cells[0]
    assert cells[1:] == ["Limited", "Substantial"]
    assert "Reported progress and the IRM's completion disagree" in html
    assert "Progress is the share of a commitment's milestones marked complete" in html


def test_no_flag_where_they_agree(client, scenarios):
    html = client.get("/commitments/PR0005/").content.decode()
    assert "progress-table" in html and "progress-disagrees" not in html
    html = client.get("/commitments/PR0006/").content.decode()
    assert "Complete" in html and "progress-disagrees" not in html


def test_the_list_filters_on_the_flag(client, scenarios):
    def identifiers(query):
        response = client.get("/commitments/", {"progress_disagrees": query})
        assert response.status_code == 200
        return re.findall(r'<td class="identifier-cell">([^<]+)</td>', response.content.decode())

    assert identifiers("true") == ["PR0001", "PR0002", "PR0003", "PR0004"]
    assert identifiers("false") == ["PR0005", "PR0006", "PR0007"]
    assert len(identifiers("maybe")) == 7  # an unknown value is ignored, with a notice


def test_filtered_list_query_count_does_not_grow(client, scenarios, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as few:
        client.get("/commitments/", {"progress_disagrees": "true"})
    plan = ActionPlanFactory()
    report = IRMReportFactory(action_plan=plan)
    for n in range(40):
        commitment = CommitmentFactory(identifier=f"PS{n:04d}", action_plan=plan)
        MilestoneFactory(commitment=commitment, status=C.COMPLETE)
        AssessmentFactory(commitment=commitment, report=report, completion=C.LIMITED)
    with django_assert_max_num_queries(30) as many:
        response = client.get("/commitments/", {"progress_disagrees": "true"})
    assert "PS0000" in response.content.decode()
    # Not equal: a page whose rows name no institution skips that prefetch (which rows come first
    # differs between SQLite and PostgreSQL), so it may take one query fewer, never one more.
    assert len(many.captured_queries) <= len(few.captured_queries)
