"""The public commitment list: filters, facets, search, sorting and pagination, all in the URL."""

from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import facets as facet_counts
from ..filters import SORT_CHOICES, CommitmentFilter
from ..models import Commitment
from ..queries import LIST_COLUMNS
from ..search import clean_query

PAGE_SIZE = 25
# Where the facet fieldsets go in the rendered page (see commitment_list). Every value the page
# shows is HTML-escaped, so no data can produce this comment: it occurs once, from the template.
FIELDSETS_MARKER = "<!--facet-fieldsets-->"


def commitment_list(request):
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.all(), request=request)
    notices = filterset.notices()
    # Counting every choice of every filter takes seconds at 100,000 commitments: cached per state.
    facets = facet_counts.facets(filterset)
    paginator = ListPaginator(filterset.qs, PAGE_SIZE,
                              known_count=facets.total if facets.count_is_slow else None)
    page = _page(paginator, request.GET.get("page"), notices)
    state = filterset.url_params()
    context = {
        "filterset": filterset,
        "fieldsets_marker": mark_safe(FIELDSETS_MARKER),
        "sort_choices": SORT_CHOICES,
        "current_sort": dict(state).get("sort", "identifier"),
        "active_filters": _active_filters(filterset, state),
        "page_obj": page,
        # The page's rows as plain values (counting stays on the queryset without their columns).
        "rows": list(page.object_list.values(*LIST_COLUMNS)),
        "page_links": _page_links(page, state),
        "sort_headers": _sort_headers(state),
        "notices": notices,
        # The valid filters and sort, tidied, without the page: what the export links carry.
        "state_query": urlencode(state),
        "query": dict(state).get("q", ""),
    }
    # The facet fieldsets (cached, up to 750,000 characters unfiltered) are put in the rendered page
    # rather than rendered through it: each level of a template copies its whole output, and four
    # copies of that size are fresh memory whose page faults cost more than the rest of the page.
    before, _marker, after = render_to_string("commitments/commitment_list.html", context,
                                              request).partition(FIELDSETS_MARKER)
    return HttpResponse([before, facets.fieldsets, after])


class ListPaginator(Paginator):
    """A paginator that takes the number of matches when it is already known (see facets.py)."""

    def __init__(self, object_list, per_page, known_count=None):
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self):
        return super().count if self.known_count is None else self.known_count


def _page(paginator, number, notices):
    """The requested page; a malformed or out-of-range number gives the nearest page and a notice."""
    shown = clean_query(number or "")[0][:20]
    try:
        return paginator.page(number or 1)
    except PageNotAnInteger:
        notices.append(_("“%(page)s” is not a page number: showing the first page.") % {"page": shown})
        return paginator.page(1)
    except EmptyPage:
        nearest = 1 if _as_int(number) < 1 else paginator.num_pages
        notices.append(_("There is no page %(page)s: showing page %(nearest)s.")
                       % {"page": shown, "nearest": nearest})
        return paginator.page(nearest)


def _as_int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _url(params):
    return "?" + urlencode(params) if params else "?"


def _active_filters(filterset, state):
    """(label, value, URL without it) for each filter in use; removing one returns to page 1."""
    active = []
    for name, value in filterset.active_values().items():
        others = [(key, raw) for key, raw in state if key != name]
        active.append({"name": name, "label": str(filterset.filters[name].label),
                       "value": filterset.display_value(name, value), "remove_url": _url(others)})
    return active


def _sort_headers(state):
    """Per sortable column: the link that sorts by it (reversing the current order) and its aria-sort."""
    current = dict(state).get("sort", "identifier")
    others = [(key, value) for key, value in state if key != "sort"]
    headers = {}
    for key in ("identifier", "title", "year", "completion"):
        if current == key:
            target, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, aria = key, "descending"
        else:
            target, aria = key, None
        headers[key] = {"url": _url([*others, ("sort", target)]), "aria_sort": aria}
    return headers


def _page_links(page, state):
    """Previous/next and numbered links that keep every filter."""
    def link(number):
        return _url([*state, ("page", number)] if number > 1 else state)

    paginator = page.paginator
    window = sorted({1, paginator.num_pages, *range(max(1, page.number - 2),
                                                     min(paginator.num_pages, page.number + 2) + 1)})
    numbered, previous_number = [], 0
    for number in window:
        if number - previous_number > 1:
            numbered.append({"gap": True})
        numbered.append({"number": number, "url": link(number), "current": number == page.number})
        previous_number = number
    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "numbered": numbered,
    }
