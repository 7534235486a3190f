"""The IRM ratings each commitment carries for lists, filters and summaries, and how they stay current.

A list of 100,000 commitments filtered, sorted and counted by completion cannot look up each
commitment's latest report in a subquery per row (seconds per facet). So the rule
(reviews.models.latest_assessment_value) is applied when the data changes, and its results are
stored on the commitment: the fields of STORED_RATINGS, NULL when no report qualifies. Every
save or delete of an assessment or a report refreshes the commitments it concerns (receivers
below); bulk writers (the importer, generate_demo_data) call refresh() themselves.
"""

from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save, pre_save

from commitments import stored
from commitments.models import Commitment

from .models import Assessment, IRMReport, first_assessment_value, latest_assessment_value

# Commitment field -> (assessment field, report kinds: None for any, whether it is a design rating).
# Each finding comes from the report of the stage where the IRM makes it: completion at mid-term
# from the latest mid-term report; completion at end of term and "did it open government?" from
# the latest end-of-term (or results) report; the design ratings from the earliest report that
# rated the design (the IRM rates design first, in the progress report or action plan review;
# later reports restate it), or when none did, the earliest report's own code (ND, NR, NA).
STORED_RATINGS = {
    "irm_midterm_completion": ("completion", IRMReport.MID_TERM_KINDS, False),
    "irm_completion": ("completion", IRMReport.END_OF_TERM_KINDS, False),
    "irm_potential_impact": ("potential_impact", None, True),
    "irm_potential_for_results": ("potential_for_results", None, True),
    "irm_open_government": ("did_it_open_government", IRMReport.END_OF_TERM_KINDS, False),
}


def rating_expressions(assessment_model=Assessment) -> dict:
    """Each stored rating's correlated subquery (a migration passes its historical model)."""
    expressions = {}
    for field, (source, kinds, design) in STORED_RATINGS.items():
        if design:
            expressions[field] = Coalesce(
                first_assessment_value(source, kinds=kinds, rated_only=True, model=assessment_model),
                first_assessment_value(source, kinds=kinds, model=assessment_model))
        else:
            expressions[field] = latest_assessment_value(source, kinds=kinds, model=assessment_model)
    return expressions


def refresh(commitments=None, commitment_model=Commitment, assessment_model=Assessment) -> None:
    """Recompute the stored ratings of these commitments (ids, or a queryset of commitments; None:
    all of them)."""
    stored.update(commitment_model, commitments, rating_expressions(assessment_model))


# Receivers --------------------------------------------------------------------------------------

def _assessment_saved(sender, instance, raw, **kwargs):
    # Also on raw saves: loaddata writes assessments after the commitments they rate.
    refresh(stored.concerned_commitments(instance))


def _assessment_deleted(sender, instance, **kwargs):
    refresh([instance.commitment_id])


def _report_saved(sender, instance, created, **kwargs):
    # A report's kind or year decides which report is the latest: its commitments may change.
    if not created:
        refresh(list(Assessment.objects.filter(report=instance).values_list("commitment_id", flat=True)))


def connect_signals() -> None:
    """Called from the app's ready(). A report's delete deletes its assessments, which refresh."""
    pre_save.connect(stored.remember_commitment, sender=Assessment,
                     dispatch_uid="ratings_assessment_pre_save")
    post_save.connect(_assessment_saved, sender=Assessment, dispatch_uid="ratings_assessment_save")
    post_delete.connect(_assessment_deleted, sender=Assessment, dispatch_uid="ratings_assessment_delete")
    post_save.connect(_report_saved, sender=IRMReport, dispatch_uid="ratings_report_save")
