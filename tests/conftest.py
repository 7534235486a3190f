"""Fixtures shared by every test module."""

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached facet counts must not outlive a test's data."""
    cache.clear()


@pytest.fixture
def chile(db):
    """The Chile seed, loaded as a user would: `manage.py loaddata chile`."""
    call_command("loaddata", "chile", verbosity=0)
    from commitments.models import Member

    return Member.objects.get(slug="chile")


@pytest.fixture
def staff_user(chile, django_user_model):
    """Secretariat staff of Chile, who also holds every model permission on commitments and reviews
    (so reads every member's rows and edits the IRM's findings, as a reviewer would)."""
    from django.contrib.auth.models import Permission

    from commitments.services import staff_membership_grant

    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw-for-tests-only",
                                                 is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["commitments", "reviews"]))
    staff_membership_grant(user=user, member=chile)
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


# --- Users in each role, made the way the project makes them (grant_member, the reviewers' group).

ROLE_PASSWORD = "a-long-test-password-41"


@pytest.fixture
def chile_staff(chile, django_user_model):
    user = django_user_model.objects.create_user("chile-staff", "ana@example.org", ROLE_PASSWORD)
    call_command("grant_member", "chile-staff", "chile", verbosity=0)
    user.refresh_from_db()
    return user


@pytest.fixture
def other_staff(chile, django_user_model):
    # After the seed: loaddata would otherwise overwrite a member made first (same primary key).
    from tests.commitments.factories import MemberFactory

    MemberFactory(name="Uruguay", slug="uruguay")
    user = django_user_model.objects.create_user("uruguay-staff", "uy@example.org", ROLE_PASSWORD)
    call_command("grant_member", "uruguay-staff", "uruguay", verbosity=0)
    user.refresh_from_db()
    return user


@pytest.fixture
def reviewer(db, django_user_model):
    from django.contrib.auth.models import Group

    from commitments.permissions import REVIEWERS_GROUP

    user = django_user_model.objects.create_user("reviewer", "irm@example.org", ROLE_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return user


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", ROLE_PASSWORD)


@pytest.fixture
def user_in_role(request, chile):
    """The user of the role named by the test's `role` parameter; None for anonymous."""

    def get(role):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get
