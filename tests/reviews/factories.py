"""factory_boy factories for the reviews app."""

import factory

from reviews.models import Assessment, IRMReport
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory


class IRMReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IRMReport

    action_plan = factory.SubFactory(ActionPlanFactory)
    kind = IRMReport.Kind.END_OF_TERM
    publication_year = 2019
    title = factory.LazyAttribute(lambda o: f"{o.action_plan.title}: {o.kind}")
    researcher = "IRM researcher"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    commitment = factory.SubFactory(CommitmentFactory)
    report = factory.SubFactory(IRMReportFactory,
                                action_plan=factory.SelfAttribute("..commitment.action_plan"))
