"""Cached facet counts of the commitment list: exact, computed once per filter state and data version.

At 100,000 commitments the facets (how many commitments each choice of each filter would give)
cost one GROUP BY per filter over every matching row: seconds, where the page itself needs
milliseconds. With them is kept the number of matches, which the page and the API use instead of
counting again (a text search's COUNT alone reads every row's search vector: 400 ms at 100,000
commitments, q=de). The counts change only when the data does,
so they are kept in Django's cache under the filter state (page and sort aside, which do not
change them) and the language (labels are translated), plus a data version kept in the database
(FacetDataVersion, one row) that every save or delete of what the counts read moves on in its own
transaction (commitments/stored.py connects the receivers). Bulk writes send no signals: their
callers call stored.refresh(), which moves it too. Being in the database, the version is the same
for every app server and process whatever their caches, and a restore brings back its own.

A save of a commitment moves only the versions of what it changed: the text's (text_token) and
one per group of counted columns (column_tokens, COLUMN_GROUPS). Each facet and the total is kept
with the versions of what it reads (FILTER_INPUTS: its own filter's columns and those of every
filter in use), so a status saved recounts the status facet of each state and nothing else; the
others are served as counted, and exact, since none of their inputs changed (issue 13.7; bench
case "after a status save", list, unfiltered: 3,008 -> 321 ms median on an overloaded machine,
bench/RESULTS.md "Issue 13.7, session 6").
"""

import hashlib
import uuid
from collections import Counter
from dataclasses import astuple, dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reviews.scales import ND

from . import progress, search
from .models import (
    OGP_VALUE_FIELDS,
    STORED_RATING_FIELDS,
    ActionPlan,
    Commitment,
    FacetDataVersion,
    Institution,
    PolicyArea,
    ogp_value_choices,
)

# Seconds a computed set of facets is kept at most, even without any change: the data version
# already makes every write recount, so this only frees the cache of states nobody asks again.
FACET_TIMEOUT = 6 * 3600
# Query parameters that do not change the counts.
NOT_COUNTED = {"page", "sort"}
# A state whose COUNT took longer than this (ms) when its facets were computed reuses that count.
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


# The groups of a commitment's columns the filters read, each with its own version token
# (FacetDataVersion.column_tokens) that a save changing only those columns moves (stored.py).
COLUMN_GROUPS = {
    "status": ("status",),
    "starred": ("starred",),
    "action_plan": ("action_plan_id",),
    "lead_institution": ("lead_institution_id",),
    **{field: (field,) for field in STORED_RATING_FIELDS},
    # The stored counts, and the milestones' own rows (their dates and status: `overdue`), whose
    # saves and deletes move this token alone (stored._milestones_changed).
    "milestones": ("milestones_counted", "milestones_complete", "first_open_end_date"),
    "value": OGP_VALUE_FIELDS,
    "carried_forward": ("carried_forward",),
}
# What each filter reads of the commitment, as COLUMN_GROUPS; every other row it reads (plans,
# members, institutions, policy areas, assessments) moves the main token when written (milestones
# move the "milestones" group's),
# and the search reads the searched text (the text token, see _match_version). A facet's counts
# depend on its own filter's columns and on those of every filter in use, nothing else of the
# commitment. A filter missing here is taken to read every column: exact by default.
FILTER_INPUTS = {
    "q": (),
    "member": ("action_plan",),
    "action_plan": ("action_plan",),
    "year_min": ("action_plan",),
    "year_max": ("action_plan",),
    "lead_institution": ("lead_institution",),
    "policy_area": (),
    "value": ("value",),
    "status": ("status",),
    "starred": ("starred",),
    "carried_forward": ("carried_forward",),
    # The milestones' rows only; the day is in the cache key.
    "overdue": ("milestones",),
    "midterm_completion": ("mid_term_completion",),
    "completion": ("end_of_term_completion",),
    "potential_impact": ("potential_impact",),
    "potential_for_results": ("potential_for_results",),
    "open_government": ("did_it_open_government",),
    # progress.annotate(): the IRM's latest completion against the milestones counted.
    "progress_disagrees": ("mid_term_completion", "end_of_term_completion", "milestones"),
}


@dataclass(frozen=True)
class Versions:
    token: str  # moved by every write but those below
    text_token: str  # moved by a save that changes what text search reads
    column_tokens: dict  # COLUMN_GROUPS name -> token, moved by a save that changes those columns
    record_token: str = ""  # moved by every write of anything exported (see invalidate())


def versions() -> Versions:
    """The versions of the counted data, read from the database (one query): every app server and
    process, whatever its cache, reads the same, so none serves counts of older data."""
    row = (FacetDataVersion.objects.filter(pk=1)
           .values_list("token", "text_token", "column_tokens", "record_token").first())
    if row is None:  # a flushed database (tests, a restore without the row): start a version
        version = FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[0]
        row = (version.token, version.text_token, version.column_tokens, version.record_token)
    return Versions(row[0], row[1], row[2] or {}, row[3])


def data_version() -> str:
    """The version of all the data the facets count or an export shows: every write that changes
    any of it moves it (a date or a description saved too, by the record token)."""
    current = versions()
    return ".".join((current.token, current.text_token, current.record_token,
                     *(f"{name}={token}" for name, token in sorted(current.column_tokens.items()))))


