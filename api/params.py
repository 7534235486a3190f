"""The API's query strings: which parameters each endpoint takes, checked before anything is read.

The list page forgives (an unknown value is dropped and the page says so); a program is better
told: an unknown parameter, an unknown value or a malformed one answers 400 naming it.
"""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError

from commitments.facets import FACET_FILTERS
from commitments.feeds import FEED_LENGTH
from commitments.filters import SORT_CHOICES, YEAR_BOUNDS, CommitmentFilter
from commitments.validators import INTEGER_MAX
from commitments.views.pages import AS_OF_PATTERN, parse_as_of
from reviews.models import IRMReport

from .errors import NamesNothing
from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = ["FEED_LENGTH"]

# Parameters every endpoint accepts: DRF's format override (json is the only format).
COMMON = ("format",)
PAGING = ("page", "page_size", "cursor")
# The list's own parameters beside the FilterSet's filters.
LIST_EXTRA = (*PAGING, "ordering", "facets")


def only(request, *names):
    """Refuse (400) any parameter but these, any value holding NUL (no stored text holds one, and
    PostgreSQL refuses it even in a query's parameter), and an empty value of a parameter whose
    schema has no empty value (a number, a date, one of a list: NOT_EMPTY, read from the schema's
    declarations below): `?since=` is a client's mistake, not a request for everything."""
    unknown = sorted(set(request.query_params) - set(names) - set(COMMON))
    if unknown:
        raise ValidationError({name: ["Not a parameter of this endpoint (see /api/v1/docs/)."]
                               for name in unknown})
    with_nul = sorted(name for name, values in request.query_params.lists()
                      if any("\x00" in value for value in values))
    if with_nul:
        raise ValidationError({name: ["A value holds a NUL character."] for name in with_nul})
    empty = sorted(name for name, values in request.query_params.lists()
                   if name in NOT_EMPTY and any(not value.strip() for value in values))
    if empty:
        error = "An empty value: give one, or leave the parameter out."
        raise ValidationError({name: [error] for name in empty})


def filter_data(request):
    """The query string as CommitmentFilter reads it: `ordering` is the list's `sort`."""
    only(request, *CommitmentFilter.base_filters, *LIST_EXTRA)
    data = request.query_params.copy()
    if "ordering" in data:
        data.setlist("sort", data.getlist("ordering"))
        del data["ordering"]
    return data


def check_filters(request, filterset):
    """Refuse (400) values the FilterSet cannot use, and several values for a one-value filter; a
    well-formed value of a filter whose values are rows (ROW_FILTERS) that no row has is a 404."""
    errors, missing = {}, {}
    for name in filterset.repeated:
        errors[name] = ["Takes one value."]
    for name, values in filterset.unknown_values().items():
        for value in values:
            well_formed = name in ROW_FILTERS and (name != "lead_institution" or _an_id(value))
            (missing if well_formed else errors).setdefault(name, []).append(
                f"{'No such value' if well_formed else 'Not a valid value'}: {value[:60]!r}.")
    if "sort" in errors and "ordering" in request.query_params:
        errors["ordering"] = errors.pop("sort")
    if errors:
        raise ValidationError(errors)
    if missing:
        raise NamesNothing(missing)


def _an_id(value: str) -> bool:
    """Whether the text is an id the schema allows (a whole number from 1 to INTEGER_MAX)."""
    return value.isascii() and value.isdigit() and 1 <= int(value) <= INTEGER_MAX


def facet_names(request) -> list[str]:
    """?facets=member,completion: the facets to count, in the order given; unknown ones refused."""
    names = [name.strip() for raw in request.query_params.getlist("facets") for name in raw.split(",")]
    names = list(dict.fromkeys(name for name in names if name))
    unknown = [name for name in names if name not in FACET_FILTERS]
    if unknown:
        known = ", ".join(FACET_FILTERS)
        raise ValidationError({"facets": [f"No facet {name[:60]!r}: the facets are {known}."
                                          for name in unknown]})
    return names


def moment(request, name) -> datetime.datetime | None:
    """An ISO 8601 date (its first instant) or date and time; naive ones are in the site's time zone.

    In UTC: the database compares it, and PostgreSQL refuses offsets past 15:59 that ISO 8601 and
    Python allow; a moment that UTC cannot hold (year 1 or 9999 at an offset) is refused too.
    """
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw) or (parse_date(raw) and datetime.datetime.combine(
            parse_date(raw), datetime.time.min))
    except ValueError:
        value = None
    if not value:
        raise ValidationError({name: ["A date (2024-05-01) or a date and time (2024-05-01T12:00:00Z)."]})
    try:
        return (value if timezone.is_aware(value) else timezone.make_aware(value)).astimezone(datetime.UTC)
    except OverflowError:
        # A moment UTC cannot hold (year 1 or 9999 at an offset) is any date-time the schema allows:
        # it lies before or after every change, so it reads as the first or last moment there is.
        edge = datetime.datetime.min if value.year == 1 else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)


def as_of_day(request) -> datetime.date | None:
    """?as_of=YYYY-MM-DD (the page's rule, parse_as_of): not a date is a bad request (400); a day
    after today is a day the record does not hold yet (404), as the schema says: it cannot say
    "up to today" in JSON Schema, and a client may well ask for the day its clock says."""
    day, error = parse_as_of(request.query_params.get("as_of"))
    if error is None:
        return day
    if _is_date(request.query_params["as_of"]):
        raise NotFound(error)
    raise ValidationError({"as_of": [error]})


def _is_date(raw: str) -> bool:
    try:
        return AS_OF_PATTERN.fullmatch(raw) is not None and bool(datetime.date.fromisoformat(raw))
    except ValueError:
        return False


