"""The IRM's ratings of a commitment: which assessment each finding is read from, in SQL and in Python.

Each finding comes from the report of the stage where the IRM makes it: completion at mid-term
from the latest mid-term report; completion at end of term and "did it open government?" from
the latest end-of-term (or results) report; the design ratings (potential impact, potential for
results) from the earliest report that rated the design (the IRM rates design first, in the
progress report or action plan review; later reports restate it), or, when none did, the
earliest report's own code (ND, NR, NA). "Latest" and "earliest" order reports by publication
year, a report without a year counting as the oldest, then by the assessment's id.

RULES holds each rule once. `expressions()` writes them as correlated subqueries, which
commitments/stored.py stores on every commitment (fields named as RULES' keys; when:
commitments/freshness/saves.py) so that lists filter, sort and count by them; `value()` applies
the same rule to a commitment's assessments in Python, for pages that already hold them.
tests/reviews/test_ratings.py checks both agree.
"""

from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Assessment, IRMReport
from .scales import ND

MID_TERM = "mid-term"
END_OF_TERM = "end-of-term"
DESIGN = "design"

# The report kinds of each stage; the design reading may come from any report.
STAGE_KINDS = {MID_TERM: IRMReport.MID_TERM_KINDS, END_OF_TERM: IRMReport.END_OF_TERM_KINDS, DESIGN: None}


@dataclass(frozen=True)
class Rule:
    source: str  # the assessment field the rating is read from
    stage: str  # MID_TERM, END_OF_TERM: its latest report; DESIGN: the earliest that rated it

    @property
    def kinds(self):
        return STAGE_KINDS[self.stage]


# Commitment field (and summary measure) -> its rule.
RULES = {
    "mid_term_completion": Rule("completion", MID_TERM),
    "end_of_term_completion": Rule("completion", END_OF_TERM),
    "potential_impact": Rule("potential_impact", DESIGN),
    "potential_for_results": Rule("potential_for_results", DESIGN),
    "did_it_open_government": Rule("did_it_open_government", END_OF_TERM),
}


# SQL ----------------------------------------------------------------------------------------------

def _ordered(assessments, latest_first: bool):
    year = F("report__publication_year")
    if latest_first:
        return assessments.order_by(year.desc(nulls_last=True), "-pk")
    return assessments.order_by(year.asc(nulls_first=True), "pk")


def latest_value(source: str, stage: str, *, assessment_model=None) -> Subquery:
    """The outer commitment's value of one assessment field in its latest report of the stage
    (None when no report of the stage assessed it), as a correlated subquery."""
    assessments = (assessment_model or Assessment).objects.filter(commitment=OuterRef("pk"))
    if STAGE_KINDS[stage]:
        assessments = assessments.filter(report__kind__in=STAGE_KINDS[stage])
    return Subquery(_ordered(assessments, latest_first=True).values(source)[:1])


def _design_value(source: str, assessment_model) -> Coalesce:
    assessments = (assessment_model or Assessment).objects.filter(commitment=OuterRef("pk"))
    rated = assessments.exclude(**{source: ND})
    return Coalesce(Subquery(_ordered(rated, latest_first=False).values(source)[:1]),
                    Subquery(_ordered(assessments, latest_first=False).values(source)[:1]))


def expression(rule: Rule, *, assessment_model=None):
    """The rule as a correlated subquery on the outer commitment (a migration passes its model)."""
    if rule.stage == DESIGN:
        return _design_value(rule.source, assessment_model)
    return latest_value(rule.source, rule.stage, assessment_model=assessment_model)


def expressions(*, assessment_model=None) -> dict:
    """Every stored rating's subquery, by commitment field."""
    return {name: expression(rule, assessment_model=assessment_model) for name, rule in RULES.items()}


# Python -------------------------------------------------------------------------------------------

def _key(assessment):
    year = assessment.report.publication_year
    return (year is not None, year or 0, assessment.pk)


def latest_assessment(assessments, stage: str):
    """The assessment of the commitment's latest report of the stage, or None."""
    kinds = STAGE_KINDS[stage]
    of_stage = [a for a in assessments if kinds is None or a.report.kind in kinds]
    return max(of_stage, key=_key) if of_stage else None


def earliest_assessment(assessments):
    """The assessment of the commitment's earliest report, or None."""
    return min(assessments, key=_key) if assessments else None


DESIGN_RULES = {name: rule for name, rule in RULES.items() if rule.stage == DESIGN}


def design_assessment(assessments):
    """The assessment a page's Design section is read from: the earliest that rated the design
    (any DESIGN rule's source other than ND), else the earliest. Its rated values are those of
    design_values(): a later report that rated what the earliest left "ND" is the one shown."""
    assessments = list(assessments)
    rated = [a for a in assessments if any(getattr(a, rule.source) != ND for rule in DESIGN_RULES.values())]
    return earliest_assessment(rated) or earliest_assessment(assessments)


def design_values(assessments) -> dict:
    """Each design rating by its rule (value()), as the stored ratings, the list and the API read it."""
    assessments = list(assessments)
    return {name: value(rule, assessments) for name, rule in DESIGN_RULES.items()}


def value(rule: Rule, assessments):
    """The rule applied to a commitment's assessments (with their reports): what expression() gives."""
    assessments = list(assessments)
    if rule.stage == DESIGN:
        rated = [a for a in assessments if getattr(a, rule.source) != ND]
        chosen = earliest_assessment(rated) or earliest_assessment(assessments)
    else:
        chosen = latest_assessment(assessments, rule.stage)
    return getattr(chosen, rule.source) if chosen else None
