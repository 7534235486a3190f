"""Issue 13.7, session 6: a save recounts only the facets whose inputs it changed, and every count
served stays exact: after each kind of write, each list and facet page served (from its cache where
its inputs did not change) is the very page a fresh count gives."""

import dataclasses
import datetime
import re

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.filters import CommitmentFilter
from commitments.freshness import columns, versions
from commitments.models import Commitment, Institution, Milestone, PolicyArea
from reviews.models import Assessment, IRMReport
from tests.caches import clear_caches
from tests.commitments.writes import (
    a_commitment,
    complete_a_milestone,
    flip_starred,
    flip_status,
    rate_an_assessment,
    save,
)

WORD = "transparencia"
STATES = ["/commitments/", "/commitments/?completion=limited&completion=complete",
          "/commitments/?status=active&completion=ND",
          f"/commitments/?q={WORD}&starred=false", "/commitments/facets/lead_institution/?status=inactive",
          f"/commitments/facets/member/?q={WORD}", "/commitments/?overdue=true",
          "/commitments/?status=active&progress_disagrees=true", "/commitments/facets/overdue/"]


def pages(client):
    """Each state's page, its facets served as the cache holds them."""
    served = {}
    for url in STATES:
        response = client.get(url)
        assert response.status_code == 200, url
        # The language form's CSRF token differs on every page; the rest must not.
        served[url] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return served










def rate_complete():
    # A stored rating written by a save (a stale copy writes its value back): the column moves.
    save(a_commitment(), end_of_term_completion="complete")


def retitle_keeping_the_matches():
    commitment = a_commitment()
    save(commitment, title=commitment.title + " (corrected)")


def retitle_changing_the_matches():
    commitment = Commitment.objects.exclude(search_text__contains=WORD).order_by("identifier").first()
    save(commitment, title=f"{commitment.title} {WORD}")


def change_lead_institution():
    commitment = a_commitment()
    other = Institution.objects.exclude(pk=commitment.lead_institution_id).order_by("pk").first()
    save(commitment, lead_institution=other)




def make_a_milestone_overdue():
    milestones = Milestone.objects.filter(commitment=a_commitment()).exclude(status="complete")
    milestone = milestones.order_by("pk").first()
    milestone.end_date = datetime.date(2000, 1, 1)
    milestone.save()


def delete_a_milestone():
    Milestone.objects.filter(commitment=a_commitment()).order_by("pk").last().delete()




def move_a_report():
    # A report's kind decides whether its completion is the mid-term or the final one.
    report = IRMReport.objects.filter(assessments__commitment=a_commitment()).order_by("pk").first()
    kinds = [kind for kind in IRMReport.MID_TERM_KINDS + IRMReport.END_OF_TERM_KINDS
             if not IRMReport.objects.filter(action_plan=report.action_plan, kind=kind).exists()]
    report.kind = kinds[0]
    report.save()


def delete_an_assessment():
    Assessment.objects.filter(commitment=a_commitment()).order_by("pk").first().delete()


def add_a_policy_area():
    area = PolicyArea.objects.exclude(commitments=a_commitment()).order_by("pk").first()
    a_commitment().policy_areas.add(area)


def delete_a_commitment():
    Commitment.objects.filter(search_text__contains=WORD).order_by("identifier").first().delete()


def save_without_changes():
    save(a_commitment())


def counted_versions():
    """The versions the facets' counts are kept under: all but the record token, which every save
    moves (the exports' version, commitments/freshness/exports.py)."""
    return dataclasses.replace(versions.versions(), record_token="")


WRITES = [flip_status, flip_starred, rate_complete, retitle_keeping_the_matches, retitle_changing_the_matches,
          change_lead_institution, complete_a_milestone, make_a_milestone_overdue, delete_a_milestone,
          rate_an_assessment, move_a_report, delete_an_assessment, add_a_policy_area, delete_a_commitment,
          save_without_changes]


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_every_page_served_after_a_write_is_the_page_a_fresh_count_gives(client, chile, write):
    before = pages(client)
    assert f"({Commitment.objects.filter(status='active').count()})" in before["/commitments/"]
    version = counted_versions()
    write()
    assert (counted_versions() == version) == (write is save_without_changes)
    served = pages(client)
    clear_caches()
    fresh = pages(client)
    for url in STATES:
        assert served[url] == fresh[url], url


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_a_status_save_recounts_the_status_facet_alone(client, chile, django_assert_max_num_queries):
    cold = queries(client, "/commitments/")
    # Page 2: the same facets, warm, in a page not yet rendered (a rendered one is served whole
    # from the cache, views/listing.py ListPage, without reading the facets).
    warm = queries(client, "/commitments/?page=2")
    flip_status()
    with django_assert_max_num_queries(len(warm) + 1):
        after = queries(client, "/commitments/?page=2")
    recounted = [sql for sql in after if sql not in warm]
    assert len(recounted) == 1 and "status" in recounted[0] and len(cold) > len(after)


