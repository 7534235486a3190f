"""What a save or a delete does beyond its own row, in one table: RECEIVERS.

Every write through Django (the services, the admin, loaddata, a history restore, the shell) sends
Django's signals; RECEIVERS gives, for each model and signal, the named steps one receiver runs, in
order. Every step runs inside the write's own transaction (the services, the admin and
Collector.delete are atomic), so what it stores and the versions it moves commit, or roll back, with
the data. docs/architecture.md shows the same table.

The steps keep three kinds of things current:
- the values stored on each commitment but derived from other rows (commitments/stored.py computes
  them): its IRM ratings, its milestone counts, its search text;
- the data version's tokens (versions.invalidate), which key the cached counts, pages and exports:
  a commitment's save moves only the tokens of what it changed (columns.COLUMN_GROUPS, the text);
- the history's author, note and links (commitments/history.py).

Bulk writes (bulk_create, bulk_update, QuerySet.update) send no signals: every bulk writer runs in
bulk_write(), which refreshes what it says it wrote and moves every token on the way out, whatever
it forgot to say (tests/test_architecture.py: a module that writes in bulk uses bulk_write).
"""

from contextlib import contextmanager

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from simple_history.signals import pre_create_historical_record

from reviews.models import Assessment, IRMReport

from .. import history, search, stored
from ..models import (
    STORED_RATING_FIELDS,
    ActionPlan,
    Commitment,
    Institution,
    Member,
    Milestone,
    PolicyArea,
    Source,
    institution_key,
)
from .columns import COLUMN_GROUPS, COUNTED_FIELDS
from .versions import invalidate

# The commitment fields whose text is searched, and the one whose institution's name is.
_SEARCH_SOURCES = frozenset(search.SEARCHED_FIELDS) | {"lead_institution"}


# Steps: the values stored on commitments ---------------------------------------------------------

def remember_commitment_left(instance, raw, **signal):
    """pre_save of a milestone or an assessment: the commitment it belonged to, so that moving it
    refreshes the one it left too."""
    if instance.pk and not raw:
        instance._previous_commitment_id = (type(instance)._default_manager.filter(pk=instance.pk)
                                            .values_list("commitment_id", flat=True).first())


def _concerned(instance) -> set:
    """The ids of the commitment a row belongs to and of the one it left, if it moved."""
    return {instance.commitment_id, getattr(instance, "_previous_commitment_id", None)} - {None}


def milestone_counts(instance, **signal):
    """A milestone saved or deleted: its commitment's stored counts and first open end date.
    Also on raw saves: loaddata writes milestones after their commitments."""
    stored.refresh_milestone_counts(_concerned(instance))


def ratings(instance, **signal):
    """An assessment saved or deleted: its commitment's stored IRM ratings. Also on raw saves:
    loaddata writes assessments after the commitments they rate."""
    stored.refresh_ratings(_concerned(instance))


def report_ratings(instance, created, **signal):
    """A report's kind or year decides which report is the latest: its commitments may change.
    (A report's delete deletes its assessments, whose own steps refresh.)"""
    if not created:
        stored.refresh_ratings(list(Assessment.objects.filter(report=instance)
                                    .values_list("commitment_id", flat=True)))


def fill_search_text(instance, update_fields, **signal):
    """pre_save of a commitment: the search text computed before the row is written, so the save
    stores it. Also on raw saves (loaddata): the supporting institutions follow through
    m2m_changed, and an institution loaded after its commitments refreshes them when it is saved."""
    if update_fields is None:
        instance.search_text = search.build_search_text(instance, stored.institution_names(instance))


def search_text_of_fields_saved(instance, update_fields, **signal):
    """save(update_fields=[...]) does not write a text computed in pre_save: stored here."""
    if update_fields is not None and _SEARCH_SOURCES & set(update_fields):
        stored.refresh_search_text([instance.pk])


