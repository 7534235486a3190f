"""The admin as secretariat staff use it: list, search, filter, edit with inlines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.scales import Completion
from tests.commitments.factories import CommitmentFactory, InstitutionFactory, PolicyAreaFactory
from tests.html_forms import form_data
from tests.reviews.factories import AssessmentFactory

CHANGELIST = "/admin/commitments/commitment/"


def test_changelist_lists_the_seed_for_staff(chile, staff_client):
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert "CL0050" in response.content.decode()
    assert response.context["cl"].result_count == 62


def test_changelist_refuses_anonymous_users(client, chile):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("query", ["CL0050", "Secretariat of Open Government", "Secretaría General"])
def test_changelist_searches_identifier_title_and_institution(chile, staff_client, query):
    response = staff_client.get(CHANGELIST, {"q": query})
    identifiers = [c.identifier for c in response.context["cl"].result_list]
    assert "CL0050" in identifiers


def test_changelist_searches_supporting_institutions(chile, staff_client):
    response = staff_client.get(CHANGELIST, {"q": "Mesa de Trabajo"})
    assert [c.identifier for c in response.context["cl"].result_list] == ["CL0050"]


def test_changelist_filters_by_end_of_term_completion(chile, staff_client):
    response = staff_client.get(CHANGELIST, {"end_of_term_completion": Completion.SUBSTANTIAL})
    assert [c.identifier for c in response.context["cl"].result_list] == ["CL0050"]


def test_changelist_filters_by_starred_and_policy_area(chile, staff_client):
    from commitments.models import PolicyArea

    starred = staff_client.get(CHANGELIST, {"starred__exact": "1"})
    assert {c.identifier for c in starred.context["cl"].result_list} == {"CL0015", "CL0020", "CL0031"}
    legislature = PolicyArea.objects.get(slug="legislature")
    by_area = staff_client.get(CHANGELIST, {"policy_areas__id__exact": legislature.pk})
    assert [c.identifier for c in by_area.context["cl"].result_list] == ["CL0050"]


def test_changelist_filters_by_member_plan_and_status(chile, staff_client):
    plan = chile.action_plans.get(submission_year=2016)
    response = staff_client.get(CHANGELIST, {"action_plan__member__id__exact": chile.pk,
                                             "action_plan__id__exact": plan.pk,
                                             "status__exact": "inactive"})
    assert response.context["cl"].result_count == 19


def test_change_page_shows_milestones_inline_and_assessments(chile, staff_client):
    from commitments.models import Commitment

    cl0050 = Commitment.objects.get(identifier="CL0050")
    response = staff_client.get(f"/admin/commitments/commitment/{cl0050.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Diseño de la Secretaría Ejecutiva" in body
    assert 'name="milestones-0-status"' in body
    assert "Chile End-of-Term Report 2016-2018" in body
    assert 'name="assessments-1-completion"' in body


def test_staff_edits_a_milestone_status_inline(chile, staff_client):
    from commitments.models import Commitment

    cl0050 = Commitment.objects.get(identifier="CL0050")
    url = f"/admin/commitments/commitment/{cl0050.pk}/change/"
    data = form_data(staff_client.get(url).content.decode(), form_id="commitment_form")
    data["milestones-3-status"] = Completion.COMPLETE
    data["change_note"] = "Second follow-up report published"
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert cl0050.milestones.get(order=4).status == Completion.COMPLETE
    assert cl0050.milestones.count() == 5
    assert cl0050.assessments.count() == 2


def _changelist_queries(client, count):
    plan_commitments = CommitmentFactory.create_batch(
        count, policy_areas=[PolicyAreaFactory(name="Open Data")],
        supporting_institutions=[InstitutionFactory()],
    )
    for commitment in plan_commitments:
        AssessmentFactory(commitment=commitment, completion=Completion.LIMITED)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelist_query_count_is_the_same_for_10_and_200_commitments(
        staff_client, django_assert_max_num_queries):
    with_10 = _changelist_queries(staff_client, 10)
    from commitments.models import Commitment

    Commitment.objects.all().delete()
    with_200 = _changelist_queries(staff_client, 200)
    assert with_200 == with_10
    with django_assert_max_num_queries(with_10):
        staff_client.get(CHANGELIST)


@pytest.mark.parametrize("field", ["lead_institution", "supporting_institutions", "action_plan"])
@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "../../etc/passwd", "%00"])
def test_a_posted_id_that_is_not_an_id_gives_a_form_error_not_a_500(chile, admin_client, field, value):
    from commitments.models import Commitment

    cl0050 = Commitment.objects.get(identifier="CL0050")
    url = f"/admin/commitments/commitment/{cl0050.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), form_id="commitment_form")
    data[field] = value
    data["change_note"] = "Checking the institutions"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    cl0050.refresh_from_db()
    assert cl0050.lead_institution.name == "Ministerio Secretaría General de la Presidencia"
