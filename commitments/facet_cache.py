"""Cached facet counts of the commitment list: exact, computed once per filter state and data version.

At 100,000 commitments the facets (how many commitments each choice of each filter would give)
cost one GROUP BY per filter over every matching row: seconds, where the page itself needs
milliseconds. With them is kept the number of matches, which the page reuses when counting them
again would be slow (see Facets.count_is_slow). The counts change only when the data does,
so they are kept in Django's cache under the filter state (page and sort aside, which do not
change them) and the language (labels are translated), plus a data version that every save or
delete of what the counts read moves on. Bulk writes send no signals: their callers (the importer,
generate_demo_data) call invalidate(); the timeout bounds how stale a missed case can get.
"""

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Seconds a computed set of facets is kept at most, even without any change: a bound for a write
# that missed invalidate(), long enough that visitors seldom pay a recount nobody needed.
FACET_TIMEOUT = 6 * 3600
VERSION_KEY = "commitments:facets:version"
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
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def invalidate(**kwargs) -> None:
    """Every cached facet becomes stale: the next list page counts afresh (a signal receiver too)."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)


def facets(filterset) -> Facets:
    """The state's facets and total, computed once per filter state, language and data version.

    Unfiltered, the member, action plan and lead institution filters offer thousands of choices
    between them at 100,000 commitments; rendering them through the template language costs more
    than everything else on the page, so they are rendered once, and only the HTML is cached
    (it loads from the cache far faster than thousands of objects).
    """
    state = sorted((key, value) for key, value in filterset.url_params() if key not in NOT_COUNTED)
    digest = hashlib.sha256(repr((get_language(), state)).encode()).hexdigest()
    # "v3": entries are Facets (they were dicts of options), so no old entry is read as a new one.
    key = f"commitments:facets:v3:{data_version()}:{digest}"
    entry = _recent.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is None:
            entry = _compute(filterset)
            cache.set(key, entry, timeout=FACET_TIMEOUT)
        _recent[key] = entry
        while len(_recent) > RECENT_ENTRIES:
            _recent.popitem(last=False)
    return entry


def _compute(filterset) -> Facets:
    started = time.perf_counter()
    total = filterset.qs.count()
    slow = (time.perf_counter() - started) * 1000 > SLOW_COUNT_MS
    options = {name: options_html(choices) for name, choices in filterset.facets().items()}
    groups = [{"legend": legend,
               "fields": [{"name": name, "label": filterset.filters[name].label, "options": options[name]}
                          for name in names]}
              for legend, names in FILTER_GROUPS]
    fieldsets = render_to_string("commitments/_list_facets.html", {"groups": groups})
    return Facets(fieldsets=fieldsets.encode(settings.DEFAULT_CHARSET), total=total, count_is_slow=slow)


def options_html(choices) -> str:
    """<option> elements: "label (count)", values and labels escaped."""
    return mark_safe(
        "\n".join(  # noqa: S308 -- every value and label is escaped right here
            f'<option value="{escape(choice.value)}"{" selected" if choice.selected else ""}>'
            f"{escape(choice.label)} ({int(choice.count)})</option>"
            for choice in choices
        )
    )


def connect_signals() -> None:
    """Called from the app's ready(): any write to what the facets count makes them stale."""
    from commitments.models import ActionPlan, Commitment, Institution, Member, Milestone, PolicyArea
    from reviews.models import Assessment, IRMReport

    # Milestones: the "progress disagrees" facet counts them.
    for model in (Commitment, Milestone, Assessment, IRMReport, ActionPlan, Member, Institution, PolicyArea):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"facets_save_{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"facets_delete_{model.__name__}")
    for through in (Commitment.policy_areas.through, Commitment.supporting_institutions.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"facets_m2m_{through.__name__}")
