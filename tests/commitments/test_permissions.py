"""Who may do what, through the paths users take: the staff pages and the admin.

The matrix: anonymous, staff of the member (Chile), staff of another member, IRM reviewer and
superuser × view, edit the commitment, edit a milestone, edit an assessment.
"""

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from commitments import permissions
from commitments.models import Commitment, StaffMembership
from reviews.scales import Completion
from tests.html_forms import form_data

ROLES = ["anonymous", "chile_staff", "other_staff", "reviewer", "superuser"]
EDIT_URL = "/commitments/CL0050/edit/"

# What each role may do; the same in the staff pages and the admin, except where noted.
MAY_EDIT_COMMITMENTS = {"chile_staff", "superuser"}
MAY_EDIT_ASSESSMENTS = {"reviewer", "superuser"}
# The commitment's own IRM fields (starred, carried forward, the IRM's columns of ogp_extra): the
# admin's change form lets reviewers save those and nothing else of a commitment.
MAY_EDIT_IRM_FIELDS = MAY_EDIT_ASSESSMENTS
# The admin's commitment pages: the secretariat reads its own members, reviewers read all.
MAY_VIEW_IN_ADMIN = {"chile_staff", "reviewer", "superuser"}


def cl0050():
    return Commitment.objects.get(identifier="CL0050")


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _other_status(value):
    return (Commitment.Status.INACTIVE if value == Commitment.Status.ACTIVE else Commitment.Status.ACTIVE)


def _edit_page_data(client, superuser_client_data):
    """The edit form as the user's browser would post it, or as a superuser's when they have none."""
    response = client.get(EDIT_URL)
    if response.status_code == 200:
        return form_data(response.content.decode(), "commitment-edit-form")
    return dict(superuser_client_data)


@pytest.fixture
def edit_form_of_superuser(chile, superuser, client):
    client.force_login(superuser)
    data = form_data(client.get(EDIT_URL).content.decode(), "commitment-edit-form")
    client.logout()
    return data


# --- The staff pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_view(role, client, user_in_role):
    response = client_for(client, user_in_role(role)).get("/commitments/CL0050/")
    assert response.status_code == 200
    shows_edit_link = f'href="{EDIT_URL}"' in response.content.decode()
    assert shows_edit_link == (role in MAY_EDIT_COMMITMENTS)


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_edit_commitment(role, client, user_in_role, edit_form_of_superuser):
    client = client_for(client, user_in_role(role))
    before = cl0050()
    data = _edit_page_data(client, edit_form_of_superuser)
    data.update(status=_other_status(before.status), note="Status reviewed")
    response = client.post(EDIT_URL, data)
    after = cl0050()
    if role in MAY_EDIT_COMMITMENTS:
        assert response.status_code == 302 and response["Location"] == "/commitments/CL0050/"
        assert after.status != before.status and after.version == before.version + 1
    else:
        expected = 302 if role == "anonymous" else 403
        assert response.status_code == expected
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/?next=")
        assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_edit_milestone(role, client, user_in_role, edit_form_of_superuser):
    client = client_for(client, user_in_role(role))
    milestone = cl0050().milestones.get(order=1)
    data = _edit_page_data(client, edit_form_of_superuser)
    data[f"milestone-{milestone.pk}-status"] = Completion.NOT_STARTED
    data[f"milestone-{milestone.pk}-note"] = "Design restarted"
    response = client.post(EDIT_URL, data)
    milestone.refresh_from_db()
    assert (milestone.status == Completion.NOT_STARTED) == (role in MAY_EDIT_COMMITMENTS)
    assert response.status_code == (302 if role in MAY_EDIT_COMMITMENTS | {"anonymous"} else 403)


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_never_edit_assessments(role, client, user_in_role, edit_form_of_superuser):
    """The IRM's findings are not on the staff pages: assessment fields posted there change nothing."""
    client = client_for(client, user_in_role(role))
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    data = _edit_page_data(client, edit_form_of_superuser)
    data.update(completion=Completion.NOT_STARTED, **{"assessments-0-completion": Completion.NOT_STARTED})
    client.post(EDIT_URL, data)
    assessment.refresh_from_db()
    assert assessment.completion == Completion.SUBSTANTIAL
    assert 'name="completion"' not in client.get(EDIT_URL).content.decode()


# --- The admin -------------------------------------------------------------------------------


