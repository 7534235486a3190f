"""The commitments app's rules that the database holds."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from commitments.models import ActionPlan, Commitment, Milestone
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def test_duplicate_commitment_identifier_is_refused():
    CommitmentFactory(identifier="CL0050")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory(identifier="CL0050")
    assert Commitment.objects.filter(identifier="CL0050").count() == 1


def test_duplicate_action_plan_number_for_one_member_is_refused():
    plan = ActionPlanFactory(number=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlanFactory(member=plan.member, number=3)
    assert ActionPlan.objects.filter(member=plan.member).count() == 1


def test_same_plan_number_for_two_members_is_allowed():
    ActionPlanFactory(number=1)
    ActionPlanFactory(number=1)
    assert ActionPlan.objects.filter(number=1).count() == 2


def test_duplicate_action_plan_ogp_id_is_refused():
    ActionPlanFactory(ogp_id="AP_CHL03")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlanFactory(ogp_id="AP_CHL03")


def test_action_plan_ending_before_submission_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlanFactory(submission_year=2018, end_year=2016)


def test_commitment_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory(start_date=datetime.date(2018, 6, 1), end_date=datetime.date(2016, 9, 1))


def test_commitment_with_only_a_written_date_is_kept_as_written():
    commitment = CommitmentFactory(start_date=None, start_date_text="Sept 2018")
    commitment.refresh_from_db()
    assert commitment.start_date is None
    assert commitment.start_date_text == "Sept 2018"


def test_duplicate_milestone_order_in_one_commitment_is_refused():
    milestone = MilestoneFactory(order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneFactory(commitment=milestone.commitment, order=1)
    assert Milestone.objects.filter(commitment=milestone.commitment).count() == 1


def test_milestone_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneFactory(start_date=datetime.date(2017, 1, 1), end_date=datetime.date(2016, 1, 1))


def test_milestones_come_in_their_order():
    commitment = CommitmentFactory()
    for order in (3, 1, 2):
        MilestoneFactory(commitment=commitment, order=order)
    assert [m.order for m in commitment.milestones.all()] == [1, 2, 3]


def test_deleting_an_action_plan_with_commitments_is_refused():
    commitment = CommitmentFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        commitment.action_plan.delete()
