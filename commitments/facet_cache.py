"""Cached facet counts of the commitment list: exact, computed once per filter state and data version.

At 100,000 commitments the facets (how many commitments each choice of each filter would give)
cost one GROUP BY per filter over every row, several of them through the IRM-rating subqueries:
seconds, where the page itself needs milliseconds. The counts change only when the data does,
so they are kept in Django's cache under the filter state (page and sort aside, which do not
change them) and the language (labels are translated), plus a data version that every save or
delete of what the counts read moves on. Bulk writes send no signals: their callers (the importer,
generate_demo_data) call invalidate(); the timeout bounds how stale a missed case can get.
"""

import hashlib
import time

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Seconds a computed set of facets is kept at most, even without any change.
FACET_TIMEOUT = 600
VERSION_KEY = "commitments:facets:version"
# Query parameters that do not change the counts.
NOT_COUNTED = {"page", "sort"}


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


def facet_options(filterset) -> dict:
    """Each filter's <option> elements with their counts, rendered once per filter state and cached.

    Unfiltered, the member, action plan and lead institution filters offer thousands of choices
    between them at 100,000 commitments; rendering them through the template language costs more
    than everything else on the page, so they are rendered here, and only the HTML is cached
    (a string loads from the cache far faster than thousands of objects).
    """
    state = sorted((key, value) for key, value in filterset.url_params() if key not in NOT_COUNTED)
    digest = hashlib.sha256(repr((get_language(), state)).encode()).hexdigest()
    key = f"commitments:facets:{data_version()}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = {name: options_html(choices) for name, choices in filterset.facets().items()}
        cache.set(key, cached, timeout=FACET_TIMEOUT)
    return cached


def options_html(choices) -> str:
    """<option> elements as _list_filters.html wrote them: "label (count)", values and labels escaped."""
    return mark_safe(
        "\n".join(  # noqa: S308 -- every value and label is escaped right here
            f'<option value="{escape(choice.value)}"{" selected" if choice.selected else ""}>'
            f"{escape(choice.label)} ({int(choice.count)})</option>"
            for choice in choices
        )
    )


def connect_signals() -> None:
    """Called from the app's ready(): any write to what the facets count makes them stale."""
    from commitments.models import ActionPlan, Commitment, Institution, Member, PolicyArea
    from reviews.models import Assessment, IRMReport

    for model in (Commitment, Assessment, IRMReport, ActionPlan, Member, Institution, PolicyArea):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"facets_save_{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"facets_delete_{model.__name__}")
    for through in (Commitment.policy_areas.through, Commitment.supporting_institutions.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"facets_m2m_{through.__name__}")