def invalidate(*, text_only=False, columns=None, text=True) -> None:
    """Every cached facet becomes stale: the next list page counts afresh. With text_only (a write
    that changed only what text search reads), only the states with a search may; with `columns`
    (COLUMN_GROUPS names; a commitment's save that changed only those), only the facets that read
    them, and, unless `text` is False, the states with a search.

    Every call moves the record token, whatever else it moves: `columns=[]` with `text=False` (a
    commitment's save that changed no counted or searched column: a date, the description,
    ogp_extra) moves that alone, which keeps every cached count and makes every cached export stale
    (the one rule of what moves the exports' version; stored.py calls it on every write).

    Called inside the write's transaction (stored.py's receivers and refresh()), so the new version
    is seen exactly when the new data is, by every process.
    """
    if columns is None and not text_only:
        tokens = {"token": uuid.uuid4().hex, "text_token": uuid.uuid4().hex}
    else:
        tokens = {"text_token": uuid.uuid4().hex} if text or text_only else {}
    tokens["record_token"] = uuid.uuid4().hex
    with transaction.atomic(savepoint=False):
        if columns:
            # Locked: two saves of different columns at once must not each write back the other's
            # old token (a lost update would leave a count stale).
            current = (FacetDataVersion.objects.select_for_update().filter(pk=1)
                       .values_list("column_tokens", flat=True).first()) or {}
            tokens["column_tokens"] = {**current, **{name: uuid.uuid4().hex for name in columns}}
        if not FacetDataVersion.objects.filter(pk=1).update(**tokens):
            FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def _inputs(filters) -> list:
    """The column groups these filters read, in a fixed order."""
    groups = set()
    for name in filters:
        groups.update(FILTER_INPUTS.get(name, COLUMN_GROUPS))
    return sorted(groups)


def _cached(kind, filterset, parts, compute) -> dict:
    """{part: value}, each part counted by compute(stale parts) and kept in one cache entry per filter
    state (page and sort aside), language and main token, tagged with the versions of what it reads:
    `parts` gives, per part, the filters whose columns it reads. A part whose tag still matches is
    served; the others only are counted again (after a status save, the status facet alone).

    A part is tagged with the versions read before it was counted: a write committed meanwhile
    leaves it tagged older than its data, so it is counted again, never served stale.
    """
    state = sorted((key, value) for key, value in filterset.url_params() if key not in NOT_COUNTED)
    # The day too: `overdue` counts change at midnight without any write.
    digest = hashlib.sha256(repr((kind, get_language(), filterset.today.isoformat(), state))
                            .encode()).hexdigest()
    current = versions()
    key = f"commitments:facets:v9:{current.token}:{digest}"
    entry = cache.get(key) or {}
    active = {name for name, _value in state}
    changed = False
    match = None
    if "q" in active:
        match = entry.get("match")
        if match is None or match[0] != current.text_token:
            match = (current.text_token, _match_version(filterset))
            changed = entry.get("match") != match
            entry = {**entry, "match": match}
    tokens = current.column_tokens
    tags = {part: (tuple((group, tokens.get(group, "")) for group in _inputs(active | filters)),
                   match and match[1])
            for part, filters in parts.items()}
    stale = [part for part, tag in tags.items() if part not in entry or entry[part][0] != tag]
    if stale:
        counted = compute(stale)
        entry = {**entry, **{part: (tags[part], counted[part]) for part in stale}}
        changed = True
    if changed:
        cache.set(key, entry, timeout=FACET_TIMEOUT)
    return {part: entry[part][1] for part in parts}


def _match_version(filterset) -> str:
    """A digest of the ids the search alone matches. The text token moves on any save of a searched
    text, but most such saves (a title corrected) leave every search's matches as they were: with
    the same matches and the same columns, a search's counts are the same, so they are kept, where
    counting them again re-evaluates the full-text match in each counting query (bench case
    "list, text search" after a title save: 2,457 -> 111 ms median, bench/RESULTS.md "Issue 13.7,
    session 6")."""
    query = filterset.active_values()["q"]
    ids = search.search(Commitment.objects.order_by("pk"), query).values_list("pk", flat=True)
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def facets(filterset) -> Facets:
    """The list's facets and total: each counted once per filter state, language and version of what
    it reads."""
    parts = {"total": set(), **{name: {name} for name in FACET_FILTERS}}
    counted = _cached("list", filterset, parts, lambda stale: _compute(filterset, stale))
    groups = [(legend, [name if name in YEAR_FILTERS else counted[name] for name in names])
              for legend, names in FILTER_GROUPS]
    return Facets(groups=groups, total=counted["total"])


def total(filterset) -> int:
    """How many commitments the filter state matches: the list's total, from the same cache entry
    (the API's count of a page)."""
    return _cached("list", filterset, {"total": set()}, lambda stale: _compute(filterset, stale))["total"]


def facet_choices(filterset, name) -> list:
    """Every choice of one filter with its count, the most frequent first (the facet page), as
    (value, label, count, selected) tuples: FacetChoice's fields, which the page makes of the 50 it
    shows. Unpickling 7,000 institutions as FacetChoice objects took half the warm page (43 ms
    against 11 as tuples, pickle.loads timed alone; bench case "facet page, lead institution")."""
    return _cached(f"facet:{name}", filterset, {name: {name}}, lambda stale: {
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

    Right after a write every state counts afresh (the data version moved), so the counting
    queries are shaped to read little (bench/RESULTS.md, "Issue 13.7: counts right after a write"):
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
