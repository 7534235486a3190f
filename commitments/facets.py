"""Cached facet counts of the commitment list: exact, computed once per filter state and data version.

At 100,000 commitments the facets (how many commitments each choice of each filter would give)
cost one GROUP BY per filter over every matching row: seconds, where the page itself needs
milliseconds. With them is kept the number of matches, which the page reuses when counting them
again would be slow (see Facets.count_is_slow). The counts change only when the data does,
so they are kept in Django's cache under the filter state (page and sort aside, which do not
change them) and the language (labels are translated), plus a data version kept in the database
(FacetDataVersion, one row) that every save or delete of what the counts read moves on in its own
transaction (commitments/stored.py connects the receivers). Bulk writes send no signals: their
callers call stored.refresh(), which moves it too. Being in the database, the version is the same
for every app server and process whatever their caches, and a restore brings back its own.
"""

import hashlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND

from . import progress
from .models import OGP_VALUE_FIELDS, FacetDataVersion, ogp_value_choices

# Seconds a computed set of facets is kept at most, even without any change: the data version
# already makes every write recount, so this only frees the cache of states nobody asks again.
FACET_TIMEOUT = 6 * 3600
# Query parameters that do not change the counts.
NOT_COUNTED = {"page", "sort"}
# A state whose COUNT took longer than this (ms) when its facets were computed reuses that count.
SLOW_COUNT_MS = 50
# Choices each filter shows on the list, the most frequent first (selected ones always shown);
# the facet page (/commitments/facets/<filter>/) lists them all.
SHOWN_CHOICES = 10
# The filter form's groups, in the order the form shows them: (legend, filter names).
FILTER_GROUPS = [
    (_("Where"), ("member", "action_plan", "year_min", "year_max", "lead_institution", "policy_area")),
    (_("What"), ("value", "status", "starred")),
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
    total: int  # how many commitments the state matches
    # Counting them took longer than SLOW_COUNT_MS: a word found in most commitments (q=de) makes
    # PostgreSQL read every row's search vector, 400 ms at 100,000 commitments. The page then
    # shows `total` instead of counting again: as exact as a new count, since any write moves the
    # data version on. Other states count on every page (a few ms).
    count_is_slow: bool


def data_version() -> str:
    """The version of the counted data, read from the database (one query): every app server and
    process, whatever its cache, reads the same one, so none serves counts of older data."""
    token = FacetDataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    if token is None:  # a flushed database (tests, a restore without the row): start a version
        token = FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[0].token
    return token


def invalidate() -> None:
    """Every cached facet becomes stale: the next list page counts afresh.

    Called inside the write's transaction (stored.py's receivers and refresh()), so the new version
    is seen exactly when the new data is, by every process.
    """
    if not FacetDataVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex):
        FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def _cached(kind, filterset, compute):
    """compute(), kept per filter state (page and sort aside), language and data version."""
    state = sorted((key, value) for key, value in filterset.url_params() if key not in NOT_COUNTED)
    digest = hashlib.sha256(repr((kind, get_language(), state)).encode()).hexdigest()
    version = data_version()
    key = f"commitments:facets:v5:{version}:{digest}"
    entry = cache.get(key)
    if entry is None:
        entry = compute()
        # A write committed while counting would leave counts of either data under the old
        # version: kept only if the version did not move meanwhile.
        if data_version() == version:
            cache.set(key, entry, timeout=FACET_TIMEOUT)
    return entry


def facets(filterset) -> Facets:
    """The list's facets and total: counted once per filter state, language and data version."""
    return _cached("list", filterset, lambda: _compute(filterset))


def facet_choices(filterset, name) -> list:
    """Every choice of one filter with its count, the most frequent first (the facet page)."""
    return _cached(f"facet:{name}", filterset, lambda: FacetCounter(filterset).count([name])[name])


