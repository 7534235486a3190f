"""A known data set for the staff dashboard and the bulk update, dated relative to today.

Two members: Aland (served by `aland_staff`) and Borduria. Aland's current plan has one overdue
milestone, one complete milestone whose end date passed (not overdue), one due in 30 days and one
in 90; a second Aland commitment has not changed for 200 days; a second plan ends in 100 days.
Borduria has an overdue milestone that Aland's staff must never see, and an ended plan with no
final report (the IRM's work).
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.models import Commitment
from commitments.permissions import REVIEWERS_GROUP
from commitments.services import staff_membership_grant
from reviews.models import IRMReport
from reviews.scales import Completion
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory, MilestoneFactory

PASSWORD = "a-long-test-password-41"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@dataclass
class DeskData:
    aland: object
    borduria: object
    current: object  # Aland's commitment with the four milestones
    quiet: object  # Aland's commitment unchanged for 200 days
    ending_plan: object
    borduria_commitment: object
    ended_plan: object


def make_desk_data() -> DeskData:
    aland = MemberFactory(name="Aland", slug="aland")
    borduria = MemberFactory(name="Borduria", slug="borduria")
    far = days(300)
    plan = ActionPlanFactory(member=aland, submission_year=far.year - 2, end_year=far.year)
    current = CommitmentFactory(identifier="AL0001", action_plan=plan, title="Open budgets", end_date=far)
    MilestoneFactory(commitment=current, order=1, text="Publish the budget data", end_date=days(-10),
                     status=Completion.LIMITED)
    MilestoneFactory(commitment=current, order=2, text="Hold the hearings", end_date=days(-5),
                     status=Completion.COMPLETE)
    MilestoneFactory(commitment=current, order=3, text="Train the officials", end_date=days(30),
                     status=Completion.NOT_STARTED)
    MilestoneFactory(commitment=current, order=4, text="Evaluate", end_date=days(90),
                     status=Completion.NOT_STARTED)
    quiet = CommitmentFactory(identifier="AL0002", action_plan=plan, title="Open contracts", end_date=far)
    Commitment.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - datetime.timedelta(days=200))
    soon = days(100)
    ending_plan = ActionPlanFactory(member=aland, submission_year=soon.year - 2, end_year=soon.year,
                                    title="Aland Action Plan ending soon")
    CommitmentFactory(identifier="AL0003", action_plan=ending_plan, title="Open procurement", end_date=soon)
    other_plan = ActionPlanFactory(member=borduria, submission_year=far.year - 2, end_year=far.year)
    borduria_commitment = CommitmentFactory(identifier="BO0001", action_plan=other_plan,
                                            title="Borduria's own", end_date=far)
    MilestoneFactory(commitment=borduria_commitment, order=1, text="Borduria's late step", end_date=days(-3),
                     status=Completion.NOT_STARTED)
    past = timezone.localdate().year - 3
    ended_plan = ActionPlanFactory(member=borduria, submission_year=past - 2, end_year=past,
                                   title="Borduria Action Plan ended")
    CommitmentFactory(identifier="BO0002", action_plan=ended_plan, end_date=datetime.date(past, 6, 30))
    reported_plan = ActionPlanFactory(member=borduria, submission_year=past - 2, end_year=past,
                                      title="Borduria Action Plan reported")
    CommitmentFactory(identifier="BO0003", action_plan=reported_plan, end_date=datetime.date(past, 6, 30))
    IRMReport.objects.create(action_plan=reported_plan, kind=IRMReport.Kind.END_OF_TERM,
                             title="Borduria End-of-Term Report", publication_year=past + 1)
    return DeskData(aland, borduria, current, quiet, ending_plan, borduria_commitment, ended_plan)


def staff_of(django_user_model, member, username):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD)
    staff_membership_grant(user=user, member=member)
    return user


def reviewer(django_user_model):
    user = django_user_model.objects.create_user("irm", "irm@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return user
