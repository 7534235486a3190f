"""IRM reports, assessments and their scales."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.models import Assessment, IRMReport
from reviews.scales import NA, ND, NR, Completion, OpenGovernment, YesNo
from tests.commitments.factories import CommitmentFactory
from tests.reviews.factories import AssessmentFactory, IRMReportFactory

pytestmark = pytest.mark.django_db


def test_second_assessment_of_a_commitment_in_one_report_is_refused():
    assessment = AssessmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(report=assessment.report, commitment=assessment.commitment)
    assert Assessment.objects.count() == 1


def test_second_report_of_one_kind_for_a_plan_is_refused():
    report = IRMReportFactory(kind=IRMReport.Kind.PROGRESS)
    with pytest.raises(IntegrityError), transaction.atomic():
        IRMReportFactory(action_plan=report.action_plan, kind=IRMReport.Kind.PROGRESS)


def test_unrated_scales_default_to_no_data_not_an_empty_string():
    assessment = AssessmentFactory()
    assessment.refresh_from_db()
    assert assessment.completion == ND
    assert assessment.did_it_open_government == ND
    assert assessment.starred == ND


def test_no_data_is_distinct_from_every_rating_and_from_the_other_codes():
    commitment = CommitmentFactory()
    for kind, completion in [(IRMReport.Kind.PROGRESS, ND), (IRMReport.Kind.END_OF_TERM, NR),
                             (IRMReport.Kind.RESULTS, Completion.LIMITED)]:
        report = IRMReportFactory(action_plan=commitment.action_plan, kind=kind)
        AssessmentFactory(commitment=commitment, report=report, completion=completion)

    assert Assessment.objects.filter(completion=ND).count() == 1
    assert Assessment.objects.filter(completion=NR).count() == 1
    assert Assessment.objects.filter(completion=Completion.LIMITED).count() == 1
    assert Assessment.objects.filter(completion__in=[c.value for c in Completion.ratings()]).count() == 1
    assert not Completion.is_rating(ND)
    assert Completion.is_rating(Completion.LIMITED)
    assert len({ND, NR, NA}) == 3


def test_an_unknown_value_fails_validation():
    assessment = AssessmentFactory()
    assessment.completion = "mostly"
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "completion" in error.value.message_dict


def test_a_report_on_another_plan_fails_validation():
    assessment = AssessmentFactory()
    assessment.report = IRMReportFactory()
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "report" in error.value.message_dict


@pytest.mark.parametrize(
    ("scale", "spelling", "value"),
    [
        (Completion, "Not Started", Completion.NOT_STARTED),
        (Completion, "Substantial", Completion.SUBSTANTIAL),
        (Completion, "ND", ND),
        (Completion, "NA", NA),
        (OpenGovernment, "Significativamente", OpenGovernment.MAJOR),
        (OpenGovernment, "Not Applicable", OpenGovernment.NOT_APPLICABLE),
        (OpenGovernment, "NA", NA),
        (YesNo, "1", YesNo.YES),
        (YesNo, "No", YesNo.NO),
    ],
)
def test_ogp_export_spellings_read_as_their_value(scale, spelling, value):
    assert scale.from_ogp_spelling(spelling) == value


def test_an_unknown_export_spelling_is_an_error():
    with pytest.raises(ValueError):
        Completion.from_ogp_spelling("Mostly done")


def test_values_are_written_back_as_the_export_spells_them():
    assert Completion.ogp_spelling(Completion.NOT_STARTED) == "Not Started"
    assert OpenGovernment.ogp_spelling(OpenGovernment.DID_NOT_CHANGE) == "Did Not Change"
    assert Completion.ogp_spelling(NR) == "NR"