def admin_change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def _admin_form(client, superuser, url, form_id):
    """The change form as the user's browser would post it, or as a superuser's when they have none."""
    response = client.get(url)
    if response.status_code == 200 and f'id="{form_id}"' in response.content.decode() \
            and 'type="submit"' in response.content.decode():
        return form_data(response.content.decode(), form_id)
    from django.test import Client

    other = Client()
    other.force_login(superuser)
    return form_data(other.get(url).content.decode(), form_id)


@pytest.mark.parametrize("role", ROLES)
def test_admin_view(role, client, user_in_role):
    response = client_for(client, user_in_role(role)).get(admin_change_url(cl0050()))
    if role in MAY_VIEW_IN_ADMIN:
        assert response.status_code == 200
        assert "Diseño de la Secretaría Ejecutiva" in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        # Another member's commitment is not in their admin at all.
        assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("role", ROLES)
def test_admin_edit_commitment(role, client, user_in_role, superuser):
    client = client_for(client, user_in_role(role))
    before = cl0050()
    data = _admin_form(client, superuser, admin_change_url(before), "commitment_form")
    data.update(status=_other_status(before.status), change_note="Status reviewed in the admin")
    response = client.post(admin_change_url(before), data)
    after = cl0050()
    assert (after.status != before.status) == (role in MAY_EDIT_COMMITMENTS)
    if role in MAY_EDIT_COMMITMENTS | MAY_EDIT_IRM_FIELDS:
        # A reviewer's save keeps the status as it was (read-only to them) but is a save.
        assert response.status_code == 302 and after.version == before.version + 1
    else:
        assert response.status_code == 302 and after.version == before.version


@pytest.mark.parametrize("role", ROLES)
def test_admin_edit_milestone(role, client, user_in_role, superuser):
    client = client_for(client, user_in_role(role))
    commitment = cl0050()
    data = _admin_form(client, superuser, admin_change_url(commitment), "commitment_form")
    data.update({"milestones-0-status": Completion.NOT_STARTED, "change_note": "Restarted"})
    client.post(admin_change_url(commitment), data)
    first = commitment.milestones.get(order=1)
    assert (first.status == Completion.NOT_STARTED) == (role in MAY_EDIT_COMMITMENTS)


@pytest.mark.parametrize("role", ROLES)
def test_admin_edit_assessment(role, client, user_in_role, superuser):
    client = client_for(client, user_in_role(role))
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    url = admin_change_url(assessment)
    data = _admin_form(client, superuser, url, "assessment_form")
    data["completion"] = Completion.COMPLETE
    response = client.post(url, data)
    assessment.refresh_from_db()
    assert (assessment.completion == Completion.COMPLETE) == (role in MAY_EDIT_ASSESSMENTS)
    if role in ("chile_staff", "other_staff"):
        assert response.status_code == 403


def test_staff_of_another_member_gets_403_on_the_edit_page(client, other_staff, chile):
    client.force_login(other_staff)
    assert client.get(EDIT_URL).status_code == 403


def test_admin_offers_only_the_users_own_action_plans(client, chile_staff, other_staff):
    from commitments.models import ActionPlan
    from tests.commitments.factories import ActionPlanFactory

    ActionPlanFactory(member=StaffMembership.objects.get(user=other_staff).member)
    client.force_login(chile_staff)
    response = client.get("/admin/autocomplete/", {"app_label": "commitments", "model_name": "commitment",
                                                   "field_name": "action_plan", "term": ""})
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == set(ActionPlan.objects.filter(member__slug="chile").values_list("pk", flat=True))


def test_staff_cannot_move_a_commitment_to_another_members_plan(client, chile_staff, other_staff):
    from tests.commitments.factories import ActionPlanFactory

    foreign_plan = ActionPlanFactory(member=StaffMembership.objects.get(user=other_staff).member)
    client.force_login(chile_staff)
    commitment = cl0050()
    data = form_data(client.get(admin_change_url(commitment)).content.decode(), "commitment_form")
    data.update(action_plan=str(foreign_plan.pk), change_note="Moved")
    response = client.post(admin_change_url(commitment), data)
    assert response.status_code == 200  # the form comes back with an error
    assert cl0050().action_plan_id != foreign_plan.pk


def test_admin_changelist_lists_only_the_users_members(client, chile_staff, other_staff):
    from tests.commitments.factories import ActionPlanFactory, CommitmentFactory

    CommitmentFactory(identifier="UY0001",
                      action_plan=ActionPlanFactory(member=StaffMembership.objects.get(user=other_staff).member))
    client.force_login(other_staff)
    response = client.get("/admin/commitments/commitment/")
    assert [c.identifier for c in response.context["cl"].result_list] == ["UY0001"]


