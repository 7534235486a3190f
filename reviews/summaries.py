"""Summaries of the IRM's findings over many commitments: counts per level of each scale.

Each commitment is counted once per measure, from the assessment that holds that measure:
completion at mid-term from its latest mid-term report, completion at end of term, the change in
completion and "did it open government?" from its latest end-of-term (or results) report, and the
design reading (potential impact, potential for results) from the earliest report that rated the
design (reviews.ratings, the same rules as the list's filters). A commitment without such a report
counts as "not assessed", distinct from the IRM's own "no data" / "not reviewed" / "not
applicable" codes. The ratings stored on each commitment (reviews.ratings.RULES) are read as stored.

Everything comes from one GROUP BY query over commitments (grouped by action plan and by every
measure), whatever the number of plans and commitments; the tallies are summed in Python.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from commitments.models import ActionPlan, Commitment

from . import ratings
from .ratings import DESIGN, END_OF_TERM, MID_TERM
from .scales import (
    MISSING_CODES,
    ChangeInCompletion,
    Completion,
    OpenGovernment,
    PotentialForResults,
    PotentialImpact,
    Scale,
)

# The label of commitments that no report of the right stage assessed.
NOT_ASSESSED = None
NOT_ASSESSED_LABEL = _("Not assessed")


@dataclass(frozen=True)
class Measure:
    """One IRM field counted over commitments, read from the report of one stage."""

    key: str
    label: str
    scale: type[Scale]
    stage: str
    field: str


MEASURES = (
    Measure("mid_term_completion", _("Completion at mid-term"), Completion, MID_TERM, "completion"),
    Measure("end_of_term_completion", _("Completion at end of term"), Completion, END_OF_TERM, "completion"),
    Measure("change_in_completion", _("Change in completion"), ChangeInCompletion, END_OF_TERM,
            "change_in_completion"),
    Measure("did_it_open_government", _("Did it open government? Overall"), OpenGovernment, END_OF_TERM,
            "did_it_open_government"),
    Measure("open_government_access_to_information", _("Did it open government? Access to information"),
            OpenGovernment, END_OF_TERM, "open_government_access_to_information"),
    Measure("open_government_civic_participation", _("Did it open government? Civic participation"),
            OpenGovernment, END_OF_TERM, "open_government_civic_participation"),
    Measure("open_government_public_accountability", _("Did it open government? Public accountability"),
            OpenGovernment, END_OF_TERM, "open_government_public_accountability"),
    Measure("potential_impact", _("Potential impact"), PotentialImpact, DESIGN, "potential_impact"),
    Measure("potential_for_results", _("Potential for results"), PotentialForResults, DESIGN,
            "potential_for_results"),
)
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}


def annotate_measures(commitments: QuerySet) -> QuerySet:
    """Each commitment with the value of every measure (None when not assessed): the measures the
    commitment stores (ratings.RULES) are its fields of the same name, the others come from the
    latest report of their stage."""
    return commitments.annotate(**{measure.key: ratings.latest_value(measure.field, measure.stage)
                                   for measure in MEASURES if measure.key not in ratings.RULES})


@dataclass(frozen=True)
class Row:
    """One level of a scale in a tally: its value, label, count and share of the commitments."""

    value: str | None
    label: str
    count: int
    share: float  # 0..100, of every commitment in the summary
    # 0..100, of the commitments a report of the measure's stage covered (the charts' scale, so that
    # a plan mostly not assessed yet still shows how the assessed ones were rated); None for the
    # "not assessed" row itself.
    share_of_assessed: float | None = None

    @property
    def is_assessed(self) -> bool:
        return self.value is not NOT_ASSESSED

    @property
    def is_rating(self) -> bool:
        return self.value is not None and self.value not in MISSING_CODES


@dataclass
class Tally:
    """How many commitments a summary holds at each level of one measure."""

    measure: Measure
    counts: Counter = field(default_factory=Counter)

    @property
    def key(self) -> str:
        return self.measure.key

    @property
    def label(self) -> str:
        return self.measure.label

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rated(self) -> int:
        """Commitments with a real rating (neither a missing code nor unassessed)."""
        return sum(n for value, n in self.counts.items() if value is not None and value not in MISSING_CODES)

    def count(self, value) -> int:
        return self.counts.get(value, 0)

    @property
    def assessed(self) -> int:
        """Commitments a report of the measure's stage covered: rated, or given a missing code."""
        return self.total - self.count(NOT_ASSESSED)

    def rows(self) -> list[Row]:
        """Every rating of the scale, in the scale's order (zeros included, so tables compare), then
        the missing codes and "not assessed" that occur."""
        total = self.total
        rows = [self._row(member.value, member.label, total) for member in self.measure.scale.ratings()]
        for member in self.measure.scale:
            if member.value in MISSING_CODES and self.count(member.value):
                rows.append(self._row(member.value, member.label, total))
        if self.count(NOT_ASSESSED):
            rows.append(self._row(NOT_ASSESSED, NOT_ASSESSED_LABEL, total))
        return rows

    def _row(self, value, label, total) -> Row:
        count, assessed = self.count(value), self.assessed
        share_of_assessed = None if value is NOT_ASSESSED else _share(count, assessed)
        return Row(value, str(label), count, _share(count, total), share_of_assessed)


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


