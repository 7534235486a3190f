"""Self-reported progress, derived from milestones, compared with the IRM's completion.

The rule, as the commitment page states it (RULE): withdrawn milestones are not counted; the
share of the others marked complete gives the level: all complete is Complete, at least half
is Substantial, anything complete or under way is Limited, otherwise Not started.
Government and IRM disagree when one puts the commitment at high completion (Substantial or
Complete, as the IRM counts it) and the other does not. The IRM's reading compared is its
latest: end of term when rated, else mid-term.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from reviews.scales import Completion

RULE = _("Progress is the share of a commitment's milestones marked complete (withdrawn milestones "
         "are not counted): all of them is Complete, at least half Substantial, any complete or under "
         "way Limited, none Not started. It is flagged when it and the IRM's latest completion "
         "disagree on high completion (Substantial or Complete).")

HIGH = (Completion.SUBSTANTIAL, Completion.COMPLETE)
RATED = (Completion.NOT_STARTED, Completion.LIMITED, Completion.SUBSTANTIAL, Completion.COMPLETE)
UNDER_WAY = (Completion.LIMITED, Completion.SUBSTANTIAL, Completion.COMPLETE)


def level(counted: int, complete: int, under_way: int) -> str | None:
    """The self-reported level from milestone counts; None without milestones."""
    if not counted:
        return None
    if complete == counted:
        return Completion.COMPLETE
    if complete * 2 >= counted:
        return Completion.SUBSTANTIAL
    if under_way:
        return Completion.LIMITED
    return Completion.NOT_STARTED


def disagrees(self_level: str | None, irm_latest: str | None) -> bool:
    if self_level is None or irm_latest not in RATED:
        return False
    return (self_level in HIGH) != (irm_latest in HIGH)


@dataclass
class Progress:
    counted: int
    complete: int
    level: str | None
    mid_term: str | None
    end_of_term: str | None

    @property
    def share(self) -> int | None:
        """Percent of counted milestones complete."""
        return round(100 * self.complete / self.counted) if self.counted else None

    @property
    def level_label(self) -> str:
        return Completion(self.level).label if self.level else str(_("No milestones"))

    @property
    def irm_latest(self) -> str | None:
        return self.end_of_term if self.end_of_term in RATED else self.mid_term

    @property
    def disagrees(self) -> bool:
        return disagrees(self.level, self.irm_latest)

    @staticmethod
    def label(value) -> str:
        return Completion(value).label if value else "—"

    @property
    def mid_term_label(self) -> str:
        return self.label(self.mid_term)

    @property
    def end_of_term_label(self) -> str:
        return self.label(self.end_of_term)


def for_commitment(commitment, milestones=None) -> Progress:
    """Progress of one commitment from its (prefetched) milestones and its stored IRM completion."""
    milestones = list(commitment.milestones.all() if milestones is None else milestones)
    counted = [m for m in milestones if m.status != Completion.WITHDRAWN]
    complete = sum(m.status == Completion.COMPLETE for m in counted)
    under_way = sum(m.status in UNDER_WAY for m in counted)
    return Progress(len(counted), complete, level(len(counted), complete, under_way),
                    commitment.mid_term_completion, commitment.end_of_term_completion)


def milestone_count_expressions(milestone_model) -> dict:
    """The stored counts (Commitment.milestones_counted, milestones_complete) by the rule above, as
    correlated subqueries on the outer commitment: commitments/stored.py writes them."""
    def count(condition):
        return Coalesce(Subquery(
            milestone_model.objects.filter(condition, commitment=OuterRef("pk"))
            .exclude(status=Completion.WITHDRAWN)
            .values("commitment").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)

    return {"milestones_counted": count(Q()), "milestones_complete": count(Q(status=Completion.COMPLETE))}


def annotate(queryset, method="annotate"):
    """Add the IRM's latest completion and progress_disagrees, from the stored milestone counts.

    The same rule as level() and disagrees(), in SQL, so a list can filter on the flag; with
    method="alias" the values are computed only where a filter uses them.
    """
    add = getattr(queryset, method)
    irm_latest = Case(When(end_of_term_completion__in=RATED, then=F("end_of_term_completion")),
                      default=F("mid_term_completion"), output_field=models.CharField())
    queryset = add(irm_latest_completion=irm_latest)
    self_high = Q(milestones_counted__gt=0, milestones_complete__gte=F("milestones_counted") / 2.0)
    irm_high = Q(irm_latest_completion__in=HIGH)
    return getattr(queryset, method)(progress_disagrees=Case(
        When(Q(milestones_counted=0) | ~Q(irm_latest_completion__in=RATED)
             | Q(irm_latest_completion__isnull=True), then=Value(False)),
        When(self_high & ~irm_high, then=Value(True)),
        When(~self_high & irm_high, then=Value(True)),
        default=Value(False), output_field=models.BooleanField()))


def filter_disagreeing(queryset, disagrees: bool = True):
    """Commitments whose reported progress and IRM completion disagree (or, with False, do not)."""
    return annotate(queryset, method="alias").filter(progress_disagrees=disagrees)
