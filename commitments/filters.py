"""The commitment filters: the one place that turns a query string into a queryset, with facet counts.

The list page (/commitments/) and the exports (/commitments/export.*) both use CommitmentFilter,
so an export holds exactly the commitments the list shows for the same query string.
"""

import copy
from collections import Counter
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Count, F, Func, IntegerField, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND, Completion, OpenGovernment, PotentialForResults, PotentialImpact

from . import progress, search
from .models import ActionPlan, Commitment, Institution, Member, PolicyArea

# OGP value in the URL (as OGP's site spells it) -> the Commitment flag.
OGP_VALUES = {
    "access-to-information": ("access_to_information", _("Access to information")),
    "civic-participation": ("civic_participation", _("Civic participation")),
    "public-accountability": ("public_accountability", _("Public accountability")),
    "technology-innovation": ("technology_innovation", _("Technology and innovation")),
}

SORT_CHOICES = [
    ("identifier", _("Identifier (A to Z)")),
    ("-identifier", _("Identifier (Z to A)")),
    ("title", _("Title (A to Z)")),
    ("-title", _("Title (Z to A)")),
    ("year", _("Year (oldest first)")),
    ("-year", _("Year (newest first)")),
    ("completion", _("End-of-term completion (lowest first)")),
    ("-completion", _("End-of-term completion (highest first)")),
]

YEAR_BOUNDS = (1900, 2200)


def _stored_rating(field):
    """One IRM rating per commitment, as reviews.ratings stores it; unassessed counts as ND (no data).

    Completions and "did it open government?" are those of the latest report of the stage, as
    the list's columns show them; design ratings those of the earliest report that rated them.
    """
    return Coalesce(F(field), Value(ND))


# The ratings the filters read, by alias: the IRM ratings stored on each commitment.
IRM_ALIASES = {
    "flt_midterm_completion": "irm_midterm_completion",
    "flt_completion": "irm_completion",
    "flt_potential_impact": "irm_potential_impact",
    "flt_potential_for_results": "irm_potential_for_results",
    "flt_open_government": "irm_open_government",
}


def with_filter_aliases(queryset, names=tuple(IRM_ALIASES)):
    """Add these IRM ratings (all by default) as aliases: SQL computes only those a query uses."""
    missing = {name: _stored_rating(IRM_ALIASES[name])
               for name in names if name not in queryset.query.annotations}
    return queryset.alias(**missing) if missing else queryset


def base_queryset():
    """The commitments the list page starts from: each with its IRM completions, as the table shows."""
    return Commitment.objects.with_irm_summary()


class CompletionRank(Func):
    """A completion's rank, from Withdrawn (0) to Complete; NULL for the missing codes.

    A simple CASE evaluates the (subquery) completion once per row, where Case(When(...)) would
    repeat it in every branch. The values are the scale's own constants, not user input.
    """

    template = "CASE %(expressions)s " + " ".join(
        f"WHEN '{level.value}' THEN {position}" for position, level in enumerate(Completion.ratings())
    ) + " ELSE NULL END"
    output_field = IntegerField()


class YearFilter(django_filters.NumberFilter):
    """A year of submission; an integer in a plausible range, so no database overflows on it."""

    field_class = forms.IntegerField


