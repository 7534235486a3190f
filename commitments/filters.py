"""The commitment filters: the one place that turns a query string into a queryset.

The list page (/commitments/) and the exports (/commitments/export.*) both use CommitmentFilter,
so an export holds exactly the commitments the list shows for the same query string; facets.py
counts its choices.
"""

import copy

import django_filters
from django import forms
from django.db.models import F, Func, IntegerField, Q
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND, Completion, OpenGovernment, PotentialForResults, PotentialImpact

from . import progress, search
from .models import ActionPlan, Commitment, Institution, Member, PolicyArea, ogp_value_choices

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


class RatingFilter(django_filters.ChoiceFilter):
    """One IRM rating stored on each commitment (reviews/ratings.py); unassessed counts as ND (no data)."""

    def filter(self, qs, value):
        if value == ND:
            return qs.filter(Q(**{self.field_name: ND}) | Q(**{f"{self.field_name}__isnull": True}))
        return super().filter(qs, value)


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
    facets.py's) and validating changes none of them, so every form shares them.
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
                                        choices=ogp_value_choices())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Commitment.Status.choices)
    starred = django_filters.ChoiceFilter(label=_("Starred"), method="filter_starred",
                                          choices=[("true", _("Yes")), ("false", _("No"))])
    # The IRM's ratings: the URL's names are public; the fields are named as reviews.ratings.RULES.
    midterm_completion = RatingFilter(label=_("Mid-term completion"), field_name="mid_term_completion",
                                      choices=Completion.choices)
    completion = RatingFilter(label=_("End-of-term completion"), field_name="end_of_term_completion",
                              choices=Completion.choices)
    potential_impact = RatingFilter(label=_("Potential impact"), field_name="potential_impact",
                                    choices=PotentialImpact.choices)
    potential_for_results = RatingFilter(label=_("Potential for results"), field_name="potential_for_results",
                                         choices=PotentialForResults.choices)
    open_government = RatingFilter(label=_("Did it open government?"), field_name="did_it_open_government",
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

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_value(self, queryset, name, value):
        return queryset.filter(**{value.replace("-", "_"): True})

    def filter_starred(self, queryset, name, value):
        return queryset.filter(starred=(value == "true"))

    def filter_progress_disagrees(self, queryset, name, value):
        # The rule lives in commitments/progress.py, with the page's wording of it.
        return progress.filter_disagreeing(queryset, value == "true")

    def sort_by(self, queryset, name, value):
        descending = value.startswith("-")
        key = value.removeprefix("-")
        if key == "completion":
            rank = CompletionRank(F("end_of_term_completion"))
            order = rank.desc(nulls_last=True) if descending else rank.asc(nulls_last=True)
            return queryset.order_by(order, "identifier")
        column = {"identifier": "identifier", "title": "title", "year": "action_plan__submission_year"}[key]
        order = F(column).desc() if descending else F(column).asc()
        return queryset.order_by(order, "identifier")

    def filtered_except(self, *names):
        """The queryset with every filter applied but `names`, unordered: what a facet counts."""
        queryset = self.queryset.all()
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


CommitmentFilter.base_filters = FiltersCopiedOneByOne(CommitmentFilter.base_filters)
