"""Where signing in lands (ogptracker/sign_in.py, README "Staff editing and roles"): where the person
was going, or their dashboard, /staff/, when there is nowhere to go back to."""

import pytest

from tests.html_forms import form_data

LOGIN = "/accounts/login/"
PASSWORD = "a-long-test-password-41"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(chile_staff):
    return chile_staff


def sign_in_from(client, page: str):
    """Follow the header's Sign in link on page, then submit the form as the browser does."""
    html = client.get(page).content.decode()
    login_url = next(part.split('"')[0] for part in html.split('href="')[1:] if part.startswith(LOGIN))
    login_url = login_url.replace("&amp;", "&")
    data = form_data(client.get(login_url).content.decode(), "login-form")
    data.update(username="chile-staff", password=PASSWORD)
    response = client.post(login_url, data)
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.parametrize(("page", "lands_on"), [
    ("/commitments/CL0050/", "/commitments/CL0050/"),  # back where one was: the edit button is there
    ("/members/chile/", "/members/chile/"),
    ("/commitments/?member=chile", "/commitments/?member=chile"),
    ("/", "/staff/"),  # the home page: the dashboard is where the work starts
    (LOGIN, "/staff/"),  # the sign-in page opened directly
])
def test_signing_in_from_the_header(client, staff, page, lands_on):
    assert sign_in_from(client, page) == lands_on


def test_signing_in_again_from_the_signed_out_page_lands_on_the_dashboard(client, staff):
    client.force_login(staff)
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 200
    # The header's link on that page names it (a POST-only address: going back would answer 405).
    assert f'href="{LOGIN}?next=/accounts/logout/"' in signed_out.content.decode()
    response = client.post(f"{LOGIN}?next=/accounts/logout/",
                           {"username": "chile-staff", "password": PASSWORD})
    assert response["Location"] == "/staff/"


@pytest.mark.parametrize("page", ["/commitments/CL0050/edit/", "/staff/?member=chile",
                                  "/accounts/api-tokens/"])
def test_a_page_that_needs_an_account_opens_after_signing_in(client, staff, page):
    asked = client.get(page)
    assert asked.status_code == 302 and asked["Location"].startswith(f"{LOGIN}?next=")
    response = client.post(asked["Location"], {"username": "chile-staff", "password": PASSWORD})
    assert response["Location"] == page
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("next_url", [LOGIN, f"{LOGIN}?next=/members/", "/accounts/logout/", "/",
                                      "https://evil.example/", "//evil.example/staff/", "/\x00", ""])
def test_a_signed_in_user_opening_the_sign_in_page_is_sent_on_never_in_a_loop(client, staff, next_url):
    client.force_login(staff)
    response = client.get(LOGIN, {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/staff/" or (next_url == "/\x00" and response["Location"].startswith("/"))


def test_a_user_without_a_role_lands_on_a_dashboard_that_says_so(client, django_user_model):
    django_user_model.objects.create_user("nobody", "", PASSWORD)
    response = client.post(LOGIN, {"username": "nobody", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/"
    assert "no staff role here yet" in response.content.decode()
