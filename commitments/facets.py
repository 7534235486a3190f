"""The list's facets: how many commitments each choice of each filter would give, and the total.

Counted by FacetCounter, shaped to read little; kept by freshness/counts.py, each part under the
versions of the columns it reads (freshness/columns.py), so a write recounts only what it changed.
"""

from collections import Counter
from dataclasses import astuple, dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND

from . import progress
from .freshness.counts import cached
from .models import OGP_VALUE_FIELDS, ActionPlan, Commitment, Institution, PolicyArea, ogp_value_choices

# Choices each filter shows on the list, the most frequent first (selected ones always shown);
# the facet page (/commitments/facets/<filter>/) lists them all.
SHOWN_CHOICES = 10
# The filter form's groups, in the order the form shows them: (legend, filter names).
FILTER_GROUPS = [
    (_("Where"), ("member", "action_plan", "year_min", "year_max", "lead_institution", "policy_area")),
    (_("What"), ("value", "status", "starred", "carried_forward", "overdue")),
    (_("IRM assessment"), ("midterm_completion", "completion", "potential_impact", "potential_for_results",
                           "open_government", "progress_disagrees")),
]
YEAR_FILTERS = ("year_min", "year_max")
# The filters with a facet page: every one with choices.
FACET_FILTERS = tuple(name for _legend, names in FILTER_GROUPS for name in names if name not in YEAR_FILTERS)


@dataclass(frozen=True)
class Facet:
    """One filter's choices as the list shows them."""

    name: str
    label: str
    several: bool  # checkboxes (several values, OR); else radio buttons
    choices: list  # FacetChoice, at most SHOWN_CHOICES plus the selected ones
    choice_count: int  # how many choices the filter has in all (the facet page lists them)

    @property
    def more(self) -> bool:
        return self.choice_count > len(self.choices)

    @property
    def none_selected(self) -> bool:
        return not any(choice.selected for choice in self.choices)


@dataclass(frozen=True)
class Facets:
    """What the list page shows of one filter state beyond its 25 rows."""

    groups: list  # (legend, [Facet or a year filter's name])
    total: int  # how many commitments the state matches (the paginator's count)


def facets(filterset) -> Facets:
    """The list's facets and total: each counted once per filter state, language and version of what
    it reads."""
    parts = {"total": set(), **{name: {name} for name in FACET_FILTERS}}
    counted = cached("list", filterset, parts, lambda stale: _compute(filterset, stale))
    groups = [(legend, [name if name in YEAR_FILTERS else counted[name] for name in names])
              for legend, names in FILTER_GROUPS]
    return Facets(groups=groups, total=counted["total"])


def total(filterset) -> int:
    """How many commitments the filter state matches: the list's total, from the same cache entry
    (the API's count of a page)."""
    return cached("list", filterset, {"total": set()}, lambda stale: _compute(filterset, stale))["total"]


def facet_choices(filterset, name) -> list:
    """Every choice of one filter with its count, the most frequent first (the facet page), as
    (value, label, count, selected) tuples: FacetChoice's fields, which the page makes of the 50 it
    shows: unpickling thousands of FacetChoice objects took half the warm page (docs/decisions.md,
    "Facet choices as tuples"; bench case "facet page, lead institution")."""
    return cached(f"facet:{name}", filterset, {name: {name}}, lambda stale: {
        name: [astuple(choice) for choice in FacetCounter(filterset).count([name])[name]]})[name]


def _compute(filterset, stale) -> dict:
    """The stale parts of the list's facets: "total" (how many match) and the Facet of each filter
    named."""
    counted = {}
    if "total" in stale:
        counted["total"] = filterset.qs.count()
    names = [name for name in stale if name != "total"]
    if names:
        choices = FacetCounter(filterset).count(names)
        counted |= {name: _shown(filterset, name, choices[name]) for name in names}
    return counted


def _shown(filterset, name, choices) -> Facet:
    several = name in filterset.MULTIPLE
    if name in filterset.MODEL_FILTERS:  # thousands of choices: the most frequent
        shown = [choice for rank, choice in enumerate(choices) if rank < SHOWN_CHOICES or choice.selected]
        shown.sort(key=lambda choice: choice.label.casefold())
    else:  # a scale: its own order, which has fewer than SHOWN_CHOICES
        shown = choices
    return Facet(name=name, label=str(filterset.filters[name].label), several=several, choices=shown,
                 choice_count=len(choices))


