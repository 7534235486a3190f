"""The API's query strings: which parameters each endpoint takes, checked before anything is read.

The list page forgives (an unknown value is dropped and the page says so); a program is better
told: an unknown parameter, an unknown value or a malformed one answers 400 naming it.
"""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from commitments.facets import FACET_FILTERS
from commitments.feeds import FEED_LENGTH
from commitments.filters import SORT_CHOICES, CommitmentFilter

from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = ["FEED_LENGTH"]

# Parameters every endpoint accepts: DRF's format override (json is the only format).
COMMON = ("format",)
PAGING = ("page", "page_size", "cursor")
# The list's own parameters beside the FilterSet's filters.
LIST_EXTRA = (*PAGING, "ordering", "facets")


def only(request, *names):
    """Refuse (400) any parameter but these, and any value holding NUL: no stored text holds one,
    and PostgreSQL refuses it even in a query's parameter."""
    unknown = sorted(set(request.query_params) - set(names) - set(COMMON))
    if unknown:
        raise ValidationError({name: ["Not a parameter of this endpoint (see /api/v1/docs/)."]
                               for name in unknown})
    with_nul = sorted(name for name, values in request.query_params.lists()
                      if any("\x00" in value for value in values))
    if with_nul:
        raise ValidationError({name: ["A value holds a NUL character."] for name in with_nul})


def filter_data(request):
    """The query string as CommitmentFilter reads it: `ordering` is the list's `sort`."""
    only(request, *CommitmentFilter.base_filters, *LIST_EXTRA)
    data = request.query_params.copy()
    if "ordering" in data:
        data.setlist("sort", data.getlist("ordering"))
        del data["ordering"]
    return data


def check_filters(request, filterset):
    """Refuse (400) values the FilterSet cannot use, and several values for a one-value filter."""
    errors = {}
    for name in filterset.repeated:
        errors[name] = ["Takes one value."]
    for name, values in filterset.unknown_values().items():
        errors.setdefault(name, []).extend(f"Not a valid value: {value[:60]!r}." for value in values)
    if "sort" in errors and "ordering" in request.query_params:
        errors["ordering"] = errors.pop("sort")
    if errors:
        raise ValidationError(errors)


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
        error = "Out of range: in UTC it falls before year 1 or after 9999."
        raise ValidationError({name: [error]}) from None


# -- the schema's description of them -----------------------------------------------------------

PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT,
                     description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."),
]


def _commitment_list_parameters():
    filters = CommitmentFilter.base_filters
    parameters = [OpenApiParameter("q", OpenApiTypes.STR, description=str(filters["q"].label))]
    for name, flt in filters.items():
        if name in ("q", "sort"):
            continue
        label = str(flt.label)
        choices = [str(value) for value, _label in flt.extra.get("choices", [])] or None
        if name in ("year_min", "year_max"):
            parameters.append(OpenApiParameter(name, OpenApiTypes.INT, description=label))
        elif name in CommitmentFilter.MULTIPLE:
            kind = OpenApiTypes.INT if name == "lead_institution" else OpenApiTypes.STR
            parameters.append(OpenApiParameter(name, kind, many=True, explode=True, enum=choices,
                                               description=f"{label}; repeat it for several (any of them)."))
        else:
            parameters.append(OpenApiParameter(name, OpenApiTypes.STR, enum=choices, description=label))
    return [
        *parameters,
        OpenApiParameter("ordering", OpenApiTypes.STR, enum=[value for value, _label in SORT_CHOICES],
                         description="The order (default: relevance with q, identifier without); "
                         "not with a cursor, which walks in identifier order."),
        OpenApiParameter("facets", OpenApiTypes.STR, description="Facets to count, comma separated: "
                         + ", ".join(FACET_FILTERS)),
        *PAGE_PARAMETERS,
        OpenApiParameter("cursor", OpenApiTypes.STR, description="Walk every match: empty to start, then "
                         "follow `next`."),
    ]


COMMITMENT_LIST_PARAMETERS = _commitment_list_parameters()
