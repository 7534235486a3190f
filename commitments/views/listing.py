"""The public commitment list: filters, facets, search, sorting and pagination, all in the URL."""

from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import facets as facet_counts
from ..filters import SORT_CHOICES, YEAR_BOUNDS, CommitmentFilter
from ..freshness import pages
from ..models import Commitment
from ..queries import LIST_COLUMNS, snippet_values
from ..search import SNIPPET_COLUMNS, clean_query, normalize

PAGE_SIZE = 25
FACET_PAGE_SIZE = 50


def commitment_list(request):
    listing = ListPage(request)
    # A URL whose page is kept was canonical (pages.is_cached says why): no need to validate it.
    if not pages.is_cached(listing.cache_key):
        canonical = _canonical_redirect(listing)
        if canonical:
            return canonical
    return render(request, "commitments/commitment_list.html", {
        "listing": listing, "cache_timeout": pages.TIMEOUT,
        "year_bounds": YEAR_BOUNDS, "sort_choices": SORT_CHOICES,
    })


class ListPage:
    """What the list page shows below the site's header, each part worked out on first use.

    The template keeps the parts it renders from these in the "pages" cache ({% cache %}), under
    cache_key (freshness/pages.py): a hit reads none of them (no form validation, rows query or
    facet assembly). Nothing per user is in here (the header, with the CSRF token and the signed-in
    user, stays outside).
    """

    def __init__(self, request):
        self.request = request
        self.today = timezone.localdate()  # `overdue` (and its counts) change at midnight
        # The query string as given, parameter by parameter: the page's key, and what the
        # canonical redirect compares with the canonical form.
        self.given = [(key, value) for key, values in request.GET.lists() for value in values]
        # Made first, from the data version: data read after it is at least as new.
        self.cache_key = pages.page_key(get_language(), self.today, self.given)

    @cached_property
    def filterset(self):
        return CommitmentFilter(self.request.GET, queryset=Commitment.objects.all(), request=self.request,
                                today=self.today)

    @cached_property
    def state(self):
        return self.filterset.url_params()

    @cached_property
    def query(self):
        return dict(self.state).get("q", "")

    @cached_property
    def facets(self):
        # Counting every choice of every filter takes seconds at 100,000 commitments: cached per state.
        return facet_counts.facets(self.filterset)

    @cached_property
    def page_obj(self):
        paginator = ListPaginator(self.filterset.qs, PAGE_SIZE, known_count=self.facets.total)
        return _page(paginator, self.request.GET.get("page"), self._notices)

    @cached_property
    def _notices(self):
        return self.filterset.notices()

    @property
    def notices(self):
        self.page_obj  # noqa: B018 -- an out-of-range page adds its notice
        return self._notices

    @property
    def groups(self):
        return self.facets.groups

    @cached_property
    def years(self):
        form = self.filterset.form
        return {name: form.data.get(name, "") if name not in form.errors else ""
                for name in ("year_min", "year_max")}

    @cached_property
    def chosen_sort(self):
        """The sort select's value: the sort the visitor gave, else "relevance", the default, which
        is the identifier order until a search is typed. (Preselecting the identifier order made a
        search typed in the same form send sort=identifier: results by identifier, not relevance.)"""
        return dict(self.filterset.url_params()).get("sort") or "relevance"

    @cached_property
    def current_sort(self):
        # "relevance" when searching without a sort: no column head then claims the order.
        return self.filterset.current_sort()

    @cached_property
    def active_filters(self):
        return _active_filters(self.filterset, self.state)

    @cached_property
    def rows(self):
        # The page's rows as plain values (counting stays on the queryset without their columns).
        # With a text search, in the same query, the texts each row's snippet is read from.
        if not self.query:
            return list(self.page_obj.object_list.values(*LIST_COLUMNS))
        return list(self.page_obj.object_list.values(*LIST_COLUMNS, *SNIPPET_COLUMNS, **snippet_values()))

    @cached_property
    def page_links(self):
        return _page_links(self.page_obj, self.state)

    @cached_property
    def sort_headers(self):
        return _sort_headers(self.state, self.current_sort)

    @cached_property
    def state_query(self):
        # The valid filters and sort, tidied, without the page: what the export and facet links carry.
        return urlencode(self.state)


def facet_page(request, name):
    """Every choice of one filter for the list's query string, with its count; searchable, paginated."""
    if name not in facet_counts.FACET_FILTERS:
        raise Http404("No such filter.")
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.all(), request=request)
    notices = filterset.notices()
    facet_query = clean_query(request.GET.get("facet_q", ""))[0].strip()
    choices = facet_counts.facet_choices(filterset, name)  # (value, label, count, selected)
    if facet_query:
        wanted = normalize(facet_query)
        choices = [choice for choice in choices if wanted in normalize(choice[1])]
    page = _page(Paginator(choices, FACET_PAGE_SIZE), request.GET.get("facet_page"), notices)
    state = [(key, value) for key, value in filterset.url_params() if key != "page"]
    shown = [facet_counts.FacetChoice(*choice) for choice in page]
    return render(request, "commitments/facet_page.html", {
        "name": name, "label": filterset.filters[name].label, "several": name in filterset.MULTIPLE,
        "choices": shown, "page_obj": page, "facet_query": facet_query, "notices": notices,
        "hidden_state": state,  # the facet search form carries the list's state
        "kept_state": _kept_state(state, name, shown, several=name in filterset.MULTIPLE),
        "list_url": _url(state),
        "page_links": _facet_page_links(page, [*state, *([("facet_q", facet_query)] if facet_query else [])]),
    })


def _kept_state(state, name, shown, several):
    """What the choosing form sends besides its boxes: the other filters and, for a filter of
    several values, its chosen values that this page does not show (on another page, or hidden by
    the facet search), so that applying the boxes ticked here replaces only the choices seen. A
    filter of one value is the radio buttons' alone."""
    shown_values = {str(choice.value) for choice in shown}
    return [(key, value) for key, value in state
            if key != name or (several and value not in shown_values)]


def _canonical_redirect(listing):
    """A redirect to the query string's canonical form (empty and default parameters dropped, the
    filters' order, each filter's values in its choices' order), when it is not already that:
    the URL after Apply is then the short one to share."""
    canonical = listing.filterset.canonical_params()
    if listing.given == canonical:
        return None
    return HttpResponseRedirect(listing.request.path + (_url(canonical) if canonical else ""))


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
    """(label, value, URL without it) for each value in use; removing one returns to page 1."""
    active = []
    for name, value in filterset.active_values().items():
        for item in value if name in filterset.MULTIPLE else [value]:
            key = filterset.value_key(name, item) if name in filterset.MULTIPLE else None
            others = [(other, raw) for other, raw in state
                      if other != name or (key is not None and raw != key)]
            active.append({"name": name, "label": str(filterset.filters[name].label),
                           "value": filterset.display_value(name, item), "remove_url": _url(others)})
    return active


def _sort_headers(state, current):
    """Per sortable column: the link that sorts by it (reversing the current order) and its aria-sort."""
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


def _facet_page_links(page, state):
    """Previous/next links of a facet page, keeping the list's state and the search."""
    def link(number):
        return _url([*state, ("facet_page", number)] if number > 1 else state)

    return {"previous": link(page.previous_page_number()) if page.has_previous() else None,
            "next": link(page.next_page_number()) if page.has_next() else None}


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
