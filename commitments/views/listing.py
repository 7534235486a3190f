"""The public commitment list: filters, facets, search, sorting and pagination, all in the URL."""

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import facet_cache
from ..filters import CommitmentFilter, base_queryset
from ..search import clean_query

PAGE_SIZE = 25
# The filter form's groups, in the order the form shows them: (legend, filter names).
FILTER_GROUPS = [
    (gettext_lazy("Where"), ("member", "action_plan", "year_min", "year_max", "lead_institution",
                             "policy_area")),
    (gettext_lazy("What"), ("value", "status", "starred")),
    (gettext_lazy("IRM assessment"), ("midterm_completion", "completion", "potential_impact",
                                      "potential_for_results", "open_government", "progress_disagrees")),
]


def commitment_list(request):
    filterset = CommitmentFilter(request.GET, queryset=base_queryset(), request=request)
    notices = filterset.notices()
    page = _page(Paginator(filterset.qs, PAGE_SIZE), request.GET.get("page"), notices)
    state = filterset.url_params()
    # Counting every choice of every filter takes seconds at 100,000 commitments: cached per state.
    options = facet_cache.facet_options(filterset)
    context = {
        "filterset": filterset,
        "filter_groups": [{"legend": legend,
                           "fields": [{"name": name, "label": filterset.filters[name].label,
                                       "options": options[name]}
                                      for name in names]}
                          for legend, names in FILTER_GROUPS],
        "sort_choices": filterset.filters["sort"].extra["choices"],
        "active_filters": _active_filters(filterset, state),
        "page_obj": page,
        "commitments": page.object_list,
        "page_links": _page_links(page, state),
        "sort_headers": _sort_headers(state),
        "notices": notices,
        # The valid filters and sort, tidied, without the page: what the export links carry.
        "state_query": urlencode(state),
        "query": dict(state).get("q", ""),
        "sort": dict(state).get("sort", "identifier"),
    }
    return render(request, "commitments/commitment_list.html", context)


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
        active.append({"name": name, "label": filterset.filters[name].label,
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