def supporting_search_text(instance, action, reverse, pk_set, **signal):
    """A commitment's supporting institutions changed: the search text of the commitments concerned."""
    if not reverse:
        if action in history.LINKS_WRITTEN:
            stored.refresh_search_text([instance.pk])
    elif action == "pre_clear":
        instance._search_refresh_pks = list(instance.supported_commitments.values_list("pk", flat=True))
    elif action == "post_clear":
        stored.refresh_search_text(getattr(instance, "_search_refresh_pks", []))
    elif action in ("post_add", "post_remove"):
        stored.refresh_search_text(pk_set or [])


def _commitments_of(institution):
    return Commitment.objects.filter(Q(lead_institution=institution) | Q(supporting_institutions=institution))


def fill_name_key(instance, **signal):
    """pre_save of an institution (loaddata's too): its name's key, which the database keeps unique
    (models.institution_key: one institution, one name)."""
    instance.name_key = institution_key(instance.name)


def institution_search_text(instance, created, raw, **signal):
    """An institution saved: the search text of its commitments (a new one is nobody's yet, unless
    loaddata saved its commitments first)."""
    if raw or not created:
        stored.refresh_search_text(_commitments_of(instance))


def remember_institution_commitments(instance, **signal):
    """pre_delete of an institution: its commitments, whose search text its delete changes."""
    instance._search_refresh_pks = list(_commitments_of(instance).values_list("pk", flat=True))


def institution_deleted_search_text(instance, **signal):
    stored.refresh_search_text(getattr(instance, "_search_refresh_pks", []))


# Steps: the data version's tokens --------------------------------------------------------------

def remember_counted_columns(instance, raw, **signal):
    """pre_save of a commitment: its counted columns and search text as the database holds them
    before the save (None for a new one, or a raw save)."""
    instance._counted_before = None
    if instance.pk and not raw:
        instance._counted_before = (Commitment.objects.filter(pk=instance.pk)
                                    .values(*COUNTED_FIELDS, "search_text").first())


def commitment_tokens(instance, update_fields, **signal):
    """A commitment saved: the tokens of the column groups it changed, and the text's if its search
    text changed; always the record token (a date or the description saved moves that alone, which
    keeps every count and makes the kept pages and exports stale). Why not every token:
    docs/decisions.md, "Counts per part" (bench case "list, unfiltered" after a status save)."""
    before = getattr(instance, "_counted_before", None)
    if before is None:  # a new commitment, or one whose row was not there: every count may move
        invalidate()
        return
    changed = [group for group, fields in COLUMN_GROUPS.items()
               if any(before[field] != getattr(instance, field) for field in fields)]
    if update_fields is None:  # fill_search_text computed the text the save wrote
        text = before["search_text"] != instance.search_text
    else:  # written by search_text_of_fields_saved, after this instance's attributes were read
        text = bool((_SEARCH_SOURCES | {"search_text"}) & set(update_fields))
    invalidate(columns=changed, text=text)


def milestones_token(**signal):
    """A milestone saved or deleted: the "milestones" group's token alone; two filters read
    milestones, `overdue` and `progress_disagrees`, through that group (docs/decisions.md, "A
    milestone's token"; bench case "list, unfiltered", right after a milestone save)."""
    invalidate(columns=["milestones"], text=False)


def ratings_tokens(**signal):
    """An assessment or a report saved or deleted: no filter reads them, only the ratings stored on
    the commitment (just refreshed), so their groups' tokens move, not the main one."""
    invalidate(columns=list(STORED_RATING_FIELDS), text=False)


def every_token(**signal):
    """A row the filters read beside the commitment's own (plans, members, institutions, policy
    areas) or a commitment deleted: every count, page and export becomes stale."""
    invalidate()


def record_token(**signal):
    """A source saved or deleted: no count, page or export shows it, but the commitment's history
    does, and the API's Last-Modified follows the version (versions.last_changed)."""
    invalidate(columns=[], text=False)


def every_token_after_links(action, **signal):
    """A commitment's links (supporting institutions, policy areas) written: every token."""
    if action in history.LINKS_WRITTEN:
        invalidate()


# The table ---------------------------------------------------------------------------------------

_SUPPORTING = Commitment.supporting_institutions.through
_POLICY_AREAS = Commitment.policy_areas.through

