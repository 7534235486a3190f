"""Fixtures shared by every test module."""

import pytest
from django.core.management import call_command


@pytest.fixture
def chile(db):
    """The Chile seed, loaded as a user would: `manage.py loaddata chile`."""
    call_command("loaddata", "chile", verbosity=0)
    from commitments.models import Member

    return Member.objects.get(slug="chile")


@pytest.fixture
def staff_user(db, django_user_model):
    """A secretariat staff member with the admin permissions on commitments and reviews."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("staff", "staff@example.org", "pw-for-tests-only",
                                                 is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["commitments", "reviews"]))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