class FiltersCopiedOneByOne(dict):
    """A FilterSet's base_filters, which django-filter deep-copies for every request.

    A deep copy of twenty filters (their choices, labels, querysets) is a millisecond and a half
    of each list page. The filters hold nothing a request changes but the parent and model that
    django-filter sets on each copy, so each is copied alone, and a method filter is bound again
    to its copy (its FilterMethod would otherwise call the class's filter, not this one).
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, base in self.items():
            copied = copy.copy(base)
            if copied.method is not None:
                copied.method = copied.method
            copies[name] = copied
        return copies


class FieldsSharedByForms(dict):
    """The filter form's fields, which each Django form deep-copies (half a millisecond here).

    The form only validates the query string: its fields are never rendered (the fieldsets are
    facet_cache's) and validating changes none of them, so every form shares them.
    """

    def __deepcopy__(self, memo):
        return dict(self)


class CommitmentFilter(django_filters.FilterSet):
    """Every filter of the list page; unknown values are dropped (see notices()), never an error."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    member = django_filters.ModelChoiceFilter(label=_("Member"), field_name="action_plan__member",
                                              to_field_name="slug", queryset=Member.objects.all())
    action_plan = django_filters.ModelChoiceFilter(label=_("Action plan"), field_name="action_plan",
                                                   to_field_name="ogp_id", queryset=ActionPlan.objects.all())
    policy_area = django_filters.ModelChoiceFilter(label=_("Policy area"), field_name="policy_areas",
                                                   to_field_name="slug", queryset=PolicyArea.objects.all())
    value = django_filters.ChoiceFilter(label=_("OGP value"), method="filter_value",
                                        choices=[(slug, label) for slug, (_f, label) in OGP_VALUES.items()])
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Commitment.Status.choices)
    starred = django_filters.ChoiceFilter(label=_("Starred"), method="filter_starred",
                                          choices=[("true", _("Yes")), ("false", _("No"))])
    midterm_completion = django_filters.ChoiceFilter(label=_("Mid-term completion"),
                                                     field_name="flt_midterm_completion",
                                                     choices=Completion.choices)
    completion = django_filters.ChoiceFilter(label=_("End-of-term completion"), field_name="flt_completion",
                                             choices=Completion.choices)
    potential_impact = django_filters.ChoiceFilter(label=_("Potential impact"),
                                                   field_name="flt_potential_impact",
                                                   choices=PotentialImpact.choices)
    potential_for_results = django_filters.ChoiceFilter(label=_("Potential for results"),
                                                        field_name="flt_potential_for_results",
                                                        choices=PotentialForResults.choices)
    open_government = django_filters.ChoiceFilter(label=_("Did it open government?"),
                                                  field_name="flt_open_government",
                                                  choices=OpenGovernment.choices)
    lead_institution = django_filters.ModelChoiceFilter(label=_("Lead institution"),
                                                        queryset=Institution.objects.all())
    year_min = YearFilter(label=_("From year"), field_name="action_plan__submission_year", lookup_expr="gte",
                          min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1])
    year_max = YearFilter(label=_("To year"), field_name="action_plan__submission_year", lookup_expr="lte",
                          min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1])
    progress_disagrees = django_filters.ChoiceFilter(
        label=_("Reported progress and IRM disagree"), method="filter_progress_disagrees",
        choices=[("true", _("Yes")), ("false", _("No"))])
    sort = django_filters.ChoiceFilter(label=_("Sort by"), method="sort_by", choices=SORT_CHOICES,
                                       empty_label=None)

    class Meta:
        model = Commitment
        fields: list[str] = []

    SCALE_FILTERS = {"midterm_completion": Completion, "completion": Completion,
                     "potential_impact": PotentialImpact, "potential_for_results": PotentialForResults,
                     "open_government": OpenGovernment}
    # Filters whose choices come from the database, shown only when they would match something.
    MODEL_FILTERS = ("member", "action_plan", "policy_area", "lead_institution")

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        self.query_was_cut = False
        if data is not None:
            data = self._tidy(data)
        if queryset is None:
            queryset = Commitment.objects.all()
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self):
        # django-filter builds a form class, and a field per filter, for every request; these fields
        # depend on nothing in the request, so the class is built once, and its forms share them.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
            cls._form_class.base_fields = FieldsSharedByForms(cls._form_class.base_fields)
        return cls._form_class

    def _tidy(self, data):
        """Accept what people type or paste: any case for scale values, over-long or binary text."""
        data = data.copy()
        if data.get("q"):
            data["q"], self.query_was_cut = search.clean_query(data["q"])
        for name in ("starred", "status", "value", "progress_disagrees"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip().lower()
        for name, scale in self.SCALE_FILTERS.items():
            raw = data.get(name)
            if isinstance(raw, str) and raw.strip():
                try:
                    # Slugs, codes and the export's spellings ("Not Started", "nd", "Sustancial").
                    data[name] = scale.from_ogp_spelling(raw)
                except ValueError:
                    pass  # the form reports it
        return data

    # -- filtering -------------------------------------------------------------------------------

    def filter_queryset(self, queryset):
        # Only the ratings this state filters or sorts on: each alias costs resolving on every query.
        chosen = self.form.cleaned_data
        used = [f"flt_{name}" for name in self.SCALE_FILTERS if chosen.get(name)]
        if (chosen.get("sort") or "").removeprefix("-") == "completion":
            used.append("flt_completion")
        return super().filter_queryset(with_filter_aliases(queryset, used))

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_value(self, queryset, name, value):
        return queryset.filter(**{OGP_VALUES[value][0]: True})

    def filter_starred(self, queryset, name, value):
        return queryset.filter(starred=(value == "true"))

    def filter_progress_disagrees(self, queryset, name, value):
        # The rule lives in commitments/progress.py, with the page's wording of it.
        return progress.filter_disagreeing(queryset, value == "true")

    def sort_by(self, queryset, name, value):
        descending = value.startswith("-")
        key = value.removeprefix("-")
        if key == "completion":
            rank = CompletionRank(F("flt_completion"))
            order = rank.desc(nulls_last=True) if descending else rank.asc(nulls_last=True)
            return queryset.order_by(order, "identifier")
        column = {"identifier": "identifier", "title": "title", "year": "action_plan__submission_year"}[key]
        order = F(column).desc() if descending else F(column).asc()
        return queryset.order_by(order, "identifier")

    def filtered_except(self, *names):
        """The queryset with every filter applied but `names`, unordered: what a facet counts."""
        queryset = with_filter_aliases(self.queryset.all())
        if self.is_bound:
            for name, value in self.form.cleaned_data.items():
                if name not in names and name != "sort":
                    queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    # -- what the page shows ---------------------------------------------------------------------

    def active_values(self) -> dict:
        """Valid, non-empty filter values by name (model filters give their instance)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items()
                if value not in (None, "") and name != "sort"}

    def url_params(self) -> list[tuple[str, str]]:
        """The query string's valid parameters, tidied: the state a link must carry on."""
        if not self.is_bound:
            return []
        self.form.is_valid()
        return [(name, str(self.form.data.get(name)).strip())
                for name, value in self.form.cleaned_data.items() if value not in (None, "")]

    def display_value(self, name, value) -> str:
        if name == "q":
            return value
        if name in self.MODEL_FILTERS or name in ("year_min", "year_max"):
            return str(value)
        return str(dict(self.filters[name].extra["choices"]).get(value, value))

    def notices(self) -> list[str]:
        """What the page tells the user about input it could not use as given."""
        messages = []
        if self.query_was_cut:
            messages.append(_("The search text was cut to its first %(limit)s characters.")
                            % {"limit": search.MAX_QUERY_LENGTH})
        if self.is_bound:
            for name in self.form.errors:
                messages.append(_("“%(value)s” is not a valid value for “%(filter)s”: that filter was "
                                  "ignored.") % {"value": str(self.form.data.get(name, ""))[:60],
                                   "filter": self.filters[name].label})
        return messages

    def facets(self) -> dict:
        """Each filter's choices with how many commitments each would give, the other filters applied.

        A GROUP BY query per filter in use and per filter with choices from the database, and one
        for the fixed-choice filters not in use, whatever the number of choices or of commitments.
        """
        active = self.active_values()
        raw = dict(self.url_params())
        facets = {}
        model_facets = {
            "member": ("action_plan__member__slug", "action_plan__member__name"),
            "action_plan": ("action_plan__ogp_id", "action_plan__title"),
            "policy_area": ("policy_areas__slug", "policy_areas__name"),
            "lead_institution": ("lead_institution_id", "lead_institution__name"),
        }
        # COUNT(*), not COUNT(DISTINCT id): no filter joins a relation that could repeat a
        # commitment (a policy area filter keeps one row of the through table per commitment, and
        # is left out of its own facet), and COUNT(*) lets PostgreSQL read only the foreign key
        # indexes, not every row of the table (member facet: 44 ms instead of 170 at 100,000).
        for name, (value_path, label_path) in model_facets.items():
            rows = (self.filtered_except(name).filter(**{f"{value_path}__isnull": False})
                    .values(value_path, label_path).annotate(n=Count("*")))
            choices = [FacetChoice(str(row[value_path]), row[label_path], row["n"],
                                   str(row[value_path]) == raw.get(name)) for row in rows]
            if name in active and not any(choice.selected for choice in choices):
                choices.append(FacetChoice(raw[name], str(active[name]), 0, True))
            facets[name] = sorted(choices, key=lambda choice: choice.label.casefold())
        idle = [name for name in self.fixed_facets() if name not in active]
        counts = self._fixed_counts(idle) if idle else {}
        for name in self.fixed_facets():
            if name in active:
                counts |= self._fixed_counts([name], without=[name])
            facets[name] = self._column_facet(name, counts[name])
        counts = self.filtered_except("value").aggregate(**{
            slug.replace("-", "_"): Count("pk", filter=Q(**{field: True}))
            for slug, (field, _label) in OGP_VALUES.items()})
        facets["value"] = [
            FacetChoice(slug, str(label), counts[slug.replace("-", "_")], slug == raw.get("value"))
            for slug, (_field, label) in OGP_VALUES.items()]
        facets.update(self._year_facets(active, raw))
        return facets

    def fixed_facets(self) -> dict:
        """Filters with a fixed list of choices: name -> (the column they count, its value in the URL)."""
        def flag(value):
            return "true" if value else "false"

        return {"status": ("status", str), "starred": ("starred", flag),
                **{name: (f"flt_{name}", str) for name in self.SCALE_FILTERS},
                "progress_disagrees": ("progress_disagrees", flag)}

    def _fixed_counts(self, names, without=()) -> dict:
        """Counts per choice of these fixed-choice filters, all from one GROUP BY over the rows
        every filter keeps but those `without`.

        The filters not in use all count the same rows (every filter applied): one pass grouped by
        all their columns at once reads the table once, where a query per filter would read it
        once each (a tenth of a second each at 100,000 commitments). A filter in use is counted
        alone, without itself.
        """
        fixed = self.fixed_facets()
        queryset = progress.annotate(self.filtered_except(*without), method="alias")
        columns = {f"facet_{name}": F(fixed[name][0]) for name in names}
        counts = {name: Counter() for name in names}
        for row in queryset.annotate(**columns).values(*columns).annotate(n=Count("*")):
            for name in names:
                counts[name][fixed[name][1](row[f"facet_{name}"])] += row["n"]
        return counts

    def _column_facet(self, name, counts):
        """Every choice of a fixed list, with its count (zero included)."""
        selected = dict(self.url_params()).get(name)
        return [FacetChoice(value, str(label), counts.get(value, 0), value == selected)
                for value, label in self.filters[name].extra["choices"]]

    def _year_facets(self, active, raw):
        """year_min and year_max choices: the years of submission, each counting the range it opens."""
        rows = (self.filtered_except("year_min", "year_max").values("action_plan__submission_year")
                .annotate(n=Count("*")))
        per_year = {row["action_plan__submission_year"]: row["n"] for row in rows}
        for name in ("year_min", "year_max"):
            if name in active:
                per_year.setdefault(active[name], 0)
        low, high = active.get("year_min", YEAR_BOUNDS[0]), active.get("year_max", YEAR_BOUNDS[1])
        years = sorted(per_year)

        def between(first, last):
            return sum(per_year[year] for year in years if first <= year <= last)

        def choice(name, year, count):
            return FacetChoice(str(year), str(year), count, str(year) == raw.get(name))

        return {
            "year_min": [choice("year_min", year, between(year, high)) for year in years],
            "year_max": [choice("year_max", year, between(low, year)) for year in years],
        }


CommitmentFilter.base_filters = FiltersCopiedOneByOne(CommitmentFilter.base_filters)


@dataclass
class FacetChoice:
    value: str
    label: str
    count: int
    selected: bool