# (signal, sender, the steps its one receiver runs, in order). Also every model's history record
# (simple_history's own receivers, connected with the models, write it before these run).
RECEIVERS = (
    (pre_save, Commitment, (fill_search_text, remember_counted_columns)),
    (post_save, Commitment, (search_text_of_fields_saved, commitment_tokens, history.mark_loaded)),
    (post_delete, Commitment, (every_token,)),
    (m2m_changed, _SUPPORTING, (supporting_search_text, every_token_after_links, history.links_changed)),
    (m2m_changed, _POLICY_AREAS, (every_token_after_links, history.links_changed)),
    (pre_save, Milestone, (remember_commitment_left,)),
    (post_save, Milestone, (milestone_counts, milestones_token)),
    (post_delete, Milestone, (milestone_counts, milestones_token)),
    (pre_save, Assessment, (remember_commitment_left,)),
    (post_save, Assessment, (ratings, ratings_tokens)),
    (post_delete, Assessment, (ratings, ratings_tokens)),
    (post_save, IRMReport, (report_ratings, ratings_tokens)),
    (post_delete, IRMReport, (ratings_tokens,)),
    (pre_save, Institution, (fill_name_key,)),
    (post_save, Institution, (institution_search_text, every_token)),
    (pre_delete, Institution, (remember_institution_commitments,)),
    (post_delete, Institution, (institution_deleted_search_text, every_token)),
    *((signal, model, (every_token,)) for model in (ActionPlan, Member, PolicyArea)
      for signal in (post_save, post_delete)),
    (post_save, Source, (record_token,)),
    (post_delete, Source, (record_token,)),
    (pre_create_historical_record, Commitment.history.model, (history.record_author, history.record_links)),
    (pre_create_historical_record, Milestone.history.model, (history.record_author,)),
    (pre_create_historical_record, Source.history.model, (history.record_author,)),
)


_SIGNAL_NAMES = {pre_save: "pre_save", post_save: "post_save", pre_delete: "pre_delete",
                 post_delete: "post_delete", m2m_changed: "m2m_changed",
                 pre_create_historical_record: "pre_create_historical_record"}


def table() -> list[tuple[str, str, str]]:
    """RECEIVERS in words, (sender, signal, steps), as docs/architecture.md shows it."""
    def named(step):
        module = step.__module__.rpartition(".")[2]
        return step.__name__ if step.__module__ == __name__ else f"{module}.{step.__name__}"
    return [(sender.__name__, _SIGNAL_NAMES[signal], ", ".join(named(step) for step in steps))
            for signal, sender, steps in RECEIVERS]


def _receiver(steps):
    def receive(sender, **signal):
        for step in steps:
            step(sender=sender, **signal)
    return receive


def connect() -> None:
    """Connect one receiver per row of RECEIVERS (called from the app's ready())."""
    for position, (signal, sender, steps) in enumerate(RECEIVERS):
        # weak=False: the receiver is made here and referenced nowhere else.
        signal.connect(_receiver(steps), sender=sender, weak=False, dispatch_uid=f"freshness:{position}")


# Bulk writes -------------------------------------------------------------------------------------

class Written:
    """What a bulk writer says it wrote: the commitments whose stored values to recompute."""

    def __init__(self):
        self._scopes = []
        self.search_texts_changed = 0  # set on the way out of bulk_write()

    def commitments(self, commitments=None, *, ratings=True, milestone_counts=True, search_text=True):
        """These commitments (a queryset, commitments or ids; None: every one) need these values
        recomputed."""
        self._scopes.append((commitments, ratings, milestone_counts, search_text))

    def _refresh(self):
        for commitments, ratings, milestone_counts, search_text in self._scopes:
            if ratings:
                stored.refresh_ratings(commitments)
            if milestone_counts:
                stored.refresh_milestone_counts(commitments)
            if search_text:
                self.search_texts_changed += stored.refresh_search_text(
                    Commitment.objects.all() if commitments is None else commitments)


@contextmanager
def bulk_write():
    """The one entry point of every writer that sends no signals (the importer, the demo data, a
    refresh after writes outside Django): its writes in one transaction, then, in the same one,
    the stored values of what it named (Written.commitments) and every token moved."""
    written = Written()
    with transaction.atomic():
        yield written
        written._refresh()
        invalidate()