@dataclass
class IRMSummary:
    """The IRM's findings over a set of commitments (one action plan, or a member's plans)."""

    commitments: int = 0
    starred: int = 0
    tallies: dict[str, Tally] = field(
        default_factory=lambda: {measure.key: Tally(measure) for measure in MEASURES})

    def __getitem__(self, key) -> Tally:
        return self.tallies[key]

    @property
    def starred_share(self) -> float:
        return round(100 * self.starred / self.commitments, 1) if self.commitments else 0.0

    @property
    def has_assessments(self) -> bool:
        return any(tally.total - tally.count(NOT_ASSESSED) for tally in self.tallies.values())

    def high_completion(self, key="end_of_term_completion") -> int:
        """Substantial or complete, as the IRM counts "high completion"."""
        return sum(self[key].count(value) for value in Completion.high())

    def strong_open_government(self, key="did_it_open_government") -> int:
        """Major or outstanding, as the IRM counts "strong" results."""
        return sum(self[key].count(value) for value in OpenGovernment.strong())

    @property
    def completion_rows(self) -> list[tuple[str, Row, Row]]:
        return self.side_by_side("mid_term_completion", "end_of_term_completion")

    def side_by_side(self, first: str, second: str) -> list[tuple[str, Row, Row]]:
        """Rows of two measures on one scale (completion at mid-term and at end of term), by level:
        every rating, then the missing codes and "not assessed" that occur in either."""
        first_rows = {row.value: row for row in self[first].rows()}
        second_rows = {row.value: row for row in self[second].rows()}
        first_tally, second_tally = self[first], self[second]
        order = [member.value for member in first_tally.measure.scale] + [NOT_ASSESSED]
        values = sorted(set(first_rows) | set(second_rows), key=order.index)
        return [
            (
                (first_rows.get(value) or second_rows[value]).label,
                first_rows.get(value) or first_tally._row(value, "", first_tally.total),
                second_rows.get(value) or second_tally._row(value, "", second_tally.total),
            )
            for value in values
        ]

    def add(self, values: dict, count: int) -> None:
        self.commitments += count
        if values["starred"]:
            self.starred += count
        for key, tally in self.tallies.items():
            tally.counts[values[key]] += count

    def merge(self, other: "IRMSummary") -> None:
        self.commitments += other.commitments
        self.starred += other.starred
        for key, tally in self.tallies.items():
            tally.counts.update(other.tallies[key].counts)

    @property
    def design_measure(self) -> str:
        """Potential for results (the IRM's model from 2020) when any commitment has it, else
        potential impact (the model up to 2020)."""
        return "potential_for_results" if self["potential_for_results"].rated else "potential_impact"


def summaries_by_action_plan(plans) -> dict[int, IRMSummary]:
    """An IRMSummary per action plan id, for the given plans (objects or ids), in one query."""
    plan_ids = [plan.pk if isinstance(plan, ActionPlan) else plan for plan in plans]
    summaries = {plan_id: IRMSummary() for plan_id in plan_ids}
    add_grouped(summaries, Commitment.objects.filter(action_plan_id__in=plan_ids))
    return summaries


def summary_for_member(member) -> IRMSummary:
    """One IRMSummary over every action plan of a member, in one query."""
    summary = IRMSummary()
    add_grouped({}, Commitment.objects.for_member(member), into=summary)
    return summary


def add_grouped(summaries: dict, commitments: QuerySet, into: IRMSummary | None = None) -> None:
    """Count commitments by plan and by every measure with one GROUP BY, into each plan's summary
    (or all into `into`)."""
    grouped = (
        annotate_measures(commitments)
        .order_by()
        .values("action_plan_id", "starred", *MEASURES_BY_KEY)
        .annotate(commitment_count=Count("pk"))
    )
    for values in grouped:
        target = into if into is not None else summaries[values["action_plan_id"]]
        target.add(values, values["commitment_count"])


def combine(summaries) -> IRMSummary:
    total = IRMSummary()
    for summary in summaries:
        total.merge(summary)
    return total

