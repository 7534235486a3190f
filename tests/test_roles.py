"""Each role in one step: `grant_member` and `grant_reviewer` (with `--create`) and the admin's user
page make an account that can open everything its dashboard and header offer.

The accounts are made as the README says (the commands, the admin), signed in through the sign-in
form with the password the command gave, and every link of the dashboard and the header is opened.
"""

import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments import permissions, services
from commitments.management.accounts import PASSWORD_VARIABLE
from commitments.models import Member
from reviews.scales import Completion
from tests.commitments.dashboard_data import make_desk_data
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-password-41"
LOGIN = "/accounts/login/"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href)


def links_of(html: str, page_url: str) -> list[str]:
    """Every <a href> of the page as the browser resolves it, on this site, without fragments-only."""
    reader = _Links()
    reader.feed(html)
    found = []
    for href in reader.hrefs:
        if href.startswith("#"):
            continue  # a place on the same page
        url = urljoin(f"http://testserver{page_url}", href)
        parts = urlsplit(url)
        if parts.netloc != "testserver":
            continue  # off the site
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in found:
            found.append(path)
    return found


def run(*args) -> str:
    """A management command's output (and warnings), as its user reads them."""
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"with the password '([^']+)'", output)
    assert match, output
    return match[1]


def sign_in(client, username, password):
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


@pytest.fixture
def data(chile):
    """The seed, and the dashboard's known data (every list of the dashboard has rows)."""
    return make_desk_data()


@pytest.fixture
def secretariat(data, client, monkeypatch):
    """A Chile and Aland secretariat account, made by grant_member --create with the printed password."""
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    password = printed_password(run("grant_member", "--create", "sec1", "aland"))
    run("grant_member", "sec1", "chile")
    user = Member.objects.get(slug="aland").staff_memberships.get().user
    # A change by the team, for "The team's latest changes" and its link.
    milestone = data.current.milestones.get(order=3)
    services.commitment_update(commitment=data.current, user=user, data={}, note="",
                               expected_version=data.current.version,
                               milestones=[services.MilestoneChange(
                                   milestone=milestone, data={"status": Completion.SUBSTANTIAL},
                                   note="Two of three courses given")])
    return "sec1", password


@pytest.fixture
def irm_reviewer(data, monkeypatch):
    """An IRM reviewer made by grant_reviewer --create, the password read from the environment."""
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    output = run("grant_reviewer", "--create", "irm1")
    assert PASSWORD not in output  # a password given by the environment is never printed
    return "irm1", PASSWORD


