"""The admin's query string with NUL and other control characters: a clear 400 or no match, never
PostgreSQL's 500 ("A string literal cannot contain NUL characters"), for every changelist search,
every autocomplete field and every list filter, as each staff role."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ["superuser", "chile_staff", "reviewer"]
# What an attacker types in the search box or the autocomplete: NUL alone, NUL inside a word,
# and the other control characters (which the database accepts and matches nothing with).
NUL = ["\x00", "Chile\x00", "%\x00_"]
OTHER_CONTROLS = ["\x01\x07\x1b", "\x7f", "\u2028\ufffe"]


def searchable():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()
            if model_admin.search_fields]


def autocompletes():
    """Every (model, field) whose admin form offers an autocomplete, inlines included."""
    pairs = set()
    for model, model_admin in admin.site._registry.items():
        for field in model_admin.autocomplete_fields:
            pairs.add((model, field))
        for inline in model_admin.inlines:
            for field in inline.autocomplete_fields:
                pairs.add((inline.model, field))
    return sorted(pairs, key=lambda pair: (pair[0]._meta.label, pair[1]))


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_the_admin_has_the_searches_and_autocompletes_this_file_walks():
    assert len(searchable()) >= 8 and len(autocompletes()) >= 10


@pytest.mark.parametrize("role", ROLES)
def test_changelist_searches_refuse_nul_and_find_nothing_for_other_controls(client, user_in_role, role):
    client.force_login(user_in_role(role))
    for model, _model_admin in searchable():
        for term in NUL:
            assert client.get(changelist(model), {"q": term}).status_code == 400, model
        for term in OTHER_CONTROLS:
            # 403 where the role may not see this model at all; never a 500.
            assert client.get(changelist(model), {"q": term}).status_code in (200, 403), model


@pytest.mark.parametrize("role", ROLES)
def test_every_autocomplete_refuses_nul_and_answers_other_controls(client, user_in_role, role):
    client.force_login(user_in_role(role))
    for model, field in autocompletes():
        query = {"app_label": model._meta.app_label, "model_name": model._meta.model_name,
                 "field_name": field}
        for term in NUL:
            assert client.get("/admin/autocomplete/", {**query, "term": term}).status_code == 400, field
        for term in OTHER_CONTROLS:
            response = client.get("/admin/autocomplete/", {**query, "term": term})
            assert response.status_code in (200, 403), (model, field)
            if response.status_code == 200:
                assert response.json()["results"] == []


def test_a_list_filter_value_with_nul_is_refused(client, superuser, chile):
    client.force_login(superuser)
    response = client.get(reverse("admin:commitments_commitment_changelist"), {"identifier": "CL\x00"})
    assert response.status_code == 400
    assert b"Bad request" in response.content
    # The same value without NUL is the admin's own answer (an unknown filter: back to the list).
    assert client.get(reverse("admin:commitments_commitment_changelist"),
                      {"status__exact": "active"}).status_code == 200