# -- the schema's description of them -----------------------------------------------------------
# Every refusal above that JSON Schema can say is said here (a bound, a pattern, a format), so a
# client generated from /api/v1/schema/ builds no request the server refuses for its shape; what it
# cannot say (a slug no member has, a stale cursor) is in the parameter's description.

# Any text but NUL (only() refuses it). The \u escape reads alike in JSON Schema's and Python's regexes.
TEXT = {"type": "string", "pattern": r"^[^\u0000]*$"}


def _integer(low, high=INTEGER_MAX):
    return {"type": "integer", "minimum": low, "maximum": high}


# page: at most nine digits (pagination.paginate); a page past the last answers 404.
PAGE_PARAMETERS = [
    OpenApiParameter("page", _integer(1, 999_999_999),
                     description="Page number, from 1 (past the last: 404)."),
    OpenApiParameter("page_size", _integer(1, MAX_PAGE_SIZE),
                     description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."),
]


def _commitment_list_parameters():
    filters = CommitmentFilter.base_filters
    parameters = [OpenApiParameter("q", TEXT, description=str(filters["q"].label))]
    for name, flt in filters.items():
        if name in ("q", "sort"):
            continue
        label = str(flt.label)
        choices = [str(value) for value, _label in flt.extra.get("choices", [])] or None
        if name in ("year_min", "year_max"):
            parameters.append(OpenApiParameter(name, _integer(*YEAR_BOUNDS), description=label))
        elif name in CommitmentFilter.MULTIPLE:
            kind = _integer(1) if name == "lead_institution" else OpenApiTypes.STR if choices else TEXT
            # drf-spectacular makes an array of a named type (many=True), not of a schema given whole:
            # that one is given as the array itself (many=True beside it is a warning of check --deploy).
            given_whole = isinstance(kind, dict)
            kind = {"type": "array", "items": kind} if given_whole else kind
            known = "" if choices else " Its values: /api/v1/docs/; one no row has answers 404."
            parameters.append(OpenApiParameter(
                name, kind, many=not given_whole, explode=True, enum=choices,
                description=f"{label}; repeat it for several (any of them).{known}"))
        else:
            parameters.append(OpenApiParameter(name, OpenApiTypes.STR, enum=choices, description=label))
    return [
        *parameters,
        OpenApiParameter("ordering", OpenApiTypes.STR, enum=[value for value, _label in SORT_CHOICES],
                         description="The order (default: relevance with q, identifier without); "
                         "not used with a cursor, which walks in identifier order."),
        # Comma separated (OpenAPI's form style, not exploded): ?facets=member,completion.
        OpenApiParameter("facets", OpenApiTypes.STR, many=True, explode=False, enum=list(FACET_FILTERS),
                         description="Facets to count, comma separated."),
        *PAGE_PARAMETERS,
        OpenApiParameter("cursor", TEXT, description="Walk every match, in identifier order (`ordering` "
                         "and `page` do not apply): empty to start, then follow `next` (a cursor the "
                         "API did not give: 404)."),
    ]


COMMITMENT_LIST_PARAMETERS = _commitment_list_parameters()
# The list's filters whose values are rows (a member's slug, an institution's id): the schema lists
# no values for them, so one no row has is a 404 (check_filters), not a malformed request.
ROW_FILTERS = frozenset(name for name, flt in CommitmentFilter.base_filters.items()
                        if name in CommitmentFilter.MULTIPLE and not flt.extra.get("choices"))

AS_OF_PARAMETERS = [OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="The commitment as it stood at the end of this day (YYYY-MM-DD, "
    "up to today: a later day answers 404). The record holds days from `history_begins` (the day it was "
    "first recorded here) on: a day before answers 404, whose `detail` names that first day with the "
    "address of it and whose `errors.as_of` gives the days that can be asked.")]

CHANGE_LIST_PARAMETERS = [
    OpenApiParameter("since", {"anyOf": [{"type": "string", "format": "date-time"},
                                         {"type": "string", "format": "date"}]},
                     description="Only changes after this moment (ISO 8601: 2024-05-01 or "
                     "2024-05-01T12:00:00Z; a date or a time without offset is in the site's time zone)."),
    OpenApiParameter("member", TEXT, description="One member's changes (its slug; one no member has: "
                     "404)."),
    OpenApiParameter("cursor", TEXT, description="Where the page starts: leave it out for the first, then "
                     "follow `next` (it keeps `since` and `member`; a cursor the API did not give: "
                     "404)."),
]

# A row's number in a path (/reports/12/): what an id column holds; 0 and beyond are never one (404).
ID_PARAMETERS = [OpenApiParameter("id", _integer(1), OpenApiParameter.PATH)]

REPORT_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    OpenApiParameter("member", TEXT, description="One member's reports (its slug)."),
    OpenApiParameter("action_plan", TEXT, description="One plan's reports (its OGP id)."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=IRMReport.Kind.values),
]


def _may_be_empty(parameter) -> bool:
    """Whether the schema lets this parameter be empty: free text, or a comma-separated list (empty:
    none)."""
    if parameter.explode is False:
        return True
    schema = parameter.type
    schema = schema.get("items", schema) if isinstance(schema, dict) else schema
    return schema in (TEXT, OpenApiTypes.STR) and not parameter.enum


NOT_EMPTY = frozenset(parameter.name for parameter in (
    *COMMITMENT_LIST_PARAMETERS, *AS_OF_PARAMETERS, *CHANGE_LIST_PARAMETERS, *REPORT_LIST_PARAMETERS)
    if not _may_be_empty(parameter))