@pytest.fixture
def root(data, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    return "root", PASSWORD


def opened(client, url: str) -> str:
    """What following a link gives: "200", another status, or "sign-in" when it ends on a sign-in
    page (the admin answers a signed-in user without staff status so: a 200 that opens nothing)."""
    response = client.get(url, follow=True)
    if any(urlsplit(hop).path.endswith("/login/") for hop, _status in response.redirect_chain):
        return "sign-in"
    return str(response.status_code)


def walk(client, dashboard_url: str) -> dict[str, str]:
    """Open the dashboard and every link on it (header included); {link: what it gave}."""
    response = client.get(dashboard_url)
    assert response.status_code == 200
    return {url: opened(client, url) for url in links_of(response.content.decode(), dashboard_url)}


@pytest.mark.parametrize(("role", "dashboards", "must_offer"), [
    ("secretariat", ["/staff/", "/staff/?member=aland"],
     ["/commitments/AL0001/edit/", "/staff/aland/updates.xlsx", "/admin/", "/accounts/api-tokens/"]),
    ("irm_reviewer", ["/staff/"],
     ["/admin/reviews/irmreport/add/?action_plan=", "/admin/reviews/assessment/add/?report=", "/admin/"]),
    ("root", ["/staff/", "/staff/?member=aland", "/staff/?member=chile"],
     ["/commitments/AL0001/edit/", "/admin/reviews/irmreport/add/?action_plan=", "/admin/"]),
])
def test_every_link_of_each_roles_dashboard_and_header_opens(client, request, role, dashboards, must_offer):
    username, password = request.getfixturevalue(role)
    sign_in(client, username, password)
    statuses = {}
    for dashboard in dashboards:
        statuses |= walk(client, dashboard)
    for offered in must_offer:
        assert any(url.startswith(offered) for url in statuses), (offered, sorted(statuses))
    refused = {url: status for url, status in statuses.items() if status != "200"}
    assert refused == {}
    assert len(statuses) > 15  # the data fills every list of the dashboard


def test_the_reviewers_add_report_link_opens_the_admins_form(client, data, irm_reviewer):
    sign_in(client, *irm_reviewer)
    response = client.get(f"/admin/reviews/irmreport/add/?action_plan={data.ended_plan.pk}")
    assert response.status_code == 200
    assert 'id="irmreport_form"' in response.content.decode()


# --- The commands ----------------------------------------------------------------------------


def test_grant_member_create_makes_an_account_that_signs_in_with_the_printed_password(
        client, chile, monkeypatch, django_user_model):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    output = run("grant_member", "--create", "ana", "chile", "--email", "ana@example.org")
    assert "Created the account 'ana'" in output and "secretariat staff of Chile" in output
    assert "http://127.0.0.1:8000/accounts/login/" in output  # SITE_URL: the test settings' default
    user = django_user_model.objects.get(username="ana")
    assert user.is_staff and not user.is_superuser and user.email == "ana@example.org"
    assert permissions.member_ids(user) == {chile.pk}
    assert sign_in(client, "ana", printed_password(output))["Location"] == "/staff/"


def test_a_password_from_the_environment_must_pass_the_sites_rules(chile, monkeypatch, django_user_model):
    monkeypatch.setenv(PASSWORD_VARIABLE, "12345")
    refusal = rf"Cannot create 'ana' \(from \${PASSWORD_VARIABLE}\): .*too short"
    with pytest.raises(CommandError, match=refusal):
        run("grant_member", "--create", "ana", "chile")
    assert not django_user_model.objects.filter(username="ana").exists()


@pytest.mark.parametrize("command", [("grant_member", "nobody", "chile"), ("grant_reviewer", "nobody")])
def test_a_missing_user_is_refused_with_the_way_to_create_it(db, chile, command):
    with pytest.raises(CommandError) as refused:
        run(*command)
    message = str(refused.value)
    assert "No user named 'nobody'" in message and "--create" in message and PASSWORD_VARIABLE in message
    assert "createsuperuser" not in message


def test_nothing_is_created_when_the_member_is_unknown(chile, django_user_model):
    with pytest.raises(CommandError, match="No member with slug 'atlantis'"):
        run("grant_member", "--create", "ana", "atlantis")
    assert not django_user_model.objects.filter(username="ana").exists()


@pytest.mark.parametrize("username", ["bad name", "<b>x</b>", "tab\there", "x" * 151, ""])
def test_an_odd_username_is_refused_with_a_message(db, username, django_user_model, monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    with pytest.raises(CommandError, match="Cannot create"):
        run("grant_reviewer", "--create", username)
    assert not django_user_model.objects.exists()


def test_create_on_an_existing_account_keeps_its_password(client, reviewer, monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, "another-long-password-99")
    output = run("grant_reviewer", "--create", "reviewer")
    assert "already has an account: its password is unchanged" in output
    sign_in(client, "reviewer", PASSWORD)


def test_grant_reviewer_gives_an_existing_account_the_group_and_the_admin(db, django_user_model):
    user = django_user_model.objects.create_user("irm2", "", PASSWORD)
    run("grant_reviewer", "irm2")
    run("grant_reviewer", "irm2")  # twice changes nothing
    user = django_user_model.objects.get(pk=user.pk)
    assert user.is_staff and permissions.is_reviewer(user) and not permissions.is_secretariat(user)
    assert list(user.groups.values_list("name", flat=True)) == [permissions.REVIEWERS_GROUP]


def test_an_inactive_account_gets_the_role_and_a_warning(db, django_user_model):
    django_user_model.objects.create_user("gone", "", PASSWORD, is_active=False)
    assert "inactive" in run("grant_reviewer", "gone")


# --- The admin's user page -------------------------------------------------------------------


def test_the_admin_adds_an_irm_reviewer_in_one_step(client, data, superuser, django_user_model):
    client.force_login(superuser)
    page = client.get("/admin/auth/user/add/").content.decode()
    assert 'name="irm_reviewer"' in page
    form = form_data(page, "user_form")
    form.update({"username": "irm3", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD,
                 "irm_reviewer": "on"})
    response = client.post("/admin/auth/user/add/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    user = django_user_model.objects.get(username="irm3")
    assert user.is_staff and permissions.is_reviewer(user)
    client.logout()
    sign_in(client, "irm3", PASSWORD)
    assert client.get(f"/admin/reviews/irmreport/add/?action_plan={data.ended_plan.pk}").status_code == 200


def test_the_admin_takes_the_reviewer_role_away_with_the_same_checkbox(client, superuser, reviewer):
    client.force_login(superuser)
    url = f"/admin/auth/user/{reviewer.pk}/change/"
    page = client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="irm_reviewer"[^>]*checked', page)
    form = form_data(page, "user_form")
    form.pop("irm_reviewer")
    assert client.post(url, form).status_code == 302
    assert not reviewer.groups.filter(name=permissions.REVIEWERS_GROUP).exists()


def test_the_admin_gives_a_reviewer_added_through_the_groups_field_the_admin_too(
        client, superuser, django_user_model):
    user = django_user_model.objects.create_user("irm4", "", PASSWORD)
    client.force_login(superuser)
    url = f"/admin/auth/user/{user.pk}/change/"
    form = form_data(client.get(url).content.decode(), "user_form")
    form["groups"] = [str(Group.objects.get(name=permissions.REVIEWERS_GROUP).pk)]
    assert client.post(url, form).status_code == 302
    user.refresh_from_db()
    assert user.is_staff and permissions.is_reviewer(user)


def test_is_staff_is_set_in_services_only():
    """Staff status follows the roles: one function sets it (services.staff_access_grant)."""
    setting = re.compile(r"is_staff\s*=\s*True|update\(is_staff=True\)|\"is_staff\": True")
    packages = ("commitments", "reviews", "api", "follow", "ogptracker")
    places = [str(path.relative_to(ROOT)) for package in packages
              for path in (ROOT / package).rglob("*.py") if setting.search(path.read_text())]
    assert places == ["commitments/services.py"]


def test_the_admins_role_checkbox_is_in_spanish(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/auth/user/add/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Revisor del IRM" in page and "estatus de personal" in page
