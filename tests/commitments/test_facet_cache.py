"""The list's facet counts are cached per filter state and recounted once the data changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment


def status_counts(response):
    """The status facet as the page shows it, e.g. {'active': '61', 'inactive': '1'}."""
    html = response.content.decode()
    return dict(re.findall(r'<option value="(active|inactive)"[^>]*>[^<(]*\((\d+)\)', html))


def get(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/commitments/?{query}")
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_the_same_filters_are_counted_once(client, chile):
    first, cold = get(client, "status=active")
    again, warm = get(client, "status=active&page=2&sort=title")
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
