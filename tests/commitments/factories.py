"""factory_boy factories for the commitments app."""

import factory
from django.utils.text import slugify

from commitments.models import ActionPlan, Commitment, Institution, Member, Milestone, PolicyArea


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Member {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    code = factory.Sequence(lambda n: f"M{n:02d}")
    region = Member.Region.AMERICAS


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    member = factory.SubFactory(MemberFactory)
    number = factory.Sequence(lambda n: n + 1)
    ogp_id = factory.Sequence(lambda n: f"AP_T{n:05d}")
    submission_year = 2016
    end_year = 2018
    title = factory.LazyAttribute(lambda o: f"{o.member.name} Action Plan {o.submission_year}-{o.end_year}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Ministry {n}")


class PolicyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyArea
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Policy area {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    identifier = factory.Sequence(lambda n: f"TS{n:04d}")
    action_plan = factory.SubFactory(ActionPlanFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Open contracting commitment {n}")
    lead_institution = factory.SubFactory(InstitutionFactory)
    status = Commitment.Status.ACTIVE

    @factory.post_generation
    def policy_areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.policy_areas.set(extracted)

    @factory.post_generation
    def supporting_institutions(self, create, extracted, **kwargs):
        if create and extracted:
            self.supporting_institutions.set(extracted)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    commitment = factory.SubFactory(CommitmentFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Milestone {n}")
