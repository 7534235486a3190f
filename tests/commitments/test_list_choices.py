"""The list's filters as a data tool (issue 13): several values of a filter are OR, filters AND, each
choice counted with the other filters; the facet pages; canonical URLs; unknown values reported."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from tests.caches import clear_caches
from tests.commitments import test_list as list_tests
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    MemberFactory,
)
from tests.commitments.test_list import identifiers, options, text_of

catalogue = list_tests.catalogue  # the list tests' two members, three plans and five commitments

pytestmark = pytest.mark.django_db

URL = "/commitments/"


def page(client, query):
    """A canonical URL's page (no redirect)."""
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.get("Location")
    return response


# Several values: OR within a filter, AND across filters -------------------------------------------

def test_two_completions_list_both(client, catalogue):
    response = page(client, "completion=substantial&completion=complete")
    assert identifiers(response) == ["AL0001", "AL0002"]
    # Both stay ticked; each completion is counted as if it were added (the filter left out).
    assert options(response, "completion")["substantial"] == "Substantial (1)"
    assert options(response, "completion")["limited"] == "Limited (1)"
    html = response.content.decode()
    assert 'name="completion" value="substantial" checked' in html
    assert 'name="completion" value="complete" checked' in html
    assert 'name="completion" value="limited" checked' not in html


def test_other_filters_count_within_the_chosen_values(client, catalogue):
    response = page(client, "member=alpha&member=beta&completion=limited&completion=complete")
    assert identifiers(response) == ["AL0001", "BE0001"]
    assert options(response, "status") == {"": "Any", "active": "Active (1)", "inactive": "Inactive (1)"}
    assert options(response, "member") == {"alpha": "Alpha (1)", "beta": "Beta (1)"}


def test_filters_are_and(client, catalogue):
    assert identifiers(page(client, "member=beta&completion=substantial&completion=complete")) == []
    assert identifiers(page(client, "member=alpha&policy_area=legislature&policy_area=open-data")) == [
        "AL0001", "AL0002"]


def test_a_commitment_in_two_chosen_areas_is_listed_and_counted_once(client, catalogue):
    response = page(client, "policy_area=legislature&policy_area=open-data")
    assert identifiers(response) == ["AL0001", "AL0002", "BE0001"]
    assert "3 commitments match." in text_of(response)
    assert options(response, "member") == {"alpha": "Alpha (2)", "beta": "Beta (1)"}


def test_several_values_and_institutions_by_id(client, catalogue):
    ids = sorted(str(catalogue[key].lead_institution_id) for key in ("AL0001", "AL0002"))
    response = page(client, f"value=access-to-information&value=civic-participation&"
                            f"lead_institution={ids[0]}&lead_institution={ids[1]}")
    assert identifiers(response) == ["AL0001", "AL0002"]


def test_an_unknown_value_among_others_is_reported_and_the_rest_kept(client, catalogue):
    response = page(client, "member=alpha&member=atlantis&completion=complete&completion=perfect")
    assert identifiers(response) == ["AL0001"]
    text = text_of(response)
    assert "“atlantis” is not a valid value for “Member”: that value was ignored." in text
    assert "“perfect” is not a valid value for “End-of-term completion”: that value was ignored." in text
    # Links carry only the values in use.
    assert "atlantis" not in response.content.decode().split('id="commitment-filters"', 1)[1]


@pytest.mark.parametrize("name", ["member", "action_plan", "policy_area", "lead_institution"])
def test_a_control_character_in_a_name_is_an_unknown_value_not_a_500(client, catalogue, name):
    # PostgreSQL refuses a NUL in a query string literal: it must never reach the database.
    for url in (f"{URL}?{name}=a%00b&member=alpha", f"/commitments/export.csv?{name}=a%00b",
                f"/commitments/facets/member/?{name}=a%1Bb"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    assert "is not a valid value" in text_of(client.get(f"{URL}?{name}=a%00b", follow=True))


def test_a_single_value_filter_given_twice_keeps_the_first_and_says_so(client, catalogue):
    response = client.get(URL + "?status=inactive&status=active", follow=True)
    assert response.redirect_chain == [("/commitments/?status=inactive", 302)]
    assert identifiers(response) == ["AL0002", "BE0001"]


def test_each_chosen_value_can_be_removed_alone(client, catalogue):
    response = page(client, "completion=substantial&completion=complete")
    html = response.content.decode()
    assert 'href="?completion=complete">Remove' in html and 'href="?completion=substantial">Remove' in html


def test_the_exports_take_several_values_too(client, catalogue):
    response = client.get("/commitments/export.csv?completion=substantial&completion=complete&completion=zz")
    body = b"".join(response.streaming_content).decode()
    assert "AL0001" in body and "AL0002" in body and "BE0001" not in body and "AL0003" not in body
    links = page(client, "completion=substantial&completion=complete").content.decode()
    assert 'href="/commitments/export.csv?completion=substantial&amp;completion=complete"' in links


# Canonical URLs ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "canonical"), [
    ("q=&member=alpha&action_plan=&year_min=&year_max=&status=&sort=identifier",
     "/commitments/?member=alpha"),
    ("sort=identifier&page=1", "/commitments/"),
    ("completion=complete&member=alpha", "/commitments/?member=alpha&completion=complete"),
    ("completion=complete&completion=substantial",
     "/commitments/?completion=substantial&completion=complete"),
    ("completion=Complete&completion=complete&status=ACTIVE",
     "/commitments/?status=active&completion=complete"),
    ("member=beta&member=alpha&page=2", "/commitments/?member=alpha&member=beta&page=2"),
    ("q=+budget+&utm_source=x", "/commitments/?q=budget"),
])
def test_a_url_redirects_to_its_canonical_form(client, catalogue, given, canonical):
    response = client.get(f"{URL}?{given}")
    assert response.status_code == 302
    assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_the_canonical_url_keeps_what_the_page_reports(client, catalogue):
    # Unknown values stay in the URL so the page can say what was ignored.
    assert client.get(URL + "?member=atlantis&year_min=abc").status_code == 200