# --- grant_member and the rules themselves ----------------------------------------------------


def test_grant_member_gives_the_secretariat_role_and_admin_access(chile, django_user_model):
    user = django_user_model.objects.create_user("new-staff", "", "pw")
    call_command("grant_member", "new-staff", "chile", verbosity=0)
    user.refresh_from_db()
    assert user.is_staff
    assert list(user.staff_memberships.values_list("member__slug", flat=True)) == ["chile"]
    assert permissions.can_edit_commitment(user, cl0050())


def test_grant_member_twice_keeps_one_membership(chile, chile_staff):
    call_command("grant_member", "chile-staff", "chile", verbosity=0)
    assert StaffMembership.objects.filter(user=chile_staff).count() == 1


@pytest.mark.parametrize(("username", "slug", "message"), [
    ("nobody", "chile", "No user named 'nobody'"),
    ("chile-staff", "atlantis", "No member with slug 'atlantis'"),
])
def test_grant_member_refuses_unknown_user_or_member(chile_staff, username, slug, message):
    with pytest.raises(CommandError, match=message):
        call_command("grant_member", username, slug)


def test_the_admin_grants_the_role_on_the_users_page(client, superuser, chile, django_user_model):
    user = django_user_model.objects.create_user("via-admin", "", "pw")
    client.force_login(superuser)
    url = f"/admin/auth/user/{user.pk}/change/"
    data = form_data(client.get(url).content.decode(), "user_form")
    data.update({"staff_memberships-TOTAL_FORMS": "1", "staff_memberships-0-member": str(chile.pk),
                 "staff_memberships-0-user": str(user.pk)})
    response = client.post(url, data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff and permissions.can_edit_commitment(user, cl0050())


def test_reviewers_group_holds_the_reviews_permissions(reviewer):
    assert reviewer.has_perms(["reviews.add_assessment", "reviews.change_assessment",
                               "reviews.add_irmreport", "reviews.change_irmreport"])
    assert not reviewer.has_perm("commitments.change_commitment")
    assert permissions.can_edit_assessment(reviewer)


def test_an_inactive_staff_user_may_edit_nothing(chile_staff):
    chile_staff.is_active = False
    assert not permissions.can_edit_commitment(chile_staff, cl0050())




@pytest.mark.parametrize(("role", "expected"), [("chile_staff", 200), ("other_staff", 403),
                                                ("reviewer", 200), ("anonymous", 302)])
def test_admin_history_of_a_commitment_follows_the_roles(role, expected, client, user_in_role, superuser):
    commitment = cl0050()
    owner = Client()
    owner.force_login(superuser)
    data = form_data(owner.get(admin_change_url(commitment)).content.decode(), "commitment_form")
    data.update(status=_other_status(commitment.status), change_note="Status reviewed")
    assert owner.post(admin_change_url(commitment), data).status_code == 302
    response = client_for(client, user_in_role(role)).get(admin_change_url(commitment).replace("change/",
                                                                                              "history/"))
    assert response.status_code == expected
    if expected == 200:
        assert "Status reviewed" in response.content.decode()


def test_admin_history_cannot_revert_past_the_version_check(client, chile, superuser):
    commitment = cl0050()
    client.force_login(superuser)
    data = form_data(client.get(admin_change_url(commitment)).content.decode(), "commitment_form")
    data.update(status=_other_status(commitment.status), change_note="Status reviewed")
    client.post(admin_change_url(commitment), data)
    record = commitment.history.order_by("history_date").first()
    url = admin_change_url(commitment).replace("change/", f"history/{record.history_id}/")
    response = client.post(url, data)
    assert response.status_code == 403
    assert cl0050().status != commitment.status


# --- The IRM's fields of a commitment: starred, carried forward, the IRM's kept columns -------

IRM_ROLES = ["chile_staff", "reviewer", "superuser"]
# What each role posts: the IRM's fields, and a kept column that is not the IRM's.
IRM_POST = {"starred": "on", "carried_forward": "yes", "ogp_max_star": "1", "ogp_binding_constraint": "STAR"}
SECRETARIAT_POST = {"ogp_id": "9999", "ogp_updated_website": "1/2/2026"}
# Kept before the save: an IRM column, a secretariat one, and a modelled cell's spelling from an
# import (the admin does not offer it: it stays as it was).
STORED_EXTRA = {"Max star": "0", "id": "441", "Lead Institution": "N/A"}


def _public_star(identifier):
    anonymous = Client()
    listed = f'href="/commitments/{identifier}/"' in anonymous.get("/commitments/", {"starred": "true"}) \
        .content.decode()
    page = anonymous.get(f"/commitments/{identifier}/").content.decode()
    return listed, 'Starred</dt><dd><span class="star">' in page


@pytest.mark.parametrize("role", IRM_ROLES)
def test_admin_irm_fields_of_a_commitment(role, client, user_in_role, superuser):
    before = cl0050()
    Commitment.objects.filter(pk=before.pk).update(ogp_extra=STORED_EXTRA)
    client = client_for(client, user_in_role(role))
    url = admin_change_url(before)
    data = _admin_form(client, superuser, url, "commitment_form")
    data.update(IRM_POST, **SECRETARIAT_POST, change_note="IRM fields reviewed")

    response = client.post(url, data)

    assert response.status_code == 302
    after = cl0050()
    irm, others = role in MAY_EDIT_IRM_FIELDS, role in MAY_EDIT_COMMITMENTS
    assert after.starred is irm
    assert after.carried_forward == ("yes" if irm else before.carried_forward)
    assert after.ogp_extra == {
        "Max star": "1" if irm else "0", **({"Binding constraint": "STAR"} if irm else {}),
        "id": "9999" if others else "441", **({"Updated? (Website)": "1/2/2026"} if others else {}),
        "Lead Institution": "N/A"}
    # The star the public sees is the IRM's only: on the page and in ?starred=true.
    assert _public_star("CL0050") == (irm, irm)


def test_the_secretariat_sees_the_irm_fields_read_only(client, chile_staff):
    client.force_login(chile_staff)
    body = client.get(admin_change_url(cl0050())).content.decode()
    assert 'name="starred"' not in body and 'name="carried_forward"' not in body
    assert re.search(r'<input[^>]*name="ogp_max_star"[^>]*disabled', body)
    assert re.search(r'<input[^>]*name="ogp_id"', body)
    assert not re.search(r'<input[^>]*name="ogp_id"[^>]*disabled', body)
    assert 'name="status"' in body


def test_a_reviewer_sees_only_the_irm_fields_writable(client, reviewer, chile):
    client.force_login(reviewer)
    body = client.get(admin_change_url(cl0050())).content.decode()
    assert 'name="starred"' in body and 'name="carried_forward"' in body
    assert not re.search(r'<input[^>]*name="ogp_max_star"[^>]*disabled', body)
    assert re.search(r'<input[^>]*name="ogp_id"[^>]*disabled', body)
    for name in ("status", "title", "identifier", "action_plan", "milestones-0-status"):
        assert f'name="{name}"' not in body


@pytest.mark.parametrize("role", IRM_ROLES)
def test_admin_assessment_inline_of_a_commitment(role, client, user_in_role, superuser):
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    url = admin_change_url(cl0050())
    owner = Client()
    owner.force_login(superuser)
    inline = form_data(owner.get(url).content.decode(), "commitment_form")
    client = client_for(client, user_in_role(role))
    data = _admin_form(client, superuser, url, "commitment_form")
    # Posted whole, as a crafted request would, whatever the user's own form holds.
    data.update({key: value for key, value in inline.items() if key.startswith("assessments-")})
    index = next(key.split("-")[1] for key, value in inline.items()
                 if key.startswith("assessments-") and key.endswith("-id") and value == str(assessment.pk))
    data.update({f"assessments-{index}-completion": Completion.COMPLETE,
                 f"assessments-{index}-starred": "yes", "change_note": "Assessment reviewed"})

    response = client.post(url, data)

    assert response.status_code == 302
    assessment.refresh_from_db()
    may = role in MAY_EDIT_ASSESSMENTS
    assert assessment.completion == (Completion.COMPLETE if may else Completion.SUBSTANTIAL)
    assert (assessment.starred == "yes") is may


def test_a_stray_permission_does_not_let_the_secretariat_write_assessments(client, chile_staff):
    from django.contrib.auth.models import Permission

    chile_staff.user_permissions.add(Permission.objects.get(codename="add_assessment"),
                                     Permission.objects.get(codename="view_assessment"))
    client.force_login(chile_staff)
    assert client.get("/admin/reviews/assessment/add/").status_code == 403
    assessment = cl0050().assessments.get(report__kind="end-of-term")
    response = client.get(admin_change_url(assessment))
    assert response.status_code == 200 and 'name="completion"' not in response.content.decode()
