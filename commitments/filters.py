"""The commitment filters: the one place that turns a query string into a queryset.

The list page (/commitments/) and the exports (/commitments/export.*) both use CommitmentFilter,
so an export holds exactly the commitments the list shows for the same query string; facets.py
counts its choices.
"""

import django_filters
from django import forms
from django.db.models import F, Func, IntegerField, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND, Completion, OpenGovernment, PotentialForResults, PotentialImpact, YesNo

from . import progress, search
from .models import ActionPlan, Commitment, Institution, Member, PolicyArea, ogp_value_choices
from .validators import has_control_characters

SORT_CHOICES = [
    ("identifier", _("Identifier (A to Z)")),
    ("-identifier", _("Identifier (Z to A)")),
    ("title", _("Title (A to Z)")),
    ("-title", _("Title (Z to A)")),
    ("year", _("Year (oldest first)")),
    ("-year", _("Year (newest first)")),
    ("completion", _("End-of-term completion (lowest first)")),
    ("-completion", _("End-of-term completion (highest first)")),
    # The default with a search (search.relevance); without one, the identifier order.
    ("relevance", _("Relevance (best match first)")),
]

YEAR_BOUNDS = (1900, 2200)


class ChoicesField(forms.MultipleChoiceField):
    """Several values of a fixed list; unknown ones are dropped (CommitmentFilter.notices reports them).

    Returns the known values in the choices' order, each once, whatever order the URL gave.
    """

    def clean(self, value):
        given = {str(item).strip() for item in value or []}
        return [str(key) for key, _label in self.choices if str(key) in given]


class ModelValuesField(forms.Field):
    """Several rows named by a field (slug, OGP id, id); unknown names are dropped, as above.

    One query for the names given, never a list of every row: there are thousands of plans.
    """

    widget = forms.SelectMultiple  # reads every value of a repeated parameter

    def __init__(self, *, queryset, to_field_name="pk", **kwargs):
        super().__init__(**kwargs)
        self.queryset, self.to_field_name = queryset, to_field_name

    def key(self, row) -> str:
        return str(getattr(row, self.to_field_name))

    def clean(self, value):
        # A name with a control character names no row (validators.py refuses them in stored
        # values), and PostgreSQL refuses a NUL in a query: dropped, reported like any unknown name.
        names = {name for name in (str(item).strip() for item in value or [])
                 if name and not has_control_characters(name)}
        if self.to_field_name == "pk":  # an id: digits that fit a bigint, else no row has it
            names = {name for name in names if name.isdigit() and len(name) < 19}
        if not names:
            return []
        return sorted(self.queryset.filter(**{f"{self.to_field_name}__in": names}), key=self.key)


class ChoicesFilter(django_filters.Filter):
    """A filter taking several values of a fixed list: a commitment matching any of them is kept."""

    field_class = ChoicesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class RatingFilter(ChoicesFilter):
    """One IRM rating stored on each commitment (reviews/ratings.py); unassessed counts as ND (no data)."""

    def filter(self, qs, value):
        if not value:
            return qs
        matches = Q(**{f"{self.field_name}__in": value})
        if ND in value:
            matches |= Q(**{f"{self.field_name}__isnull": True})
        return qs.filter(matches)


class ModelValuesFilter(django_filters.Filter):
    """A filter taking several rows (members, plans, institutions): any of them."""

    field_class = ModelValuesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


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


