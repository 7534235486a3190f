"""Values stored on each commitment but derived from other rows (its IRM ratings, its milestone
counts, its search text): how a set of commitments is named and rewritten in batches, and how a
write to a row that belongs to a commitment finds the commitments it concerns."""

from django.db.models import QuerySet

# Commitments per statement, so a long list of ids stays within SQLite's limit on parameters.
BATCH = 500


def commitment_ids(commitments) -> list:
    """Sorted distinct ids from a queryset of commitments, or an iterable of commitments or ids."""
    if isinstance(commitments, QuerySet):
        commitments = commitments.order_by().values_list("pk", flat=True)
    return sorted({getattr(item, "pk", item) for item in commitments} - {None})


def batches(ids):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def update(commitment_model, commitments, expressions: dict) -> None:
    """Set these expressions on these commitments (None: on all of them) with one UPDATE a batch.

    `commitment_model` is Commitment, or its historical version in a migration."""
    if commitments is None:
        commitment_model.objects.update(**expressions)
        return
    for batch in batches(commitment_ids(commitments)):
        commitment_model.objects.filter(pk__in=batch).update(**expressions)


def remember_commitment(sender, instance, raw, **kwargs):
    """pre_save receiver for a row that belongs to a commitment (a milestone, an assessment): keep
    the commitment it belonged to, so that moving it refreshes the one it left too."""
    if instance.pk and not raw:
        instance._previous_commitment_id = (sender._default_manager.filter(pk=instance.pk)
                                            .values_list("commitment_id", flat=True).first())


def concerned_commitments(instance) -> set:
    """The ids of the commitment a saved row belongs to and of the one it left, if it moved."""
    return {instance.commitment_id, getattr(instance, "_previous_commitment_id", None)} - {None}
