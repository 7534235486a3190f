"""Values stored on each commitment but derived from other rows, and how each is computed.

A list of 100,000 commitments cannot filter, sort and count by a subquery per row, so these are
computed when the data changes and stored on the commitment:
- its IRM ratings (the rules of reviews/ratings.py), from its assessments and their reports;
- its milestone counts (the rule of commitments/progress.py), from its milestones;
- its search text (commitments/search.py), from its own texts and its institutions' names.

When they are recomputed is freshness/saves.py's table (RECEIVERS), and bulk_write() for the
writers that send no signals.
"""

from django.db.models import Prefetch, QuerySet

from reviews.models import Assessment
from reviews.ratings import expressions as rating_expressions

from . import progress, search
from .models import Commitment, Institution, Milestone, first_open_end_date_expression

# Commitments per statement, so a long list of ids stays within SQLite's limit on parameters.
BATCH = 500


def commitment_ids(commitments) -> list:
    """Sorted distinct ids from a queryset of commitments, or an iterable of commitments or ids."""
    if isinstance(commitments, QuerySet):
        commitments = commitments.order_by().values_list("pk", flat=True)
    return sorted({getattr(item, "pk", item) for item in commitments} - {None})


def batches(items, size=BATCH):
    """The items in lists of at most `size`."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _update(commitment_model, commitments, expressions: dict) -> None:
    """Set these expressions on these commitments (None: on all of them), one UPDATE a batch."""
    if commitments is None:
        commitment_model.objects.update(**expressions)
        return
    for batch in batches(commitment_ids(commitments)):
        commitment_model.objects.filter(pk__in=batch).update(**expressions)


# The three stored values ---------------------------------------------------------------------

def refresh_ratings(commitments=None, *, commitment_model=Commitment, assessment_model=Assessment) -> None:
    """Recompute the stored IRM ratings (None: of every commitment; a migration passes its models)."""
    _update(commitment_model, commitments, rating_expressions(assessment_model=assessment_model))


def refresh_milestone_counts(commitments=None, *, commitment_model=Commitment,
                             milestone_model=Milestone) -> None:
    """Recompute the stored milestone counts and the first open end date (None: of every commitment;
    a migration passes its models)."""
    _update(commitment_model, commitments, {
        **progress.milestone_count_expressions(milestone_model),
        "first_open_end_date": first_open_end_date_expression(milestone_model)})


def refresh_search_text(commitments) -> int:
    """(Re)compute the search text of a queryset, or an iterable of commitments or ids.

    Writes with bulk_update, so neither updated_at, nor the version, nor history change: the
    search text is derived data. Returns how many commitments changed.
    """
    changed = 0
    for ids in batches(commitment_ids(commitments)):
        batch = (Commitment.objects.filter(pk__in=ids)
                 .select_related("lead_institution")
                 .prefetch_related(Prefetch("supporting_institutions",
                                            queryset=Institution.objects.only("name")))
                 .only("search_text", "lead_institution__name", *search.SEARCHED_FIELDS))
        stale = []
        for commitment in batch:
            text = search.build_search_text(commitment, institution_names(commitment))
            if text != commitment.search_text:
                commitment.search_text = text
                stale.append(commitment)
        Commitment.objects.bulk_update(stale, ["search_text"])
        changed += len(stale)
    return changed


def institution_names(commitment) -> list[str]:
    """The lead and supporting institutions' names (prefetched, or read from the database)."""
    names = []
    if commitment.lead_institution_id:
        # loaddata may save a commitment before its institution (a dangling id until then):
        # the institution's own save refreshes the commitment (see the receivers).
        try:
            lead = commitment.lead_institution
        except Institution.DoesNotExist:
            lead = None
        if lead is not None:
            names.append(lead.name)
    if commitment.pk:
        names.extend(institution.name for institution in commitment.supporting_institutions.all())
    return names
