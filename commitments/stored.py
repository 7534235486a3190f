"""Values stored on each commitment but derived from other rows, and everything that keeps them current.

A list of 100,000 commitments cannot filter, sort and count by a subquery per row, so these are
computed when the data changes and stored on the commitment:
- its IRM ratings (the rules of reviews/ratings.py), from its assessments and their reports;
- its milestone counts (the rule of commitments/progress.py), from its milestones;
- its search text (commitments/search.py), from its own texts and its institutions' names;
and, beside them, the data version that keys the list's cached facet counts and the cached exports
(commitments/facets.py, ogp/export_cache.py), a row in the database that each write moves in its
own transaction: every save or delete of a row an export shows moves at least its record token.

Saves and deletes through Django keep them current through the receivers below, connected by
connect() from the app's ready(). Bulk writes send no signals: their callers (the importer, the
demo data generator, `manage.py refresh_stored_values`) call refresh() themselves.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from reviews.models import Assessment, IRMReport
from reviews.ratings import expressions as rating_expressions

from . import facets, progress, search
from .models import (
    ActionPlan,
    Commitment,
    Institution,
    Member,
    Milestone,
    PolicyArea,
)

# Commitments per statement, so a long list of ids stays within SQLite's limit on parameters.
BATCH = 500
# The commitment fields whose text is searched, and the one whose institution's name is.
_SEARCH_SOURCES = frozenset(search.SEARCHED_FIELDS) | {"lead_institution"}


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
    """Recompute the stored milestone counts (None: of every commitment; a migration passes its models)."""
    _update(commitment_model, commitments, progress.milestone_count_expressions(milestone_model))


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


def refresh(commitments=None, *, ratings=True, milestone_counts=True, search_text=True) -> int:
    """For bulk writers: recompute what is stored on these commitments (None: on all of them) and
    make the list's cached counts stale. Returns how many search texts changed."""
    changed = 0
    if ratings:
        refresh_ratings(commitments)
    if milestone_counts:
        refresh_milestone_counts(commitments)
    if search_text:
        changed = refresh_search_text(Commitment.objects.all() if commitments is None else commitments)
    facets.invalidate()
    return changed


# Receivers ----------------------------------------------------------------------------------------

def _remember_commitment(sender, instance, raw, **kwargs):
    """pre_save of a milestone or an assessment: keep the commitment it belonged to, so that moving
    it refreshes the one it left too."""
    if instance.pk and not raw:
        instance._previous_commitment_id = (sender._default_manager.filter(pk=instance.pk)
                                            .values_list("commitment_id", flat=True).first())


def _concerned(instance) -> set:
    """The ids of the commitment a saved row belongs to and of the one it left, if it moved."""
    return {instance.commitment_id, getattr(instance, "_previous_commitment_id", None)} - {None}


def _milestone_saved(sender, instance, raw, **kwargs):
    # Also on raw saves: loaddata writes milestones after their commitments.
    refresh_milestone_counts(_concerned(instance))


def _milestone_deleted(sender, instance, **kwargs):
    refresh_milestone_counts([instance.commitment_id])


def _assessment_saved(sender, instance, raw, **kwargs):
    # Also on raw saves: loaddata writes assessments after the commitments they rate.
    refresh_ratings(_concerned(instance))


def _assessment_deleted(sender, instance, **kwargs):
    refresh_ratings([instance.commitment_id])


def _report_saved(sender, instance, created, **kwargs):
    # A report's kind or year decides which report is the latest: its commitments may change.
    # (A report's delete deletes its assessments, whose receivers refresh.)
    if not created:
        rated = Assessment.objects.filter(report=instance).values_list("commitment_id", flat=True)
        refresh_ratings(list(rated))


def _fill_search_text(sender, instance, raw, update_fields, **kwargs):
    """pre_save of a commitment: the text computed before the row is written, so the save stores it.

    Also on raw saves (loaddata): the supporting institutions follow through m2m_changed, and an
    institution loaded after its commitments refreshes them when it is saved.
    """
    if update_fields is None:
        instance.search_text = search.build_search_text(instance, institution_names(instance))


def _commitment_saved_in_part(sender, instance, raw, update_fields, **kwargs):
    # save(update_fields=[...]) would not write a text computed in pre_save.
    if update_fields is not None and _SEARCH_SOURCES & set(update_fields):
        refresh_search_text([instance.pk])


def _supporting_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            refresh_search_text([instance.pk])
    elif action == "pre_clear":
        instance._search_refresh_pks = list(instance.supported_commitments.values_list("pk", flat=True))
    elif action == "post_clear":
        refresh_search_text(getattr(instance, "_search_refresh_pks", []))
    elif action in ("post_add", "post_remove"):
        refresh_search_text(pk_set or [])


def _commitments_of(institution):
    return Commitment.objects.filter(Q(lead_institution=institution) | Q(supporting_institutions=institution))


def _institution_saved(sender, instance, created, raw, **kwargs):
    # A new institution is nobody's yet, unless loaddata saved its commitments first.
    if raw or not created:
        refresh_search_text(_commitments_of(instance))


