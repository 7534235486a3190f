"""The API tokens page (/accounts/api-tokens/) and `manage.py api_token`: made, shown once, stored
hashed, listed by prefix, revoked; only one's own; only for those who may write something."""

import hashlib
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from api.models import APIToken
from commitments.models import Commitment
from tests.html_forms import form_data

PAGE = "/accounts/api-tokens/"
SECRET = re.compile(r"ogpt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def staff(client, chile_staff):
    client.force_login(chile_staff)
    return client


def make_token(client, name="Nightly sync"):
    data = form_data(client.get(PAGE).content.decode(), "token-form")
    data["name"] = name
    response = client.post(PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    secrets_shown = SECRET.findall(html)
    assert len(secrets_shown) == 1, html
    return secrets_shown[0], html


def works(secret) -> bool:
    """Whether the API takes the token: a PATCH that reaches the body check (400) rather than 401."""
    response = Client().patch("/api/v1/commitments/CL0050/", data="{}", content_type="application/json",
                              headers={"Authorization": f"Bearer {secret}"})
    return response.status_code != 401


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={PAGE}"
    assert client.post(PAGE, {"name": "x"}).status_code == 302
    assert not APIToken.objects.exists()


def test_the_page_is_linked_for_signed_in_staff(staff):
    assert f'href="{PAGE}"' in staff.get("/").content.decode()


def test_a_new_token_is_shown_once_and_stored_hashed(staff, chile_staff):
    secret, html = make_token(staff)
    assert "it is shown only once" in html
    token = APIToken.objects.get(user=chile_staff)
    assert token.name == "Nightly sync"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret)
    # Nowhere else in the database: every column of the row is something other than the secret.
    assert secret not in json.dumps(list(APIToken.objects.values()), default=str)
    # The answer may not be kept by a browser or a proxy.
    response = staff.post(PAGE, {"name": "Another"})
    assert "no-store" in response["Cache-Control"]
    assert works(secret)


def test_the_list_shows_the_prefix_and_times_never_the_secret(staff, chile_staff):
    secret, _html = make_token(staff)
    page = staff.get(PAGE).content.decode()
    token = APIToken.objects.get(user=chile_staff)
    assert secret not in page and not SECRET.search(page)
    assert f"{token.prefix}…" in page and "Nightly sync" in page and "never used" in page
    works(secret)
    assert "last used" in staff.get(PAGE).content.decode()


def test_revoking_a_token_stops_it_working(staff, chile_staff):
    secret, _html = make_token(staff)
    token = APIToken.objects.get(user=chile_staff)
    page = staff.get(PAGE).content.decode()
    assert f'name="revoke" value="{token.pk}"' in page
    response = staff.post(PAGE, {"revoke": str(token.pk)}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "revoked" in response.content.decode()
    assert "Nightly sync" not in response.content.decode().split("Your tokens", 1)[1]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not works(secret)


def test_one_may_not_revoke_or_see_anothers_tokens(staff, chile_staff, other_staff):
    other_token, other_secret = APIToken.objects.issue(user=other_staff, name="Uruguay's script")
    page = staff.get(PAGE).content.decode()
    assert "Uruguay's script" not in page and other_token.prefix not in page
    assert staff.post(PAGE, {"revoke": str(other_token.pk)}).status_code == 404
    assert staff.post(PAGE, {"revoke": "not-a-number"}).status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None and works(other_secret)


def test_forms_need_their_csrf_token(chile_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(chile_staff)
    token, _secret = APIToken.objects.issue(user=chile_staff, name="Kept")
    assert browser.post(PAGE, {"name": "Forged"}).status_code == 403
    assert browser.post(PAGE, {"revoke": str(token.pk)}).status_code == 403
    assert list(APIToken.objects.values_list("name", "revoked_at")) == [("Kept", None)]
    # With the page's own token, as a browser sends the form.
    data = form_data(browser.get(PAGE).content.decode(), "token-form")
    data["name"] = "Real"
    assert browser.post(PAGE, data).status_code == 200
    assert APIToken.objects.filter(name="Real").exists()


def test_a_bad_name_is_a_form_error(staff, chile_staff):
    for name in ["", "   ", "a" * 101, "bell \x07"]:
        response = staff.post(PAGE, {"name": name})
        assert response.status_code == 400, name
        assert 'class="errorlist' in response.content.decode()
        assert not SECRET.search(response.content.decode())
    assert not APIToken.objects.exists()


def test_markup_in_a_name_is_shown_as_text(staff):
    make_token(staff, name="<b>sync</b>")
    page = staff.get(PAGE).content.decode()
    assert "<b>sync</b>" not in page and "&lt;b&gt;sync&lt;/b&gt;" in page


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_reviewers_and_superusers_have_the_page(client, role, user_in_role):
    client.force_login(user_in_role(role))
    assert client.get(PAGE).status_code == 200


def test_an_account_without_a_staff_role_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("reader", "r@example.org", "a-long-test-password-41")
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 403 and "no staff role" in response.content.decode()
    assert client.post(PAGE, {"name": "x"}).status_code == 403
    assert not APIToken.objects.exists()


def test_the_page_in_spanish(staff):
    staff.cookies.load({"django_language": "es"})
    with translation.override("es"):
        html = staff.get(PAGE, headers={"Accept-Language": "es"}).content.decode()
    assert "Tokens de la API" in html and "Crear un token" in html
    staff.post(PAGE, {"name": "Script"}, headers={"Accept-Language": "es"})
    html = staff.post(PAGE, {"name": "Otro"}, headers={"Accept-Language": "es"}).content.decode()
    assert "solo se muestra una vez" in html
    assert "Creado " in html and "nunca usado" in html


def test_the_page_fits_a_phone_without_javascript(staff):
    _secret, html = make_token(staff)
    assert "<script" not in html
    assert 'name="viewport"' in html
    assert re.search(r'<textarea id="new-token-secret" readonly rows="\d+" cols="(\d+)"', html)
    assert int(re.search(r'cols="(\d+)"', html).group(1)) <= 30  # 30 characters fit 390 px


def test_the_page_costs_a_fixed_number_of_queries(staff, chile_staff, django_assert_max_num_queries):
    for number in range(5):
        APIToken.objects.issue(user=chile_staff, name=f"Script {number}")
    with django_assert_max_num_queries(6):
        assert staff.get(PAGE).status_code == 200


# --- manage.py api_token ---------------------------------------------------------------------------


def test_the_command_prints_a_working_token_alone(chile_staff):
    out = io.StringIO()
    call_command("api_token", "chile-staff", "--name", "CI export", stdout=out)
    secret = out.getvalue().strip()
    assert SECRET.fullmatch(secret)
    token = APIToken.objects.get(user=chile_staff)
    assert token.name == "CI export" and token.digest == hashlib.sha256(secret.encode()).hexdigest()
    commitment = Commitment.objects.get(identifier="CL0050")
    status = next(value for value in Commitment.Status.values if value != commitment.status)
    body = {"version": commitment.version, "status": status, "note": "From CI"}
    response = Client().patch("/api/v1/commitments/CL0050/", content_type="application/json",
                              data=json.dumps(body), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert Commitment.objects.get(identifier="CL0050").status == status


def test_the_command_names_a_default_token_name(chile_staff):
    call_command("api_token", "chile-staff", stdout=io.StringIO())
    assert APIToken.objects.get(user=chile_staff).name == "manage.py api_token"


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'") as refused:
        call_command("api_token", "nobody", stdout=io.StringIO())
    assert refused.value.returncode == 1
    assert not APIToken.objects.exists()


def test_the_command_refuses_a_user_who_may_edit_nothing(django_user_model):
    django_user_model.objects.create_user("reader", "r@example.org", "a-long-test-password-41")
    with pytest.raises(CommandError, match="may not edit anything"):
        call_command("api_token", "reader", stdout=io.StringIO())
    assert not APIToken.objects.exists()


def test_the_command_refuses_an_empty_name(chile_staff):
    with pytest.raises(CommandError, match="--name"):
        call_command("api_token", "chile-staff", "--name", " ", stdout=io.StringIO())
