"""The milestone counts stored on each commitment always equal progress.py's rule counted afresh."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from commitments.models import Commitment, Milestone
from commitments.stored import refresh_milestone_counts
from reviews.scales import Completion
from tests.commitments.factories import CommitmentFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def counts(commitment):
    return tuple(Commitment.objects.filter(pk=commitment.pk)
                 .values_list("milestones_counted", "milestones_complete").get())


def assert_stored_counts_are_fresh():
    counted = ~Q(milestones__status=Completion.WITHDRAWN) & Q(milestones__isnull=False)
    fresh = Commitment.objects.annotate(
        fresh_counted=Count("milestones", filter=counted),
        fresh_complete=Count("milestones", filter=counted & Q(milestones__status=Completion.COMPLETE)))
    rows = list(fresh.values_list("identifier", "milestones_counted", "milestones_complete",
                                  "fresh_counted", "fresh_complete"))
    assert rows
    for identifier, stored_counted, stored_complete, fresh_counted, fresh_complete in rows:
        assert (stored_counted, stored_complete) == (fresh_counted, fresh_complete), identifier


def test_milestone_writes_keep_the_counts():
    commitment, other = CommitmentFactory(), CommitmentFactory()
    first = MilestoneFactory(commitment=commitment, status=Completion.COMPLETE)
    MilestoneFactory(commitment=commitment, status=Completion.LIMITED)
    withdrawn = MilestoneFactory(commitment=commitment, status=Completion.WITHDRAWN)
    assert counts(commitment) == (2, 1)

    withdrawn.status = Completion.COMPLETE
    withdrawn.save()
    assert counts(commitment) == (3, 2)

    first.commitment = other
    first.save()
    assert (counts(commitment), counts(other)) == ((2, 1), (1, 1))

    first.delete()
    assert counts(other) == (0, 0)


def test_the_seed_and_demo_data_store_their_counts(chile):
    call_command("generate_demo_data", commitments=40, stdout=StringIO())

    assert counts(Commitment.objects.get(identifier="CL0050"))[0] == 5
    assert Milestone.objects.count() > 100
    assert_stored_counts_are_fresh()


def test_refresh_repairs_counts_written_around_the_signals():
    call_command("generate_demo_data", commitments=20, stdout=StringIO())
    Commitment.objects.update(milestones_counted=99, milestones_complete=42)

    refresh_milestone_counts()

    assert_stored_counts_are_fresh()
