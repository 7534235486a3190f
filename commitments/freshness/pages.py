"""The list page's rendered fragments, kept in the "pages" cache under the data version.

The template (templates/commitments/commitment_list.html) keeps everything below the site's header
in {% cache %} fragments under page_key(): the language, the day, the data version and the query
string as given. A hit reads nothing else (one query: the version). Exact: every write the page
shows moves the data version (versions.invalidate), read here before any of the data, so a page is
never kept under a version older than what it shows (tests/commitments/test_list_cache.py).
The pages are in a cache apart from the counts (settings caches_at), so a crawl culls pages, never
counts. Why a page cache at all: docs/decisions.md, "The list's page cache" (bench case "list, member").
"""

import hashlib

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key

from .counts import TIMEOUT
from .versions import data_version

CACHE = "pages"
# The name of the page's main {% cache %} fragment, which the view asks about before deciding
# whether the URL needs its canonical redirect.
LIST_FRAGMENT = "commitment-list"


def page_key(language, today, given) -> str:
    """The key of the list page for this language, day and query string (a list of (key, value)),
    under the data version as it is now."""
    return hashlib.sha256(repr((language, today.isoformat(), data_version(), given)).encode()).hexdigest()


def is_cached(key) -> bool:
    """Whether the list page under this key is kept: then it was canonical when it was rendered, and
    stays so while the data does (the canonical form depends on the query string and on which
    members, plans and institutions exist, which the version covers)."""
    return caches[CACHE].has_key(make_template_fragment_key(LIST_FRAGMENT, [key]))


__all__ = ["CACHE", "LIST_FRAGMENT", "TIMEOUT", "is_cached", "page_key"]
