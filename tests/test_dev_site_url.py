"""In development SITE_URL follows HOST (`HOST=127.0.0.1:18101 make run`): setup_local's message and
every mail link (confirm, digest, unsubscribe) name the address served, on any port."""

import os
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from commitments import services
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, MemberFactory

ROOT = Path(__file__).resolve().parent.parent
SERVED = "127.0.0.1:18101"


def environment(**env) -> dict:
    # The test run's own settings module and any SITE_URL or HOST of the shell are not the case's.
    base = {k: v for k, v in os.environ.items()
            if k not in ("DJANGO_SETTINGS_MODULE", "SITE_URL", "HOST", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return {**base, **env}


def dev_settings(*names, **env) -> list[str]:
    """The development settings' values of names, read by a fresh process with env."""
    code = ("import django; from django.conf import settings; django.setup(); "
            f"print(*(getattr(settings, name) for name in {names!r}), sep='|')")
    env = environment(DJANGO_SETTINGS_MODULE="ogptracker.settings.dev", **env)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


@pytest.mark.parametrize(("env", "site_url"), [
    ({}, "http://127.0.0.1:8000"),
    ({"HOST": SERVED}, "http://127.0.0.1:18101"),
    ({"HOST": "18102"}, "http://127.0.0.1:18102"),  # runserver takes a port alone
    ({"HOST": "0.0.0.0:18103"}, "http://127.0.0.1:18103"),  # every interface: this machine's address
    ({"HOST": "[::1]:18104"}, "http://[::1]:18104"),
    ({"HOST": "mybox"}, "http://127.0.0.1:8000"),  # a shell's own HOST (tcsh: the machine's name)
    ({"HOST": SERVED, "SITE_URL": "http://ogp.test:9000/"}, "http://ogp.test:9000"),  # said outright
])
def test_development_site_url_follows_host(env, site_url):
    assert dev_settings("SITE_URL", **env) == [site_url]


def test_a_named_host_is_allowed_too():
    allowed = dev_settings("ALLOWED_HOSTS", HOST="ogp.localhost:18105")[0]
    assert "'ogp.localhost'" in allowed and "'127.0.0.1'" in allowed


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_at_host_and_hands_it_to_the_settings():
    def make(*args, **env):
        result = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                                text=True, timeout=60, env=environment(**env))
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert f"manage.py runserver {SERVED}" in make("-n", "run", HOST=SERVED)
    # The recipes (setup_local, runserver) have HOST in their environment, the default too.
    show = ["--eval", "show-host: ; @echo $$HOST", "show-host"]
    assert make(*show).strip() == "127.0.0.1:8000"
    assert make(*show, HOST=SERVED).strip() == SERVED


@pytest.fixture
def served(settings):
    """This process as `HOST=127.0.0.1:18101 make run` runs it: the development settings' SITE_URL for
    that HOST, and mails printed on the console."""
    (settings.SITE_URL,) = dev_settings("SITE_URL", HOST=SERVED)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.FOLLOW_DIGEST_DELAY_MINUTES = 0
    return settings.SITE_URL


def printed_links(capsys) -> list[str]:
    return re.findall(r"https?://[^\s>]+", capsys.readouterr().out)


def opens(url: str, served: str, method="get") -> int:
    """Open a mailed link as the browser would on the address served."""
    assert url.startswith(f"{served}/"), url
    return getattr(Client(), method)(url.removeprefix(served)).status_code


@pytest.mark.django_db
def test_every_mail_link_names_the_port_served(served, capsys, superuser):
    assert served == f"http://{SERVED}"
    plan = ActionPlanFactory(member=MemberFactory(name="Uruguay", slug="uruguay"))
    commitment = CommitmentFactory(identifier="UY0001", title="Open budgets", action_plan=plan)

    capsys.readouterr()
    asked = Client().post("/follow/", {"email": "ana@example.org", "target": "site", "key": ""})
    assert asked.status_code == 303
    confirm = [url for url in printed_links(capsys) if "/follow/confirm/" in url]
    assert len(confirm) == 1 and opens(confirm[0], served, "post") == 200

    services.commitment_update(commitment=commitment, user=superuser, data={"status": "inactive"},
                               note="Paused", expected_version=commitment.version)
    call_command("send_digests", stdout=StringIO())
    digest_links = printed_links(capsys)
    assert any("/commitments/UY0001/" in url for url in digest_links), digest_links
    assert any("/follow/unsubscribe/" in url for url in digest_links), digest_links
    assert all(url.startswith(f"{served}/") for url in digest_links), digest_links
    for url in dict.fromkeys(link.split("#")[0] for link in digest_links):
        assert opens(url, served) == 200, url


@pytest.mark.django_db
def test_setup_local_says_where_to_sign_in_on_the_port_served(served, chile, django_user_model):
    MemberFactory(name="Uruguay", slug="uruguay")  # a database with data of its own: nothing loaded
    out = StringIO()
    call_command("setup_local", stdout=out)
    assert f"Sign in at {served}/admin/ as 'admin' with password" in out.getvalue()
    assert django_user_model.objects.get(username="admin").is_superuser
    out = StringIO()
    call_command("setup_local", stdout=out)
    assert f"Sign in at {served}/admin/ with your existing admin account." in out.getvalue()
