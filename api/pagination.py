"""The API's pagination: page numbers for browsing (?page=2), a cursor for walking everything (?cursor=).

Both give the total (`count`). A page number past a few thousand makes the database skip that
many rows; a cursor resumes after the last identifier it gave, at the same cost on every page, and
is not thrown off by rows added or removed meanwhile: `?cursor=` (empty) starts a walk, then
follow `next`. A walk is in identifier order (the one unique, unchanging order).

The changes (/api/v1/changes/) are not a queryset but the history's merged kinds: their cursor,
at the end, holds a position in history.recent()'s order.
"""

import base64
import datetime
import json
from urllib.parse import parse_qs

from django.core.paginator import EmptyPage, Paginator
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api.errors import NamesNothing
from commitments import history

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def _one_value(request, *names) -> None:
    """Refuse (400) a paging parameter given twice (?page=1&page=2): which one a client meant is
    not for the API to guess, as for a filter that takes one value (params.check_filters)."""
    repeated = [name for name in names if len(request.query_params.getlist(name)) > 1]
    if repeated:
        raise ValidationError({name: ["Takes one value."] for name in repeated})


def page_size(request) -> int:
    """?page_size=, 1 to MAX_PAGE_SIZE; anything else is refused (400) rather than silently cut."""
    _one_value(request, "page_size")
    raw = request.query_params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def walks(request) -> bool:
    """Whether the request walks with a cursor (?cursor=, even empty) rather than page numbers."""
    return "cursor" in request.query_params


class PagedResults:
    """One page of a queryset: `rows` to build items from, and the envelope around them."""

    def __init__(self, rows, envelope):
        self.rows, self.envelope = rows, envelope

    def response_data(self, results) -> dict:
        return {**self.envelope, "results": results}


def paginate(request, queryset, *, count=None) -> PagedResults:
    """The requested page of `queryset` (ordered), by page number or by cursor; `count` when known."""
    size = page_size(request)
    _one_value(request, "page", "cursor")
    if walks(request):
        # A walk goes by `next` in identifier order: a page number or an order (CommitmentList) has
        # no part in it, as the schema says (params.py); refusing them is a rule no schema can state.
        return _walk(request, queryset, size, count)
    raw = request.query_params.get("page", "1")
    if not raw.strip().isdigit() or int(raw) < 1 or len(raw) > 9:
        raise ValidationError({"page": ["A page number: a whole number from 1."]})
    paginator = Paginator(queryset, size)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not counted again
    try:
        page = paginator.page(int(raw))
    except EmptyPage:
        raise NotFound(f"There is no page {int(raw)}: the last is {paginator.num_pages}.") from None
    url = request.build_absolute_uri()
    return PagedResults(list(page.object_list), {
        "count": paginator.count, "page": page.number, "pages": paginator.num_pages, "page_size": size,
        "next": replace_query_param(url, "page", page.next_page_number()) if page.has_next() else None,
        "previous": (None if not page.has_previous() else remove_query_param(url, "page")
                     if page.number == 2 else replace_query_param(url, "page", page.previous_page_number())),
    })


class IdentifierCursor(CursorPagination):
    """DRF's cursor over the identifier; a cursor it did not give names no position (404 naming it)."""

    ordering = ("identifier",)
    page_size_query_param = None

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param, "")
        # DRF reads any text as some cursor (an unreadable one as the first page): a cursor this
        # API gave holds its position, offset or direction, and nothing else.
        if encoded and not _well_formed(encoded):
            raise NamesNothing({"cursor": [BAD_CURSOR]})
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise NamesNothing({"cursor": [BAD_CURSOR]}) from None


BAD_CURSOR = "Not a cursor this API gave: start a walk with ?cursor= (empty) and follow `next`."


def _well_formed(encoded: str) -> bool:
    try:
        text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
    except (ValueError, UnicodeError):
        return False
    tokens = parse_qs(text, keep_blank_values=True)
    return bool(tokens) and set(tokens) <= {"o", "r", "p"}


def _walk(request, queryset, size, count) -> PagedResults:
    cursor = IdentifierCursor()
    cursor.page_size = size
    rows = cursor.paginate_queryset(queryset, request)
    return PagedResults(rows, {"count": queryset.count() if count is None else count, "page_size": size,
                               "next": cursor.get_next_link(), "previous": cursor.get_previous_link()})


# -- the changes' cursor (/api/v1/changes/) -----------------------------------------------------
# history.recent_page() reads a page after a position in the changes' order; the cursor carries that
# position: base64 of JSON {"when", "kind", "id"}, what a client needs not read, only pass back.

CHANGES_CURSOR_LENGTH = 200  # a cursor this API gives is about 110 characters


def changes_cursor(position: history.Position) -> str:
    text = json.dumps({"when": position.when.isoformat(), "kind": position.kind, "id": position.history_id},
                      separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def changes_position(request) -> history.Position | None:
    """The position ?cursor= holds (None: absent or empty, the first page); anything but a cursor
    `next` gave is a bad request (400) naming the cursor, never a page read from somewhere else."""
    encoded = request.query_params.get("cursor", "")
    if not encoded:
        return None
    position = _position(encoded) if len(encoded) <= CHANGES_CURSOR_LENGTH else None
    if position is None:
        raise NamesNothing({"cursor": ["Not a cursor this API gave: leave it out for the first page, "
                                          "then follow `next`."]})
    return position


def _position(encoded: str) -> history.Position | None:
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        data = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or set(data) != {"when", "kind", "id"}:
        return None
    when, kind, history_id = data["when"], data["kind"], data["id"]
    if kind not in history.KIND_RANK or type(history_id) is not int or not 0 < history_id < 2 ** 63:
        return None
    try:
        when = parse_datetime(when) if isinstance(when, str) else None
    except ValueError:
        return None
    # In UTC, as changes_cursor writes it (and any database compares it).
    if when is None or when.utcoffset() != datetime.timedelta(0):
        return None
    return history.Position(when, kind, history_id)


def changes_next(request, position: history.Position | None) -> str | None:
    """The address of the page after `position`: this one's, with its cursor."""
    if position is None:
        return None
    return replace_query_param(request.build_absolute_uri(), "cursor", changes_cursor(position))