# Facet pages -------------------------------------------------------------------------------------

@pytest.fixture
def many_members(db):
    """60 members, member N with N+1 commitments (one active commitment more than the next)."""
    for number in range(60):
        member = MemberFactory(name=f"Member {number:02d}", slug=f"member-{number:02d}")
        plan = ActionPlanFactory(member=member)
        for index in range(number % 5 + 1):
            CommitmentFactory(identifier=f"M{number:02d}{index:03d}", action_plan=plan,
                              lead_institution=InstitutionFactory(name=f"Ministry {number:02d}-{index}"))


def test_each_group_shows_its_ten_most_frequent_and_links_to_all(client, many_members):
    response = page(client, "member=member-00")
    members = options(response, "member")
    # Ten with five commitments (4, 9, ... 59), plus the chosen one (one commitment).
    assert len(members) == 11 and members["member-00"] == "Member 00 (1)"
    assert all(text.endswith("(5)") for value, text in members.items() if value != "member-00")
    html = response.content.decode()
    assert '<a href="/commitments/facets/member/?member=member-00">all 60 choices' in html
    assert "/commitments/facets/lead_institution/?member=member-00" not in html  # one institution only


def test_the_facet_page_lists_every_choice_with_counts_paginated(client, many_members):
    response = client.get("/commitments/facets/member/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "60 choices." in text_of(response)
    assert len(re.findall(r'<input type="checkbox" name="member"', html)) == 50
    assert ('<input type="checkbox" name="member" value="member-04" aria-describedby="choose-help"> '
            'Member 04 <span class="count">(5)</span>') in html
    second = client.get("/commitments/facets/member/?facet_page=2")
    assert len(re.findall(r'<input type="checkbox" name="member"', second.content.decode())) == 10


def test_the_facet_page_searches_by_name_and_keeps_the_filters(client, many_members):
    response = client.get("/commitments/facets/lead_institution/?member=member-04&facet_q=ministry+04-3")
    assert "1 choice." in text_of(response)
    html = response.content.decode()
    institution = InstitutionFactory._meta.model.objects.get(name="Ministry 04-3")
    # Choosing it returns to the list with the filter added to the others.
    assert f'<input type="checkbox" name="lead_institution" value="{institution.pk}"' in html
    assert html.count('<input type="hidden" name="member" value="member-04">') == 2  # both forms


def test_choosing_on_the_facet_page_adds_to_the_chosen_values(client, catalogue):
    html = client.get("/commitments/facets/completion/?completion=complete").content.decode()
    # The chosen one is ticked (untick it to remove it), the others not.
    assert '<input type="checkbox" name="completion" value="complete" checked' in html
    assert '<input type="checkbox" name="completion" value="limited" aria-describedby' in html
    assert client.get("/commitments/?completion=complete&completion=limited", follow=True).status_code == 200


def test_the_facet_page_counts_with_the_other_filters(client, catalogue):
    html = client.get("/commitments/facets/member/?completion=limited").content.decode()
    # Only Beta has a limited end of term: Alpha would give none, so it is not a choice.
    assert "> Alpha <" not in html
    assert re.search(r"> Beta <span class=\"count\">\(1\)", html)


def test_an_unknown_facet_is_404_and_bad_input_a_notice(client, catalogue):
    assert client.get("/commitments/facets/nothing/").status_code == 404
    assert client.get("/commitments/facets/year_min/").status_code == 404
    response = client.get("/commitments/facets/member/?facet_page=abc&member=atlantis")
    assert response.status_code == 200
    assert "“abc” is not a page number" in text_of(response)
    assert "“atlantis” is not a valid value for “Member”" in text_of(response)


def test_the_facet_page_in_spanish(client, catalogue):
    response = client.get("/commitments/facets/completion/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Sustancial" in response.content.decode()
    assert "Todas las opciones de «Cumplimiento al final del periodo»" in text_of(response)


# Query counts ------------------------------------------------------------------------------------

def _count(client, url):

    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(count):
    plan = ActionPlanFactory(member=MemberFactory())
    for _ in range(count):
        CommitmentFactory(action_plan=plan, lead_institution=InstitutionFactory())


def test_list_and_facet_page_queries_do_not_grow_with_rows(client, catalogue, django_assert_max_num_queries):
    urls = ["/commitments/?member=alpha&member=beta&completion=substantial&completion=complete",
            "/commitments/facets/member/?completion=complete",
            "/commitments/facets/lead_institution/?facet_q=ministry",
            "/commitments/facets/completion/?member=alpha"]
    few = [_count(client, url) for url in urls]
    _grow(80)
    assert Commitment.objects.count() == 85
    assert [_count(client, url) for url in urls] == few
    with django_assert_max_num_queries(20):
        client.get(urls[0])
    with django_assert_max_num_queries(6):
        client.get(urls[1])
