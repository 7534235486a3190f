"""What /api/v1/docs/ shows, read from the code it documents: the filters and their values, the
facets, the IRM's scales with their missing-value codes, the page sizes and the anonymous limit.
Nothing is written twice, so the page cannot drift from what the API does."""

from rest_framework.settings import api_settings

from commitments.facets import FACET_FILTERS
from commitments.filters import SORT_CHOICES, YEAR_BOUNDS, CommitmentFilter
from reviews.scales import (
    MISSING_CODES,
    ChangeInCompletion,
    Completion,
    EarlyResults,
    OpenGovernment,
    PotentialForResults,
    PotentialImpact,
    Specificity,
    YesNo,
)

from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

SCALES = (Completion, PotentialImpact, PotentialForResults, OpenGovernment, ChangeInCompletion, EarlyResults,
          Specificity, YesNo)
# What the values of the filters whose choices come from the database are.
MODEL_VALUES = {"member": "slug", "action_plan": "ogp_id", "policy_area": "slug", "lead_institution": "id"}


def filters() -> list[dict]:
    result = []
    for name, flt in CommitmentFilter.base_filters.items():
        if name == "sort":
            continue
        result.append({
            "name": name, "label": flt.label, "several": name in CommitmentFilter.MULTIPLE,
            "choices": list(flt.extra.get("choices", [])), "model_value": MODEL_VALUES.get(name, ""),
            "year": name in ("year_min", "year_max"),
        })
    return result


def context(request) -> dict:
    base = request.build_absolute_uri("/api/v1/")
    return {
        "base": base,
        "filters": filters(),
        "facet_names": FACET_FILTERS,
        "sort_choices": SORT_CHOICES,
        "year_bounds": YEAR_BOUNDS,
        "scales": [{"name": scale.__name__,
                    "choices": [(member.value, member.label, member.value in MISSING_CODES)
                                for member in scale]}
                   for scale in SCALES],
        "default_page_size": DEFAULT_PAGE_SIZE,
        "max_page_size": MAX_PAGE_SIZE,
        "anonymous_rate": api_settings.DEFAULT_THROTTLE_RATES["anon"],
    }

