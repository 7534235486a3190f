"""The 403 page: in the site's layout, it says why the visitor was refused and where to go instead."""

import pytest
from django.test import Client

from commitments.services import staff_membership_grant
from tests.commitments.factories import MemberFactory
from tests.conftest import ROLE_PASSWORD

EDIT_URL = "/commitments/CL0050/edit/"
PUBLIC_URL = "/commitments/CL0050/"
LOGIN = "/accounts/login/"


def refused(client, url=EDIT_URL, method="get", **extra):
    response = getattr(client, method)(url, **extra)
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html and 'class="refusal-reason"' in html  # the layout, not Django's page
    return html


def sign_out_and_in_again(url=EDIT_URL):
    return f'<input type="hidden" name="next" value="{LOGIN}?next={url}">'


def test_secretariat_of_another_member_is_told_whose_commitment_it_is(client, other_staff):
    client.force_login(other_staff)
    html = refused(client)
    assert "<h1>Not allowed</h1>" in html
    assert "You are secretariat staff of Uruguay; this commitment belongs to Chile" in html
    # Where to go: the commitment as everyone sees it, their own work in the admin, another account.
    assert f'<a href="{PUBLIC_URL}">Read its public page' in html
    assert '<a href="/admin/">Go to the admin' in html
    assert sign_out_and_in_again() in html


def test_signing_out_from_the_page_leads_to_signing_in_with_another_account(client, other_staff, chile_staff):
    client.force_login(other_staff)
    refused(client)
    response = client.post("/accounts/logout/", {"next": f"{LOGIN}?next={EDIT_URL}"})
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={EDIT_URL}"
    signed_in = client.post(response["Location"], {"username": "chile-staff", "password": ROLE_PASSWORD})
    assert signed_in["Location"] == EDIT_URL and client.get(EDIT_URL).status_code == 200


def test_a_refused_save_gets_the_same_page(client, other_staff):
    client.force_login(other_staff)
    html = refused(client, method="post", data={"status": "inactive", "note": "Mine now", "version": "1"})
    assert "this commitment belongs to Chile" in html


def test_secretariat_of_several_members_hears_them_all(client, other_staff):
    staff_membership_grant(user=other_staff, member=MemberFactory(name="Peru", slug="peru"))
    client.force_login(other_staff)
    html = refused(client)
    assert "You are secretariat staff of Peru and Uruguay; this commitment belongs to Chile" in html


def test_a_reviewer_is_told_the_irm_reads_commitments_but_does_not_edit_them(client, reviewer, chile):
    client.force_login(reviewer)
    html = refused(client)
    assert "You are an IRM reviewer" in html
    assert "only secretariat staff of Chile edit this commitment" in html
    assert f'<a href="{PUBLIC_URL}">' in html and '<a href="/admin/">' in html


def test_an_account_without_a_role_is_told_who_can_give_one(client, chile, django_user_model):
    client.force_login(django_user_model.objects.create_user("visitor", "", ROLE_PASSWORD))
    html = refused(client)
    assert "Your account has no staff role here" in html and "An administrator can give you that role" in html
    assert '<a href="/admin/">' not in html  # not staff: the admin would only refuse them too
    assert sign_out_and_in_again() in html


def test_the_page_is_in_spanish_too(client, other_staff):
    client.force_login(other_staff)
    html = refused(client, HTTP_ACCEPT_LANGUAGE="es")
    assert "<h1>No permitido</h1>" in html
    assert "Es personal de la secretaría de Uruguay; este compromiso pertenece a Chile" in html
    assert "Leer su página pública" in html


def test_anonymous_visitors_are_sent_to_sign_in_rather_than_refused(client, chile):
    response = client.get(EDIT_URL)
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={EDIT_URL}"


def test_anonymous_form_without_its_security_token_gets_the_page_and_a_way_to_sign_in(db):
    client = Client(enforce_csrf_checks=True)
    html = refused(client, url=LOGIN, method="post", data={"username": "ana", "password": "x"})
    assert "This form was sent without the security token" in html
    assert f'<a href="{LOGIN}?next={LOGIN}">Sign in</a>' in html
    assert "Sign out" not in html


def test_the_admins_refusals_get_the_page_with_a_general_reason(client, chile_staff):
    client.force_login(chile_staff)
    html = refused(client, url="/admin/commitments/commitment/import/")  # superusers only
    assert "Your account may not open this page or do this." in html


@pytest.mark.parametrize("role", ["other_staff", "reviewer"])
def test_the_refusal_reads_little(client, role, request, chile, django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(role))
    # The session and user, the commitment, the memberships (or the permissions), the member names.
    with django_assert_max_num_queries(6):
        refused(client)
