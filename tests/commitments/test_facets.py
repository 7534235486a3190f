"""The list's facet counts are cached per filter state and recounted once the data changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from commitments.search import search
from commitments.services import commitment_save


def status_counts(response):
    """The status facet as the page shows it, e.g. {'active': '61', 'inactive': '1'}."""
    html = response.content.decode()
    return dict(re.findall(r'name="status" value="(active|inactive)"[^>]*>[^(]*\((\d+)\)', html))


def get(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/commitments/?{query}")
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_the_same_filters_are_counted_once(client, chile):
    first, cold = get(client, "status=active")
    again, warm = get(client, "status=active&sort=title&page=2")
    assert status_counts(again) == status_counts(first)
    assert status_counts(first)
    # The facet queries (one per filter) are skipped; the page's own queries remain.
    assert warm < cold - 5


@pytest.mark.django_db
def test_a_save_makes_the_counts_current(client, chile):
    before, _ = get(client)
    commitment = Commitment.objects.get(identifier="CL0050")
    commitment.status = (Commitment.Status.INACTIVE if commitment.status == Commitment.Status.ACTIVE
                         else Commitment.Status.ACTIVE)
    commitment.save()
    after, _ = get(client)
    assert status_counts(after) != status_counts(before)
    total = sum(map(int, status_counts(after).values()))
    assert total == Commitment.objects.count()


@pytest.mark.django_db
def test_other_filters_and_languages_are_counted_apart(client, chile):
    _, cold = get(client)
    _, other_filters = get(client, "starred=true")
    client.cookies.load({"django_language": "es"})
    response, in_spanish = get(client)
    assert other_filters >= cold - 2
    assert in_spanish >= cold - 2
    assert "Sustancial" in response.content.decode()


def count_queries(queries):
    return sum(1 for query in queries if "COUNT(" in query["sql"].upper())


@pytest.mark.django_db
def test_the_total_is_counted_once_per_state_and_stays_exact(client, chile):
    """The page's number of matches is the facets' cached total: the next pages of the same state
    count nothing, and a write that changes the matches gives the new number at once."""
    get(client, "q=a")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/commitments/?q=a&sort=title&page=2")
    matching = search(Commitment.objects.all(), "a")
    before = matching.count()
    assert before > 25
    assert f"{before} commitments match." in response.content.decode()
    assert count_queries(queries) == 0
    # The write moves the searched text's version: the next page counts again, exactly.
    commitment = matching.order_by("identifier").first()
    commitment.title, commitment.description = "Registro", "Registro"
    commitment.save()
    assert matching.count() == before - 1
    response, _ = get(client, "q=a")
    assert f"{before - 1} commitments match." in response.content.decode()


def save(commitment, **changes):
    """A save through the services, as the staff page and the admin make it."""
    for field, value in changes.items():
        setattr(commitment, field, value)
    commitment_save(commitment=commitment, user=None, note="A test of the facet versions",
                    expected_version=commitment.version)


@pytest.mark.django_db
def test_a_change_of_text_only_keeps_the_counts_of_states_without_a_search(client, chile):
    """Issue 13.7: a title changes no count but those of a search; the others stay cached, exact."""
    before, cold = get(client, "status=active")
    searched, _ = get(client, "q=zanahoria")
    assert "0 commitments match." in searched.content.decode()
    save(Commitment.objects.get(identifier="CL0050"), title="Zanahoria para todos")
    after, warm = get(client, "status=active")
    assert warm < cold - 5  # served from the cache
    assert status_counts(after) == status_counts(before)
    # The status facet counts every commitment (without its own filter), exactly.
    assert status_counts(after) == {
        status: str(Commitment.objects.filter(status=status).count()) for status in status_counts(after)}
    searched, _ = get(client, "q=zanahoria")  # a search reads the text: counted again
    assert "1 commitment matches." in searched.content.decode()


@pytest.mark.django_db
def test_a_change_of_a_counted_column_recounts_the_facets_that_read_it(client, chile):
    """Issue 13.7, session 6: a status saved recounts the status facet alone (one aggregate), not
    every facet (test_facets_columns.py checks every count against a fresh one)."""
    before, cold = get(client)
    # Page 2: the same facets, warm, in a page not yet rendered (a rendered one is served whole
    # from the cache, views/listing.py ListPage, without reading the facets).
    _, warm = get(client, "page=2")
    commitment = Commitment.objects.get(identifier="CL0050")
    flipped = "inactive" if commitment.status == "active" else "active"
    save(commitment, status=flipped)
    after, recounted = get(client, "page=2")
    assert recounted == warm + 1 < cold
    assert status_counts(after) == {
        status: str(Commitment.objects.filter(status=status).count()) for status in status_counts(after)}
    assert status_counts(after) != status_counts(before)


@pytest.mark.django_db
def test_a_stored_value_saved_back_from_a_stale_copy_recounts(client, chile):
    """A save writes every column: a copy read before the IRM's rating was stored writes the old
    rating back, which changes the counts, so they are recounted."""
    stale = Commitment.objects.get(identifier="CL0050")
    Commitment.objects.filter(pk=stale.pk).update(end_of_term_completion="complete")
    get(client, "completion=complete")
    stale.refresh_from_db(fields=["version"])
    save(stale, end_of_term_completion=None)
    response, _ = get(client, "completion=complete")
    assert "CL0050" not in response.content.decode()
