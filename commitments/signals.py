"""Keep Commitment.search_text current whenever a commitment, its institutions or their names change,
and Commitment's stored milestone counts whenever a milestone does.

Bulk writes (QuerySet.update, bulk_create, bulk_update) send no signals: their callers (the
importer) call search.refresh_search_text afterwards (and progress.refresh_milestone_counts).
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import stored
from .models import Commitment, Institution, Milestone
from .progress import refresh_milestone_counts
from .search import SEARCHED_FIELDS, build_search_text, institution_names, refresh_search_text

_SOURCE_FIELDS = frozenset(SEARCHED_FIELDS) | {"lead_institution"}


@receiver(pre_save, sender=Commitment, dispatch_uid="commitment_search_text_pre_save")
def fill_search_text(sender, instance, raw, update_fields, **kwargs):
    """Compute the text before the row is written, so the save itself stores it.

    Also on raw saves (loaddata): the supporting institutions follow through m2m_changed, and an
    institution loaded after its commitments refreshes them when it is saved.
    """
    if update_fields is None:
        instance.search_text = build_search_text(instance, institution_names(instance))


@receiver(post_save, sender=Commitment, dispatch_uid="commitment_search_text_post_save")
def refresh_after_partial_save(sender, instance, raw, update_fields, **kwargs):
    # save(update_fields=[...]) would not write a text computed in pre_save.
    if update_fields is not None and _SOURCE_FIELDS & set(update_fields):
        refresh_search_text([instance.pk])


@receiver(m2m_changed, sender=Commitment.supporting_institutions.through,
          dispatch_uid="commitment_search_text_supporting")
def refresh_after_supporting_change(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            refresh_search_text([instance.pk])
    elif action == "pre_clear":
        instance._search_refresh_pks = list(instance.supported_commitments.values_list("pk", flat=True))
    elif action == "post_clear":
        refresh_search_text(getattr(instance, "_search_refresh_pks", []))
    elif action in ("post_add", "post_remove"):
        refresh_search_text(pk_set or [])


@receiver(post_save, sender=Institution, dispatch_uid="institution_search_text_post_save")
def refresh_after_institution_save(sender, instance, created, raw, **kwargs):
    # A new institution is nobody's yet, unless loaddata saved its commitments first.
    if raw or not created:
        refresh_search_text(_commitments_of(instance))


@receiver(pre_delete, sender=Institution, dispatch_uid="institution_search_text_pre_delete")
def remember_supported_commitments(sender, instance, **kwargs):
    instance._search_refresh_pks = list(_commitments_of(instance).values_list("pk", flat=True))


@receiver(post_delete, sender=Institution, dispatch_uid="institution_search_text_post_delete")
def refresh_after_institution_delete(sender, instance, **kwargs):
    refresh_search_text(getattr(instance, "_search_refresh_pks", []))


def _commitments_of(institution):
    return Commitment.objects.filter(Q(lead_institution=institution) | Q(supporting_institutions=institution))


# Stored milestone counts (progress.py) ---------------------------------------------------------

# A milestone moved to another commitment recounts the one it left too.
pre_save.connect(stored.remember_commitment, sender=Milestone, dispatch_uid="milestone_counts_pre_save")


@receiver(post_save, sender=Milestone, dispatch_uid="milestone_counts_post_save")
def recount_after_milestone_save(sender, instance, raw, **kwargs):
    # Also on raw saves: loaddata writes milestones after their commitments.
    refresh_milestone_counts(stored.concerned_commitments(instance))


@receiver(post_delete, sender=Milestone, dispatch_uid="milestone_counts_post_delete")
def recount_after_milestone_delete(sender, instance, **kwargs):
    refresh_milestone_counts([instance.commitment_id])