@pytest.mark.django_db
def test_a_milestone_save_recounts_only_the_facets_reading_milestones(client, chile,
                                                                       django_assert_max_num_queries):
    queries(client, "/commitments/")
    # Page 2: the facets warm, in a page not yet rendered (as in the status test above).
    warm = queries(client, "/commitments/?page=2")
    complete_a_milestone()
    # Every facet of the unfiltered list but "overdue" and "progress disagrees" is served as counted.
    with django_assert_max_num_queries(len(warm) + 2):
        after = queries(client, "/commitments/?page=2")
    recounted = [sql for sql in after if sql not in warm]
    assert 1 <= len(recounted) <= 2, recounted
    assert all("milestones_" in sql or "first_open_end_date" in sql for sql in recounted), recounted


@pytest.mark.django_db
def test_a_title_save_keeps_a_search_whose_matches_stay(client, chile, django_assert_max_num_queries):
    url = f"/commitments/?q={WORD}"
    queries(client, url)
    # Another sort: the same facets, warm, in a page not yet rendered (a rendered one is served
    # whole from the cache, views/listing.py ListPage, without reading the facets).
    warm = queries(client, f"{url}&sort=title")
    retitle_keeping_the_matches()
    # One query reads the search's matches again: the same ids, so no facet is counted again.
    with django_assert_max_num_queries(len(warm) + 1):
        queries(client, f"{url}&sort=title")
    retitle_changing_the_matches()
    assert len(queries(client, url)) > len(warm) + 5  # other matches: every facet counted again


@pytest.mark.django_db
def test_a_save_of_nothing_counted_moves_no_version(chile):
    counted, version = counted_versions(), versions.data_version()
    save_without_changes()
    assert counted_versions() == counted and versions.data_version() != version  # the exports' token only
    version = versions.data_version()
    flip_status()
    moved = versions.data_version()
    assert moved != version and moved.split(".")[:2] == version.split(".")[:2]  # the status's token only


def test_every_filter_says_what_it_reads():
    """Derived from the FilterSet's declarations: every filter but the sort, each reading groups
    that exist; a filter on a relation reads through the commitment's own foreign key."""
    assert set(columns.FILTER_INPUTS) == set(CommitmentFilter.base_filters) - columns.NOT_COUNTED
    assert all(set(groups) <= set(columns.COLUMN_GROUPS) for groups in columns.FILTER_INPUTS.values())
    assert columns.FILTER_INPUTS["member"] == columns.FILTER_INPUTS["year_min"] == ("action_plan",)
    assert columns.FILTER_INPUTS["completion"] == ("end_of_term_completion",)
    assert columns.FILTER_INPUTS["overdue"] == ("milestones",)
    # A filter not known reads every column, as far as the cache knows: exact by default.
    assert columns.inputs(["not-listed"]) == sorted(columns.COLUMN_GROUPS)


def test_a_filter_on_a_column_no_group_declares_is_refused():
    """A new filter on a column the groups do not cover would leave its counts stale after a save
    of that column: refused when the inputs are derived (at import for CommitmentFilter)."""

    class ByTitle(CommitmentFilter):
        title = django_filters.CharFilter()

    with pytest.raises(columns.UndeclaredColumn, match="'title'"):
        columns.filter_inputs(ByTitle)


def test_a_method_filter_must_say_what_it_reads():
    class ByMethod(CommitmentFilter):
        mine = django_filters.CharFilter(method="filter_search")

    with pytest.raises(columns.UndeclaredColumn, match="'mine'"):
        columns.filter_inputs(ByMethod)