def _institution_deleting(sender, instance, **kwargs):
    instance._search_refresh_pks = list(_commitments_of(instance).values_list("pk", flat=True))


def _institution_deleted(sender, instance, **kwargs):
    refresh_search_text(getattr(instance, "_search_refresh_pks", []))


def _data_changed(**kwargs):
    # post_save and post_delete run inside the write's transaction (the services, the admin and
    # Collector.delete are atomic): the version moves, or rolls back, with the data.
    facets.invalidate()


# The columns of a commitment the facets and the filters read, but text search (its search text):
# a save compares them before and after and moves only the versions of the groups that changed
# (facets.COLUMN_GROUPS), so the cached counts that read none of them stay, exact. A title saved
# moves only the text's version; a status saved, only the status's: the next list page counts the
# status facet again, not the others (bench/RESULTS.md, "Issue 13.7, session 6").
_COUNTED_FIELDS = tuple(field for fields in facets.COLUMN_GROUPS.values() for field in fields)


def _remember_counted(sender, instance, raw, **kwargs):
    """pre_save of a commitment: its counted columns and search text as the database holds them
    before the save (None for a new one, or a raw save)."""
    instance._counted_before = None
    if instance.pk and not raw:
        instance._counted_before = (Commitment.objects.filter(pk=instance.pk)
                                    .values(*_COUNTED_FIELDS, "search_text").first())


def _commitment_changed(sender, instance, update_fields, **kwargs):
    before = getattr(instance, "_counted_before", None)
    if before is None:  # a new commitment, or one whose row was not there: every count may move
        facets.invalidate()
        return
    changed = [group for group, fields in facets.COLUMN_GROUPS.items()
               if any(before[field] != getattr(instance, field) for field in fields)]
    if update_fields is None:  # _fill_search_text computed the text the save wrote
        text = before["search_text"] != instance.search_text
    else:  # written by _commitment_saved_in_part, after this instance's attributes were read
        text = bool((_SEARCH_SOURCES | {"search_text"}) & set(update_fields))
    # Always: with nothing counted or searched changed (a date, the description, ogp_extra saved),
    # this moves the record token alone, which the cached exports are kept under.
    facets.invalidate(columns=changed, text=text)


# Rows the facets count (milestones: the "progress disagrees" facet counts them).
_COUNTED_MODELS = (Commitment, Milestone, Assessment, IRMReport, ActionPlan, Member, Institution, PolicyArea)


def connect() -> None:
    """Connect every receiver above (called from the app's ready())."""
    for model in (Milestone, Assessment):
        pre_save.connect(_remember_commitment, sender=model, dispatch_uid=f"stored_remember_{model.__name__}")
    post_save.connect(_milestone_saved, sender=Milestone, dispatch_uid="stored_milestone_save")
    post_delete.connect(_milestone_deleted, sender=Milestone, dispatch_uid="stored_milestone_delete")
    post_save.connect(_assessment_saved, sender=Assessment, dispatch_uid="stored_assessment_save")
    post_delete.connect(_assessment_deleted, sender=Assessment, dispatch_uid="stored_assessment_delete")
    post_save.connect(_report_saved, sender=IRMReport, dispatch_uid="stored_report_save")
    pre_save.connect(_fill_search_text, sender=Commitment, dispatch_uid="stored_search_pre_save")
    post_save.connect(_commitment_saved_in_part, sender=Commitment, dispatch_uid="stored_search_post_save")
    m2m_changed.connect(_supporting_changed, sender=Commitment.supporting_institutions.through,
                        dispatch_uid="stored_search_supporting")
    post_save.connect(_institution_saved, sender=Institution, dispatch_uid="stored_search_institution_save")
    pre_delete.connect(_institution_deleting, sender=Institution,
                       dispatch_uid="stored_search_institution_pre_delete")
    post_delete.connect(_institution_deleted, sender=Institution,
                        dispatch_uid="stored_search_institution_delete")
    # Any write to what the facets count makes the cached counts stale.
    pre_save.connect(_remember_counted, sender=Commitment, dispatch_uid="stored_facets_remember")
    post_save.connect(_commitment_changed, sender=Commitment, dispatch_uid="stored_facets_save_Commitment")
    for model in _COUNTED_MODELS:
        name = model.__name__
        if model is Commitment:  # a delete always; a save as _commitment_changed says
            post_delete.connect(_data_changed, sender=model, dispatch_uid=f"stored_facets_delete_{name}")
            continue
        post_save.connect(_data_changed, sender=model, dispatch_uid=f"stored_facets_save_{name}")
        post_delete.connect(_data_changed, sender=model, dispatch_uid=f"stored_facets_delete_{name}")
    for through in (Commitment.policy_areas.through, Commitment.supporting_institutions.through):
        name = through.__name__
        m2m_changed.connect(_data_changed, sender=through, dispatch_uid=f"stored_facets_m2m_{name}")