@dataclass
class FacetChoice:
    value: str
    label: str
    count: int
    selected: bool


class FacetCounter:
    """Counts each filter's choices for one filter state (a bound CommitmentFilter).

    Right after a write the states count afresh, so the counting queries are shaped to read little
    (docs/decisions.md, "Counting queries"; bench cases "list, ...", first request after a data change):
    - the fixed-choice filters and the OGP values are counted by conditional aggregation, one row
      for all of them, over the covering index commitment_fixed_facets (an index-only scan, not the
      236 MB table at 100,000 commitments); a GROUP BY of all their columns at once would return
      ~30,000 combinations for Python to add up;
    - the database filters are grouped by the commitment's own foreign key (no join), the member by
      its plans, and their names read afterwards from the small tables they live in; member and plan
      share one GROUP BY when neither is in use (they then count the same rows).
    A filter in use is counted alone, without itself.
    """

    def __init__(self, filterset):
        self.filterset = filterset
        self._plans = None

    def count(self, names=FACET_FILTERS) -> dict:
        """These filters' choices with how many commitments each would give, the other filters
        applied; database choices the most frequent first, scales in their order.

        One aggregate for the fixed-choice filters not in use, one per fixed filter in use, and at
        most one GROUP BY per database filter (member and plan: one), whatever the number of
        choices or of commitments; plus the names of the database choices (small tables).
        """
        active = self.filterset.active_values()
        facets = {}
        grouped = {}  # filters excluded -> {action_plan_id: n}, shared by the member and plan facets
        for name in ("member", "action_plan"):
            if name in names:
                excluded = tuple(sorted({name} & set(active)))
                if excluded not in grouped:
                    queryset = self.filterset.filtered_except(*excluded)
                    grouped[excluded] = self._group(queryset, "action_plan_id")
                facets[name] = self._model_facet(name, self._plan_counts(name, grouped[excluded]), active)
        if "lead_institution" in names:
            counts = self._group(self.filterset.filtered_except("lead_institution"), "lead_institution_id")
            facets["lead_institution"] = self._model_facet("lead_institution", self._labelled(
                Institution, counts, ("id", "name")), active)
        if "policy_area" in names:
            facets["policy_area"] = self._model_facet("policy_area", self._policy_area_counts(active), active)
        if "overdue" in names:
            facets["overdue"] = self._overdue_facet()
        fixed = [name for name in (*self.fixed_facets(), "value") if name in names]
        idle = [name for name in fixed if name not in active]
        counts = self._fixed_counts(idle) if idle else {}
        for name in fixed:
            if name in active:
                counts |= self._fixed_counts([name], without=[name])
            facets[name] = self._column_facet(name, counts[name])
        return facets

    # -- the database filters --------------------------------------------------------------------

    @staticmethod
    def _group(queryset, column) -> dict:
        """{value of this column of the commitment: how many}, NULL left out; on the commitment
        table alone. COUNT(*): no filter joins a relation that could repeat a commitment (the
        policy area filter is a subquery)."""
        return dict(queryset.filter(**{f"{column}__isnull": False}).values_list(column)
                    .annotate(n=Count("*")).values_list(column, "n"))

    def plans(self) -> dict:
        """Every plan: id -> (OGP id, title, member slug, member name); a few thousand rows, read
        once per count, which name the plan and member choices."""
        if self._plans is None:
            self._plans = {row[0]: row[1:] for row in ActionPlan.objects.values_list(
                "id", "ogp_id", "title", "member__slug", "member__name")}
        return self._plans

    def _plan_counts(self, name, per_plan) -> dict:
        """{(URL value, label): n} of the plans, or of their members, from counts per plan."""
        plans = self.plans()
        if name == "action_plan":
            return {(plans[plan][0], plans[plan][1]): n for plan, n in per_plan.items() if plans[plan][0]}
        per_member = Counter()
        for plan, n in per_plan.items():
            per_member[plans[plan][2:]] += n
        return dict(per_member)

    @staticmethod
    def _labelled(model, counts, fields) -> dict:
        """{(URL value, label): n} from {id: n}, the rows' (URL value, label) `fields` read in one
        query (the whole table when most of its rows are counted: an IN list of thousands is slower)."""
        rows = (model.objects.filter(pk__in=list(counts)) if len(counts) < 1000 else model.objects).order_by()
        return {(str(value), label): counts[pk] for pk, value, label in rows.values_list("pk", *fields)
                if pk in counts}

    def _policy_area_counts(self, active) -> dict:
        through = Commitment.policy_areas.through
        links = through.objects.all()
        if set(active) - {"policy_area"}:  # else every commitment counts: no subquery to join
            links = links.filter(commitment_id__in=self.filterset.filtered_except("policy_area").values("pk"))
        counts = dict(links.values_list("policyarea_id").annotate(n=Count("*"))
                      .values_list("policyarea_id", "n"))
        return self._labelled(PolicyArea, counts, ("slug", "name"))

    def _model_facet(self, name, counts, active) -> list:
        """The choices, the most frequent first; a chosen value that now matches nothing stays,
        with 0, so it can be unticked."""
        selected = set(self.filterset.selected(name))
        choices = [FacetChoice(value, label, n, value in selected) for (value, label), n in counts.items()]
        found = {choice.value for choice in choices}
        for row in active.get(name, []):
            value = self.filterset.value_key(name, row)
            if value not in found:
                choices.append(FacetChoice(value, str(row), 0, True))
        return sorted(choices, key=lambda choice: (-choice.count, choice.label.casefold()))

    # -- the fixed-choice filters ----------------------------------------------------------------

    def fixed_facets(self) -> dict:
        """Filters with a fixed list of choices: name -> {value in the URL: the rows it counts}."""
        filters = self.filterset.filters

        def rating(field, value):
            if value == ND:  # unassessed counts as ND, as the filters read it
                return Q(**{field: ND}) | Q(**{f"{field}__isnull": True})
            return Q(**{field: value})

        def choices(name, condition):
            return {value: condition(value) for value, _label in filters[name].extra["choices"]}

        return {
            "status": choices("status", lambda value: Q(status=value)),
            "starred": choices("starred", lambda value: Q(starred=value == "true")),
            **{name: choices(name, lambda value, field=filters[name].field_name: rating(field, value))
               for name in self.filterset.SCALE_FILTERS},
            "progress_disagrees": choices("progress_disagrees",
                                          lambda value: Q(progress_disagrees=value == "true")),
            "carried_forward": choices("carried_forward", lambda value: Q(carried_forward=value)),
            "value": {slug: Q(**{field: True}) for field, (slug, _label)
                      in zip(OGP_VALUE_FIELDS, ogp_value_choices(), strict=True)},
        }

    def _fixed_counts(self, names, without=()) -> dict:
        """Counts per choice of these fixed-choice filters, all in one aggregate row over the rows
        every filter keeps but those `without`.

        COUNT(action_plan_id) rather than of the id: the plan is never NULL, and it is in the
        covering index, so PostgreSQL reads the index alone.
        """
        fixed = self.fixed_facets()
        queryset = progress.annotate(self.filterset.filtered_except(*without), method="alias")
        choices = [(name, value, condition) for name in names for value, condition in fixed[name].items()]
        row = queryset.aggregate(**{f"facet_{position}": Count("action_plan", filter=condition)
                                    for position, (_name, _value, condition) in enumerate(choices)})
        counts = {name: {} for name in names}
        for position, (name, value, _condition) in enumerate(choices):
            counts[name][value] = row[f"facet_{position}"]
        return counts

    def _overdue_facet(self) -> list:
        """The commitments with an overdue milestone on the filter's day: a count of its own (an
        EXISTS per commitment), kept out of the covering-index aggregate above."""
        queryset = self.filterset.filtered_except("overdue").with_overdue_milestone(self.filterset.today)
        return self._column_facet("overdue", {"true": queryset.count()})

    def _column_facet(self, name, counts):
        """Every choice of a fixed list, with its count (zero included)."""
        selected = set(self.filterset.selected(name))
        labels = (dict(ogp_value_choices()) if name == "value"
                  else dict(self.filterset.filters[name].extra["choices"]))
        return [FacetChoice(value, str(labels[value]), counts.get(value, 0), value in selected)
                for value in counts]