def _compute(filterset) -> Facets:
    started = time.perf_counter()
    total = filterset.qs.count()
    slow = (time.perf_counter() - started) * 1000 > SLOW_COUNT_MS
    counted = FacetCounter(filterset).count()
    groups = [(legend, [name if name in YEAR_FILTERS else _shown(filterset, name, counted[name])
                        for name in names])
              for legend, names in FILTER_GROUPS]
    return Facets(groups=groups, total=total, count_is_slow=slow)


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
    """Counts each filter's choices for one filter state (a bound CommitmentFilter)."""

    def __init__(self, filterset):
        self.filterset = filterset

    def count(self, names=FACET_FILTERS) -> dict:
        """These filters' choices with how many commitments each would give, the other filters
        applied; database choices the most frequent first, scales in their order.

        A GROUP BY query per filter in use and per filter with choices from the database, and one
        for the fixed-choice filters not in use, whatever the number of choices or of commitments.
        """
        active = self.filterset.active_values()
        facets = {}
        model_facets = {
            "member": ("action_plan__member__slug", "action_plan__member__name"),
            "action_plan": ("action_plan__ogp_id", "action_plan__title"),
            "policy_area": ("policy_areas__slug", "policy_areas__name"),
            "lead_institution": ("lead_institution_id", "lead_institution__name"),
        }
        # COUNT(*), not COUNT(DISTINCT id): no filter joins a relation that could repeat a
        # commitment (the policy area filter is a subquery), and COUNT(*) lets PostgreSQL read only
        # the foreign key indexes, not every row of the table (member facet: 44 ms instead of 170
        # at 100,000).
        for name, (value_path, label_path) in model_facets.items():
            if name not in names:
                continue
            selected = set(self.filterset.selected(name))
            rows = (self.filterset.filtered_except(name).filter(**{f"{value_path}__isnull": False})
                    .values(value_path, label_path).annotate(n=Count("*")))
            choices = [FacetChoice(str(row[value_path]), row[label_path], row["n"],
                                   str(row[value_path]) in selected) for row in rows]
            found = {choice.value for choice in choices}
            # A chosen value that now matches nothing stays, with 0, so it can be unticked.
            for row in active.get(name, []):
                key = self.filterset.value_key(name, row)
                if key not in found:
                    choices.append(FacetChoice(key, str(row), 0, True))
            facets[name] = sorted(choices, key=lambda choice: (-choice.count, choice.label.casefold()))
        fixed = [name for name in self.fixed_facets() if name in names]
        idle = [name for name in fixed if name not in active]
        counts = self._fixed_counts(idle) if idle else {}
        for name in fixed:
            if name in active:
                counts |= self._fixed_counts([name], without=[name])
            facets[name] = self._column_facet(name, counts[name])
        if "value" in names:
            counts = self.filterset.filtered_except("value").aggregate(**{
                field: Count("pk", filter=Q(**{field: True})) for field in OGP_VALUE_FIELDS})
            selected = set(self.filterset.selected("value"))
            facets["value"] = [
                FacetChoice(slug, str(label), counts[field], slug in selected)
                for field, (slug, label) in zip(OGP_VALUE_FIELDS, ogp_value_choices(), strict=True)]
        return facets

    def fixed_facets(self) -> dict:
        """Filters with a fixed list of choices: name -> (the column they count, its value in the URL)."""
        def flag(value):
            return "true" if value else "false"

        def rating(value):
            return value or ND  # unassessed counts as ND, as the filters read it

        filters = self.filterset.filters
        return {"status": ("status", str), "starred": ("starred", flag),
                **{name: (filters[name].field_name, rating) for name in self.filterset.SCALE_FILTERS},
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
        queryset = progress.annotate(self.filterset.filtered_except(*without), method="alias")
        columns = {f"facet_{name}": F(fixed[name][0]) for name in names}
        counts = {name: Counter() for name in names}
        for row in queryset.annotate(**columns).values(*columns).annotate(n=Count("*")):
            for name in names:
                counts[name][fixed[name][1](row[f"facet_{name}"])] += row["n"]
        return counts

    def _column_facet(self, name, counts):
        """Every choice of a fixed list, with its count (zero included)."""
        selected = set(self.filterset.selected(name))
        return [FacetChoice(value, str(label), counts.get(value, 0), value in selected)
                for value, label in self.filterset.filters[name].extra["choices"]]
