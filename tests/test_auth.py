"""Signing in and out: the site's own pages, CSRF, password rules and the lockout after failures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

LOGIN = "/accounts/login/"
PASSWORD = "a-long-test-password-41"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.org", PASSWORD, is_staff=True)


def sign_in(client, username, password, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_login_page_is_in_the_sites_style_with_a_csrf_token(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and "<h1>Sign in</h1>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_login_refuses_a_post_without_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "ana", PASSWORD).status_code == 403
    assert "_auth_user_id" not in client.session


def test_staff_sign_in_and_go_where_they_were_going(client, staff):
    response = sign_in(client, "ana", PASSWORD, url=f"{LOGIN}?next=/members/")
    assert response.status_code == 302 and response["Location"] == "/members/"
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_sign_in_never_redirects_off_site(client, staff):
    response = client.post(LOGIN, {"username": "ana", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_shows_the_form_again_with_a_message(client, staff):
    response = sign_in(client, "ana", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_pages_offer_sign_in_and_then_sign_out_by_post(client, staff):
    assert f'href="{LOGIN}?next=/members/"' in client.get("/members/").content.decode()
    client.force_login(staff)
    html = client.get("/members/").content.decode()
    assert 'action="/accounts/logout/"' in html and 'method="post"' in html
    assert client.get("/accounts/logout/").status_code == 405  # a link cannot sign anyone out
    response = client.post("/accounts/logout/")
    assert response.status_code == 200 and "You are signed out" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("password", ["password", "12345678901", "ana", "short1"])
def test_weak_passwords_are_refused(staff, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=staff)


def test_a_good_password_passes_validation(staff):
    validate_password("correct horse battery staple 41", user=staff)


# --- Lockout (django-axes) -------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOGIN, "/admin/login/"])
def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, staff, url):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "ana", "wrong", url=url).status_code == 200
    locked = sign_in(client, "ana", "wrong", url=url)
    assert locked.status_code == 429
    assert "Signing in is blocked for a while" in locked.content.decode()
    assert sign_in(client, "ana", PASSWORD, url=url).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, staff, django_user_model):
    django_user_model.objects.create_user("ben", "", PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ana", "wrong")
    # The same user from another address, and another user from this one, may still sign in.
    assert sign_in(Client(REMOTE_ADDR="10.0.0.9"), "ana", PASSWORD).status_code == 302
    assert sign_in(client, "ben", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, staff):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "ana", "wrong")
    assert sign_in(client, "ana", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "ana", "wrong").status_code == 200
    assert sign_in(client, "ana", PASSWORD).status_code == 302


def test_lockout_lasts_a_while_not_forever():
    assert 0 < settings.AXES_COOLOFF_TIME <= 1  # hours


def test_production_cookies_are_secure():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="a-long-random-production-key-for-tests-0123456789-abcdefghijklmnop",
               DATABASE_URL="postgres://ogp@127.0.0.1:5432/ogptracker",
               ALLOWED_HOSTS="ogptracker.example.org")
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code,
                             "--settings=ogptracker.settings.production"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-3:] == ["True", "True", "True"], result.stderr
