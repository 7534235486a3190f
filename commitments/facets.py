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
from collections import Counter, OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND

from . import progress
from .filters import YEAR_BOUNDS
from .models import OGP_VALUE_FIELDS, FacetDataVersion, ogp_value_choices

# Seconds a computed set of facets is kept at most, even without any change: a bound for a write
# that missed invalidate(), long enough that visitors seldom pay a recount nobody needed.
FACET_TIMEOUT = 6 * 3600
# Query parameters that do not change the counts.
NOT_COUNTED = {"page", "sort"}
# A state whose COUNT took longer than this (ms) when its facets were computed reuses that count.
SLOW_COUNT_MS = 50
# Facet entries each process keeps in memory, in front of the shared cache (see _recent).
RECENT_ENTRIES = 16
# The filter form's groups, in the order the form shows them: (legend, filter names).
FILTER_GROUPS = [
    (_("Where"), ("member", "action_plan", "year_min", "year_max", "lead_institution", "policy_area")),
    (_("What"), ("value", "status", "starred")),
    (_("IRM assessment"), ("midterm_completion", "completion", "potential_impact", "potential_for_results",
                           "open_government", "progress_disagrees")),
]


@dataclass(frozen=True)
class Facets:
    """What the list page shows of one filter state beyond its 25 rows."""

    # The filter form's fieldsets (_list_facets.html), every choice with its count, UTF-8 encoded
    # as the response sends them: up to 750,000 characters unfiltered, so they are rendered and
    # encoded once here, and the view puts them in the page as they are.
    fieldsets: bytes
    total: int  # how many commitments the state matches
    # Counting them took longer than SLOW_COUNT_MS: a word found in most commitments (q=de) makes
    # PostgreSQL read every row's search vector, 400 ms at 100,000 commitments. The page then
    # shows `total` instead of counting again: as exact as a new count, since any write moves the
    # data version on. Other states count on every page (a few ms).
    count_is_slow: bool


# The last entries this process read, by cache key (which holds the data version): the
# unfiltered list's fieldsets are 800 KB, and reading them back from the shared cache (file,
# unzip, unpickle) costs 3 ms a request.
_recent: OrderedDict = OrderedDict()


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


def facets(filterset) -> Facets:
    """The state's facets and total, computed once per filter state, language and data version.

    Unfiltered, the member, action plan and lead institution filters offer thousands of choices
    between them at 100,000 commitments; rendering them through the template language costs more
    than everything else on the page, so they are rendered once, and only the HTML is cached
    (it loads from the cache far faster than thousands of objects).
    """
    state = sorted((key, value) for key, value in filterset.url_params() if key not in NOT_COUNTED)
    digest = hashlib.sha256(repr((get_language(), state)).encode()).hexdigest()
    # "v4": entries are commitments.facets.Facets (v3 were commitments.facet_cache.Facets, which a
    # pickle names by module), so no entry of an older release is read by this one.
    version = data_version()
    key = f"commitments:facets:v5:{version}:{digest}"
    entry = _recent.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is None:
            entry = _compute(filterset)
            # A write committed while counting would leave counts of either data under the old
            # version: kept only if the version did not move meanwhile.
            if data_version() != version:
                return entry
            cache.set(key, entry, timeout=FACET_TIMEOUT)
        _recent[key] = entry
        while len(_recent) > RECENT_ENTRIES:
            _recent.popitem(last=False)
    return entry


def _compute(filterset) -> Facets:
    started = time.perf_counter()
    total = filterset.qs.count()
    slow = (time.perf_counter() - started) * 1000 > SLOW_COUNT_MS
    choices = FacetCounter(filterset).count()
    groups = [{"legend": legend,
               "fields": [{"name": name, "label": filterset.filters[name].label, "choices": choices[name]}
                          for name in names]}
              for legend, names in FILTER_GROUPS]
    fieldsets = render_to_string("commitments/_list_facets.html", {"groups": groups})
    return Facets(fieldsets=fieldsets.encode(settings.DEFAULT_CHARSET), total=total, count_is_slow=slow)


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

    def count(self) -> dict:
        """Each filter's choices with how many commitments each would give, the other filters applied.

        A GROUP BY query per filter in use and per filter with choices from the database, and one
        for the fixed-choice filters not in use, whatever the number of choices or of commitments.
        """
        active = self.filterset.active_values()
        raw = dict(self.filterset.url_params())
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
            rows = (self.filterset.filtered_except(name).filter(**{f"{value_path}__isnull": False})
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
        counts = self.filterset.filtered_except("value").aggregate(**{
            field: Count("pk", filter=Q(**{field: True})) for field in OGP_VALUE_FIELDS})
        facets["value"] = [
            FacetChoice(slug, str(label), counts[field], slug == raw.get("value"))
            for field, (slug, label) in zip(OGP_VALUE_FIELDS, ogp_value_choices(), strict=True)]
        facets.update(self._year_facets(active, raw))
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
        selected = dict(self.filterset.url_params()).get(name)
        return [FacetChoice(value, str(label), counts.get(value, 0), value == selected)
                for value, label in self.filterset.filters[name].extra["choices"]]

    def _year_facets(self, active, raw):
        """year_min and year_max choices: the years of submission, each counting the range it opens."""
        rows = (self.filterset.filtered_except("year_min", "year_max").values("action_plan__submission_year")
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
