"""Due dates as data (issue 15.2): the overdue rule, the list's `overdue` filter and its count, the date
met, the rescheduling history and the commitment page's flags."""

import datetime
from unittest import mock

import pytest
from django.http import QueryDict

from commitments import facets
from commitments.filters import CommitmentFilter
from commitments.models import ActionPlan, Commitment, Milestone
from reviews.scales import Completion
from tests.commitments.factories import CommitmentFactory, MilestoneFactory
from tests.html_forms import form_data

DAY = datetime.date(2026, 3, 10)
EDIT_URL = "/commitments/CL0050/edit/"


def on(day):
    """The site's today is `day` for everything that asks django.utils.timezone.localdate()."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


@pytest.fixture
def dated(db):
    """Milestones around DAY: late, due on the day, due in 30 and 90 days, late but complete, undated."""
    late = MilestoneFactory(end_date=DAY - datetime.timedelta(days=1), status=Completion.LIMITED)
    due_today = MilestoneFactory(end_date=DAY, status=Completion.NOT_STARTED)
    soon = MilestoneFactory(end_date=DAY + datetime.timedelta(days=30), status=Completion.SUBSTANTIAL)
    later = MilestoneFactory(end_date=DAY + datetime.timedelta(days=90), status=Completion.LIMITED)
    done = MilestoneFactory(end_date=DAY - datetime.timedelta(days=200), status=Completion.COMPLETE)
    undated = MilestoneFactory(end_date=None, status=Completion.NOT_STARTED)
    return {"late": late, "due_today": due_today, "soon": soon, "later": later, "done": done,
            "undated": undated}


def names(dated, queryset):
    return sorted(name for name, milestone in dated.items() if milestone in set(queryset))


def test_overdue_is_end_date_passed_and_not_complete(dated):
    assert names(dated, Milestone.objects.overdue(DAY)) == ["late"]
    # A day later the milestone due on DAY is late too.
    assert names(dated, Milestone.objects.overdue(DAY + datetime.timedelta(days=1))) == ["due_today", "late"]


def test_due_within_counts_from_today_to_the_last_day_not_complete(dated):
    assert names(dated, Milestone.objects.due_within(DAY, 60)) == ["due_today", "soon"]
    assert names(dated, Milestone.objects.due_within(DAY, 30)) == ["due_today", "soon"]
    assert names(dated, Milestone.objects.due_within(DAY, 29)) == ["due_today"]


def test_with_overdue_annotates_the_same_rule(dated):
    flagged = {m.pk for m in Milestone.objects.with_overdue(DAY) if m.overdue}
    assert flagged == {dated["late"].pk}


def test_commitments_with_an_overdue_milestone(dated):
    assert list(Commitment.objects.with_overdue_milestone(DAY)) == [dated["late"].commitment]


@pytest.mark.parametrize("write", ["create", "move the date", "complete", "reopen", "delete", "move away"])
def test_the_stored_first_open_end_date_follows_every_milestone_write(dated, write):
    """with_overdue_milestone reads a stored date: after each kind of milestone write it gives, on every
    day around DAY, the commitments that have a milestone overdue by the rule itself."""
    commitment = dated["soon"].commitment
    milestone = dated["soon"]
    if write == "create":
        MilestoneFactory(commitment=commitment, end_date=DAY - datetime.timedelta(days=5))
    elif write == "move the date":
        milestone.end_date = DAY - datetime.timedelta(days=3)
        milestone.save()
    elif write == "complete":
        dated["late"].status = Completion.COMPLETE
        dated["late"].save()
    elif write == "reopen":
        dated["done"].status = Completion.LIMITED
        dated["done"].save()
    elif write == "delete":
        dated["late"].delete()
    else:  # a milestone moved to another commitment (the admin may): both are refreshed
        dated["late"].commitment = commitment
        dated["late"].save()
    for offset in (-300, -200, -2, -1, 0, 1, 31, 91):
        day = DAY + datetime.timedelta(days=offset)
        by_rule = set(Milestone.objects.overdue(day).values_list("commitment", flat=True))
        stored = Commitment.objects.with_overdue_milestone(day).values_list("pk", flat=True)
        assert set(stored) == by_rule, day


def _facet(filterset, name):
    return next(facet for _legend, group in facets.facets(filterset).groups for facet in group
                if getattr(facet, "name", None) == name)


def test_list_overdue_filter_and_its_count_follow_the_day(client, dated):
    # A second overdue milestone on the same commitment: the commitment counts once.
    MilestoneFactory(commitment=dated["late"].commitment, end_date=DAY - datetime.timedelta(days=5))
    with on(DAY):
        response = client.get("/commitments/", {"overdue": "true"})
        page = response.content.decode()
        unfiltered = CommitmentFilter(QueryDict(""), today=DAY)
        assert [(c.value, c.count) for c in _facet(unfiltered, "overdue").choices] == [("true", 1)]
    assert response.status_code == 200
    assert dated["late"].commitment.identifier in page
    assert dated["due_today"].commitment.identifier not in page
    assert 'name="overdue" value="true" checked> Yes <span class="count">(1)</span>' in page
    # The next day the cached count of DAY is not served: the milestone due on DAY is late too.
    tomorrow = DAY + datetime.timedelta(days=1)
    with on(tomorrow):
        response = client.get("/commitments/", {"overdue": "true"})
    page = response.content.decode()
    assert dated["due_today"].commitment.identifier in page
    assert 'name="overdue" value="true" checked> Yes <span class="count">(2)</span>' in page


def test_overdue_count_respects_the_other_filters(dated):
    other = dated["late"].commitment
    member = other.action_plan.member.slug
    filterset = CommitmentFilter(QueryDict(f"member={member}"), today=DAY)
    assert [c.count for c in _facet(filterset, "overdue").choices] == [1]
    elsewhere = CommitmentFilter(QueryDict(f"member={dated['soon'].commitment.action_plan.member.slug}"),
                                 today=DAY)
    assert [c.count for c in _facet(elsewhere, "overdue").choices] == [0]


def test_carried_forward_is_a_facet_with_its_count(client, chile):
    response = client.get("/commitments/", {"carried_forward": "no"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "CL0050" in page and "CL0051" not in page
    expected = Commitment.objects.filter(carried_forward="no").count()
    assert f'name="carried_forward" value="no" checked> No <span class="count">({expected})</span>' in page


def test_unknown_overdue_value_is_reported_not_an_error(client, dated):
    response = client.get("/commitments/", {"overdue": "maybe"})
    assert response.status_code == 200
    assert "“maybe” is not a valid value for “Overdue milestone”" in response.content.decode()


# The commitment page -----------------------------------------------------------------------------

def test_commitment_page_flags_overdue_milestones_with_the_date(client, chile):
    Milestone.objects.filter(commitment__identifier="CL0050", order__in=[1, 4]).update(
        end_date=datetime.date(2026, 3, 1))
    with on(DAY):
        page = client.get("/commitments/CL0050/").content.decode()
        spanish = client.get("/commitments/CL0050/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # Milestone 1 is complete: never overdue.
    assert page.count("Overdue: due March 1, 2026") == 1
    assert '<strong class="overdue-flag">' in page
    assert "Atrasado: vencía el 1 de marzo de 2026" in spanish


def test_plan_and_member_pages_flag_the_rows_with_an_overdue_milestone(client, dated):
    plan = dated["late"].commitment.action_plan
    on_time = CommitmentFactory(action_plan=plan)
    MilestoneFactory(commitment=on_time, end_date=DAY + datetime.timedelta(days=3))
    with on(DAY):
        plan_page = client.get(plan.get_absolute_url()).content.decode()
        member_page = client.get(plan.member.get_absolute_url()).content.decode()
    for page in (plan_page, member_page):
        assert page.count('<strong class="overdue-flag">Overdue milestone</strong>') == 1
        flagged = page.index("overdue-flag")
        assert page.rfind(dated["late"].commitment.identifier, 0, flagged) > page.rfind(on_time.identifier, 0,
                                                                                          flagged)


def _edit(client, changes, note_for=None):
    data = form_data(client.get(EDIT_URL).content.decode(), "commitment-edit-form")
    for (order, name), value in changes.items():
        data[_key(order, name)] = value
    for order in note_for or {order for order, _name in changes}:
        data[_key(order, "note")] = "Rescheduled by the ministry"
    return client.post(EDIT_URL, data)


def _key(order, name):
    return f"milestone-{Milestone.objects.get(commitment__identifier='CL0050', order=order).pk}-{name}"


@pytest.fixture
def staff(client, chile_staff):
    client.force_login(chile_staff)
    return client


def test_completed_on_is_set_when_complete_and_cleared_when_not(staff):
    # Today is offered only while the plan runs (services.with_completion): CL0050's plan made current.
    ActionPlan.objects.filter(commitments__identifier="CL0050").update(submission_year=DAY.year - 1,
                                                                      end_year=DAY.year + 1)
    with on(DAY):
        assert _edit(staff, {(4, "status"): Completion.COMPLETE}).status_code == 302
    milestone = Milestone.objects.get(commitment__identifier="CL0050", order=4)
    assert milestone.completed_on == DAY
    # Editable: the editor corrects the day it was met.
    with on(DAY):
        assert _edit(staff, {(4, "completed_on"): "2026-03-02"}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on == datetime.date(2026, 3, 2)
    with on(DAY):
        assert _edit(staff, {(4, "status"): Completion.SUBSTANTIAL}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_completed_on_in_the_future_is_refused(staff):
    with on(DAY):
        response = _edit(staff, {(4, "status"): Completion.COMPLETE, (4, "completed_on"): "2026-03-11"})
    assert response.status_code == 400
    assert "The date met cannot be later than today." in response.content.decode()
    assert Milestone.objects.get(commitment__identifier="CL0050", order=4).status == Completion.LIMITED


def test_rescheduling_is_said_in_the_history_and_counted_on_the_page(staff):
    assert _edit(staff, {(4, "end_date"): "2020-06-30"}).status_code == 302  # set: not a rescheduling
    assert _edit(staff, {(4, "end_date"): "2020-07-31"}).status_code == 302
    assert _edit(staff, {(4, "end_date"): "2021-03-31"}).status_code == 302
    assert _edit(staff, {(2, "end_date"): "2019-01-31"}).status_code == 302
    page = staff.get("/commitments/CL0050/").content.decode()
    spanish = staff.get("/commitments/CL0050/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "End date moved from June 30, 2020 to July 31, 2020" in page
    assert "End date moved from July 31, 2020 to March 31, 2021" in page
    assert "Fecha de término movida del 30 de junio de 2020 al 31 de julio de 2020" in spanish
    assert page.count('<span class="milestone-rescheduled">End date moved 2 times</span>') == 1
    assert page.count('class="milestone-rescheduled"') == 1  # milestone 2's date was set, not moved
    assert "Fecha de término movida 2 veces" in spanish
    feed = staff.get("/commitments/CL0050/feed/").content.decode()
    assert "End date moved from July 31, 2020 to March 31, 2021" in feed


def test_commitment_page_query_count_stays_as_milestones_and_moves_grow(client, db,
                                                                       django_assert_max_num_queries):
    def commitment_with(count):
        commitment = CommitmentFactory()
        for order in range(1, count + 1):
            milestone = MilestoneFactory(commitment=commitment, order=order, end_date=DAY)
            for months in (1, 2):  # two reschedulings each, recorded in the history
                milestone.end_date = DAY + datetime.timedelta(days=30 * months)
                milestone.save()
        return commitment

    small, large = commitment_with(1), commitment_with(12)
    with on(DAY + datetime.timedelta(days=365)):
        with django_assert_max_num_queries(14) as small_queries:
            assert client.get(small.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(14) as large_queries:
            response = client.get(large.get_absolute_url())
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)
    page = response.content.decode()
    assert page.count("End date moved 2 times") == 12
    assert page.count('class="overdue-flag"') == 12
