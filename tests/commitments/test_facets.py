"""The list's facet counts are cached per filter state and recounted once the data changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import facets
from commitments.models import Commitment
from commitments.search import search


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
def test_a_slow_count_is_taken_once_and_stays_exact(client, chile, monkeypatch):
    """A state whose COUNT was slow when its facets were computed shows that cached total after."""
    monkeypatch.setattr(facets, "SLOW_COUNT_MS", -1)  # every count counts as slow
    get(client, "q=a")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/commitments/?q=a&sort=title&page=2")
    matching = search(Commitment.objects.all(), "a")
    before = matching.count()
    assert before > 25
    assert f"{before} commitments match." in response.content.decode()
    assert count_queries(queries) == 0
    # Any write moves the data version on: the next page counts again, exactly.
    commitment = matching.order_by("identifier").first()
    commitment.title, commitment.description = "Registro", "Registro"
    commitment.save()
    assert matching.count() == before - 1
    response, _ = get(client, "q=a")
    assert f"{before - 1} commitments match." in response.content.decode()


@pytest.mark.django_db
def test_a_fast_count_is_counted_on_every_page(client, chile, monkeypatch):
    monkeypatch.setattr(facets, "SLOW_COUNT_MS", 10_000)
    get(client, "q=a")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/commitments/?q=a&page=2")
    assert count_queries(queries) == 1
    assert f"{search(Commitment.objects.all(), 'a').count()} commitments match." in response.content.decode()
