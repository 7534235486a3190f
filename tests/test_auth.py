"""Signing in and out: the site's own pages, CSRF, password rules and the lockout after failures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
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
    assert response.status_code == 302 and response["Location"] == "/staff/"  # LOGIN_REDIRECT_URL


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


def production_settings(*names, **environment):
    """Run production's settings with its required environment (plus `environment`); prints `names`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "TRUSTED_PROXY_COUNT")}
    env.update(SECRET_KEY="a-long-random-production-key-for-tests-0123456789-abcdefghijklmnop",
               DATABASE_URL="postgres://ogp@127.0.0.1:5432/ogptracker",
               ALLOWED_HOSTS="ogptracker.example.org", **environment)
    code = f"from django.conf import settings as s; print({', '.join(f's.{name}' for name in names)})"
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code,
                           "--settings=ogptracker.settings.production"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_lockout_lasts_a_while_not_forever():
    assert 0 < settings.AXES_COOLOFF_TIME <= 1  # hours


def test_production_cookies_are_secure():
    result = production_settings("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY")
    assert result.stdout.split()[-3:] == ["True", "True", "True"], result.stderr


# --- The lockout behind the reverse proxy ------------------------------------------------------
# The documented deployment: the proxy connects from 127.0.0.1 and appends the address it was
# reached from to X-Forwarded-For.

PROXY = "127.0.0.1"


def behind_proxy(client_address, forged=""):
    """A client reaching the app through the proxy; `forged` is what it wrote in the header itself."""
    header = f"{forged}, {client_address}" if forged else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)


def fail_until_locked(client, username="ana"):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, "wrong")


def test_behind_the_proxy_one_client_locked_out_leaves_the_others_signing_in(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, colleague = behind_proxy("203.0.113.5"), behind_proxy("198.51.100.7")
    fail_until_locked(attacker)
    assert sign_in(attacker, "ana", PASSWORD).status_code == 429
    assert sign_in(colleague, "ana", PASSWORD).status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_behind_the_proxy_a_forged_header_neither_escapes_nor_frames_another(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    # Each attempt claims another address, the last one the colleague's; the proxy's entry wins.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(behind_proxy("203.0.113.5", forged=f"10.9.8.{attempt}, 198.51.100.7"), "ana", "wrong")
    assert sign_in(behind_proxy("203.0.113.5", forged="10.9.8.200"), "ana", PASSWORD).status_code == 429
    assert sign_in(behind_proxy("198.51.100.7"), "ana", PASSWORD).status_code == 302


def test_two_trusted_proxies_take_the_address_the_outer_one_saw(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN, then the proxy
    fail_until_locked(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 192.0.2.1"))
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.9"),
                   "ana", PASSWORD).status_code == 429


def test_without_a_trusted_proxy_the_header_is_ignored(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):  # a direct client inventing addresses
        sign_in(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.9.8.{attempt}"), "ana", "wrong")
    assert sign_in(Client(REMOTE_ADDR="203.0.113.5"), "ana", PASSWORD).status_code == 429
    # ... and cannot frame another: someone else claiming the locked address still signs in.
    framed = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert sign_in(framed, "ana", PASSWORD).status_code == 302


def test_a_header_that_is_not_an_address_falls_back_to_the_connection(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    response = sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown"), "ana", "wrong")
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_attempts_while_locked_out_are_not_counted_again(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = behind_proxy("203.0.113.5")
    fail_until_locked(attacker)
    locked_at = AccessAttempt.objects.get().attempt_time
    for _attempt in range(3):
        assert sign_in(attacker, "ana", "wrong").status_code == 429
    attempt = AccessAttempt.objects.get()
    # Neither counted nor extending the lockout: it ends a cool-off after the failure that caused it.
    assert (attempt.failures_since_start, attempt.attempt_time) == (settings.AXES_FAILURE_LIMIT, locked_at)


def test_production_trusts_one_proxy_unless_told_otherwise():
    assert production_settings("TRUSTED_PROXY_COUNT").stdout.split()[-1:] == ["1"]
    assert production_settings("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2").stdout.split()[-1:] == ["2"]
    refused = production_settings("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="yes")
    assert refused.returncode != 0 and "TRUSTED_PROXY_COUNT must be a whole number" in refused.stderr


def test_ipv6_clients_are_locked_out_by_their_64(settings, staff):
    """Every attempt from a new address of the same /64 still counts towards one lockout, recorded
    under the network's first address; the next /64 signs in."""
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(behind_proxy(f"2001:db8:1:2::{attempt + 1:x}"), "ana", "wrong")
    assert sign_in(behind_proxy("2001:db8:1:2:ffff::9"), "ana", PASSWORD).status_code == 429
    assert sign_in(behind_proxy("2001:db8:1:3::1"), "ana", PASSWORD).status_code == 302
    assert AccessAttempt.objects.get().ip_address == "2001:db8:1:2::"