class CommitmentFilter(django_filters.FilterSet):
    """Every filter of the list page; unknown values are dropped (see notices()), never an error."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    member = ModelValuesFilter(label=_("Member"), field_name="action_plan__member",
                               to_field_name="slug", queryset=Member.objects.all())
    action_plan = ModelValuesFilter(label=_("Action plan"), field_name="action_plan",
                                    to_field_name="ogp_id", queryset=ActionPlan.objects.all())
    policy_area = ModelValuesFilter(label=_("Policy area"), method="filter_policy_area",
                                    to_field_name="slug", queryset=PolicyArea.objects.all())
    value = ChoicesFilter(label=_("OGP value"), method="filter_value", choices=ogp_value_choices())
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
    lead_institution = ModelValuesFilter(label=_("Lead institution"), field_name="lead_institution",
                                         queryset=Institution.objects.all())
    year_min = YearFilter(label=_("From year"), field_name="action_plan__submission_year", lookup_expr="gte",
                          min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1])
    year_max = YearFilter(label=_("To year"), field_name="action_plan__submission_year", lookup_expr="lte",
                          min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1])
    progress_disagrees = django_filters.ChoiceFilter(
        label=_("Reported progress and IRM disagree"), method="filter_progress_disagrees",
        choices=[("true", _("Yes")), ("false", _("No"))])
    # OGP's export says yes or no (the IRM's finding); the other codes are no finding to filter on.
    carried_forward = django_filters.ChoiceFilter(label=_("Carried forward"),
                                                  choices=[(YesNo.YES, _("Yes")), (YesNo.NO, _("No"))])
    # "Yes" only: a commitment with no overdue milestone is not a finding (any / yes).
    overdue = django_filters.ChoiceFilter(label=_("Overdue milestone"), method="filter_overdue",
                                          choices=[("true", _("Yes"))])
    sort = django_filters.ChoiceFilter(label=_("Sort by"), method="sort_by", choices=SORT_CHOICES,
                                       empty_label=None)

    class Meta:
        model = Commitment
        fields: list[str] = []

    SCALE_FILTERS = {"midterm_completion": Completion, "completion": Completion,
                     "potential_impact": PotentialImpact, "potential_for_results": PotentialForResults,
                     "open_government": OpenGovernment}
    # Filters whose choices come from the database.
    MODEL_FILTERS = ("member", "action_plan", "policy_area", "lead_institution")
    # Filters that take several values (?completion=substantial&completion=complete: either).
    MULTIPLE = (*MODEL_FILTERS, "value", *SCALE_FILTERS)
    # Filters that take one value (the form shows them as radio buttons).
    SINGLE = ("status", "starred", "progress_disagrees", "carried_forward", "overdue")
    DEFAULTS = {"sort": "identifier"}  # with a search: "relevance" (default_sort)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today=None):
        # The day `overdue` is read on (and the facets' cache is keyed by): one per request.
        self.today = today or timezone.localdate()
        self.query_was_cut = False
        self.repeated = []  # single-value filters given several values
        self.raw = data
        if data is not None:
            data = self._tidy(data)
        if queryset is None:
            queryset = Commitment.objects.all()
        super().__init__(data, queryset, request=request, prefix=prefix)

    def _tidy(self, data):
        """Accept what people type or paste: any case for scale values, over-long or binary text."""
        data = data.copy()
        if data.get("q"):
            data["q"], self.query_was_cut = search.clean_query(data["q"])
        for name in ("starred", "status", "progress_disagrees", "carried_forward", "overdue", "sort",
                     "year_min", "year_max"):
            values = [value for value in data.getlist(name) if value.strip()]
            if len(values) > 1 and name in self.SINGLE:
                self.repeated.append(name)
            data.setlist(name, values[:1])  # the first, as the canonical URL keeps it
        for name in self.SINGLE:
            if data.get(name):
                data[name] = data[name].strip().lower()
        data.setlist("value", [value.strip().lower() for value in data.getlist("value")])
        for name, scale in self.SCALE_FILTERS.items():
            data.setlist(name, [self._scale_value(scale, raw) for raw in data.getlist(name)])
        return data

    @staticmethod
    def _scale_value(scale, raw):
        try:
            # Slugs, codes and the export's spellings ("Not Started", "nd", "Sustancial").
            return scale.from_ogp_spelling(raw) if raw.strip() else raw
        except ValueError:
            return raw  # unknown: the filter drops it and notices() reports it

    # -- filtering -------------------------------------------------------------------------------

    def filter_search(self, queryset, name, value):
        # By relevance; a sort given replaces the order (sort_by runs after, the last filter).
        order = search.relevance(value)
        queryset = search.search(queryset, value)
        return queryset.order_by(*order) if order else queryset

    def filter_value(self, queryset, name, value):
        matches = Q()
        for slug in value:
            matches |= Q(**{slug.replace("-", "_"): True})
        return queryset.filter(matches)

    def filter_policy_area(self, queryset, name, value):
        # A subquery, not a join: a commitment in two of the areas stays one row (no DISTINCT,
        # so the facets keep counting COUNT(*)).
        through = Commitment.policy_areas.through
        return queryset.filter(pk__in=through.objects.filter(policyarea__in=value).values("commitment_id"))

    def filter_starred(self, queryset, name, value):
        return queryset.filter(starred=(value == "true"))

    def filter_progress_disagrees(self, queryset, name, value):
        # The rule lives in commitments/progress.py, with the page's wording of it.
        return progress.filter_disagreeing(queryset, value == "true")

    def filter_overdue(self, queryset, name, value):
        # The rule is models.MilestoneQuerySet.overdue, on the filter's day.
        return queryset.with_overdue_milestone(self.today) if value == "true" else queryset

    def sort_by(self, queryset, name, value):
        if value == "relevance":
            return queryset  # as filter_search ordered it; without a search, the identifier order
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
        """Valid, non-empty filter values by name (a list for MULTIPLE filters; rows for model filters)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items()
                if value not in (None, "", []) and name != "sort"}

    def value_key(self, name, value) -> str:
        """A cleaned value as the URL spells it."""
        if name in self.MODEL_FILTERS:
            return self.form.fields[name].key(value)
        return str(value)

    def selected(self, name) -> list[str]:
        """The valid values of one filter, as the URL spells them."""
        value = self.active_values().get(name)
        if value is None:
            return []
        return [self.value_key(name, item) for item in value] if name in self.MULTIPLE else [
            str(self.form.data.get(name)).strip()]

    def url_params(self) -> list[tuple[str, str]]:
        """The valid parameters, tidied, in the filters' order, defaults left out: the state a link
        must carry on (and the canonical URL's, with the invalid ones the page reports)."""
        if not self.is_bound:
            return []
        self.form.is_valid()
        params = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", []):
                continue
            if name in self.MULTIPLE:
                params.extend((name, self.value_key(name, item)) for item in value)
            else:
                raw = str(self.form.data.get(name)).strip()
                if name == "sort":
                    # Relevance is the default with a search and means nothing without one.
                    if raw not in ("relevance", self.default_sort()):
                        params.append((name, raw))
                elif self.DEFAULTS.get(name) != raw:
                    params.append((name, raw))
        return params

    def searches(self) -> bool:
        """Whether the query string searches text (a q with words)."""
        return bool(self.is_bound and search.query_words(self.form.data.get("q") or ""))

    def default_sort(self) -> str:
        """The order without a sort: by relevance when searching, else by identifier."""
        return "relevance" if self.searches() else self.DEFAULTS["sort"]

    def current_sort(self) -> str:
        """The order the results are in, as a `sort` value: the one given, or the default."""
        return dict(self.url_params()).get("sort") or self.default_sort()

    def unknown_values(self) -> dict[str, list[str]]:
        """Per filter, the values given that it could not use (ignored, and reported)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        unknown = {}
        for name in self.filters:
            if name in self.MULTIPLE:
                known = set(self.selected(name))
                given = [value.strip() for value in self.form.data.getlist(name)]
                dropped = list(dict.fromkeys(value for value in given if value and value not in known))
            elif name in self.form.errors:
                dropped = [str(self.form.data.get(name, "")).strip()]
            else:
                continue
            if dropped:
                unknown[name] = dropped
        return unknown

    def canonical_params(self) -> list[tuple[str, str]]:
        """The URL this query string is best shared as: url_params(), then what the page reports
        as unknown (so the notice survives the redirect), then the page when not the first."""
        # The search as given (stripped): a cut or cleaned one would lose the page's notice about it.
        raw_query = (self.raw.get("q") or "").strip()
        valid = [(name, raw_query if name == "q" else value) for name, value in self.url_params()]
        unknown = [(name, value) for name, values in self.unknown_values().items() for value in values]
        order = list(self.filters)
        # Grouped by filter in the filters' order; within one, the known values, then the unknown.
        params = sorted(valid + unknown, key=lambda pair: order.index(pair[0]))
        page = (self.raw.get("page") or "").strip() if self.raw is not None else ""
        if page and page != "1":
            params.append(("page", page))
        return params

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
        for name in self.repeated:
            messages.append(_("“%(filter)s” takes one value: the first one given was used.")
                            % {"filter": self.filters[name].label})
        for name, values in self.unknown_values().items():
            for value in values:
                if name in self.MULTIPLE:
                    message = _("“%(value)s” is not a valid value for “%(filter)s”: that value was ignored.")
                else:
                    message = _("“%(value)s” is not a valid value for “%(filter)s”: that filter was ignored.")
                messages.append(message % {"value": value[:60], "filter": self.filters[name].label})
        return messages
