"""The cache of the list's counts (facets and totals): each part served while the versions of what it
reads are unchanged, counted again otherwise.

At 100,000 commitments counting every choice of every filter costs seconds, where the page needs
milliseconds, and changes only when the data does: so the counts are kept in Django's "default"
cache under the filter state (page and sort aside), the language (labels are translated) and the
day (`overdue` changes at midnight), and each part is tagged with the tokens of the column groups
it reads (columns.FILTER_INPUTS). Why each part apart: docs/decisions.md, "Counts per part"
(bench case "list, unfiltered", right after a status save).
"""

import hashlib

from django.core.cache import cache
from django.utils.translation import get_language

from .. import search
from ..models import Commitment
from .columns import NOT_COUNTED, inputs
from .versions import versions

# Seconds a computed set of counts (or a rendered list page) is kept at most, even without any
# change: the data version already makes every write recount, so this only frees the cache of
# states nobody asks again.
TIMEOUT = 6 * 3600


def cached(kind, filterset, parts, compute) -> dict:
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
            match = (current.text_token, match_version(filterset))
            changed = entry.get("match") != match
            entry = {**entry, "match": match}
    tokens = current.column_tokens
    tags = {part: (tuple((group, tokens.get(group, "")) for group in inputs(active | filters)),
                   match and match[1])
            for part, filters in parts.items()}
    stale = [part for part, tag in tags.items() if part not in entry or entry[part][0] != tag]
    if stale:
        counted = compute(stale)
        entry = {**entry, **{part: (tags[part], counted[part]) for part in stale}}
        changed = True
    if changed:
        cache.set(key, entry, timeout=TIMEOUT)
    return {part: entry[part][1] for part in parts}


def match_version(filterset) -> str:
    """A digest of the ids the search alone matches. The text token moves on any save of a searched
    text, but most such saves (a title corrected) leave every search's matches as they were: with
    the same matches and the same columns, a search's counts are the same, so they are kept rather
    than re-evaluating the full-text match in each counting query (docs/decisions.md, "Search
    matches"; bench case "list, text search" after a title save)."""
    query = filterset.active_values()["q"]
    ids = search.search(Commitment.objects.order_by("pk"), query).values_list("pk", flat=True)
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
