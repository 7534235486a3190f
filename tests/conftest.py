"""Fixtures shared by every test module."""

import copy
import importlib
import uuid

import pytest
from django.core.management import call_command
from pytest_django.plugin import blocking_manager_key

from tests.caches import clear_caches


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached facet counts must not outlive a test's data."""
    clear_caches()


# Rows the migrations write (the IRM reviewers' group and its permissions, the facets' version).
# A transactional test (a live server, gunicorn) ends by flushing every table, those rows too;
# serially pytest-django runs
# such tests last, but an xdist worker runs the files it is given in turn, so later tests of the
# same worker would find no group (CI: Group.DoesNotExist in tests/reviews/test_history.py).
_REVIEWERS_MIGRATION = importlib.import_module("reviews.migrations.0003_irm_reviewers_group")


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's teardown (its flush is the last of its fixtures' finalizers,
    hence a hook, not a fixture), the migrations' rows again."""
    yield
    # The last test's teardown also ends the session (its test database is gone by now).
    if nextitem is None or not _transactional(item):
        return
    from django.contrib.auth.models import Group, Permission

    from commitments.models import FacetDataVersion

    # The flush re-creates permissions and content types (post_migrate), not the group.
    with item.config.stash[blocking_manager_key].unblock():
        group, _ = Group.objects.get_or_create(name=_REVIEWERS_MIGRATION.GROUP_NAME)
        for app_label, codenames in _REVIEWERS_MIGRATION.PERMISSIONS.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label,
                                                             codename__in=codenames))
        # Migration 0011's row: without it a page's first read of the facets' version writes it
        # (two queries more than a query-count test pins).
        FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


# What `manage.py loaddata chile` wrote the first time this process ran it: {model: [rows as
# values()]}. 356 tests start from the seed; loading it runs each row's receivers (search text,
# stored ratings, the facets' version: about 700 queries, most of a second on PostgreSQL), so later
# loads write those same rows back in one INSERT per table instead. Empty until a load is seen
# that only added rows (one that changed a test's own rows is no copy to make).
_SEED_ROWS: dict = {}


def _table_rows() -> dict:
    from django.apps import apps

    return {model: {row[model._meta.pk.attname]: row for row in model._base_manager.values()}
            for model in apps.get_models(include_auto_created=True)}


def _load_and_keep_the_rows():
    from commitments.models import FacetDataVersion

    before = _table_rows()
    call_command("loaddata", "chile", verbosity=0)
    after = _table_rows()
    seed = {}
    for model, rows in after.items():
        if model is FacetDataVersion:  # one row, made by the migrations (or the first read): loads move it
            continue
        changed = [pk for pk, row in before[model].items() if rows.get(pk) != row]
        if changed:
            return
        if new := [row for pk, row in rows.items() if pk not in before[model]]:
            seed[model] = new
    _SEED_ROWS.update(seed)


def _seed_rows_are_free() -> bool:
    """None of the seed's rows is there already (loaddata would overwrite it: only a real one may)."""
    return not any(model._base_manager.filter(pk__in=[row[model._meta.pk.attname] for row in rows]).exists()
                   for model, rows in _SEED_ROWS.items() if not model._meta.auto_created)


def load_chile():
    """Load the Chile seed into the test database: exactly the rows `loaddata chile` writes."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from commitments.freshness import versions

    if not _SEED_ROWS:
        _load_and_keep_the_rows()
        return
    if not _seed_rows_are_free():
        call_command("loaddata", "chile", verbosity=0)
        return
    with transaction.atomic():
        for model, rows in _SEED_ROWS.items():
            # Copies: a test may change a JSON field's dict in place. The many-to-many rows get new
            # ids from their sequence, as loaddata's .set() gives them.
            copies = [copy.deepcopy(row) for row in rows]
            if model._meta.auto_created:
                for row in copies:
                    row.pop(model._meta.pk.attname)
            fields = [field for field in model._meta.concrete_fields if field.attname in copies[0]]
            # A raw insert, as loaddata saves (save_base(raw=True)): bulk_create would date the
            # created_at and updated_at fields now, not as the seed has them.
            model._base_manager._insert([model(**row) for row in copies], fields=fields, raw=True)
        # As loaddata ends: each sequence past the rows it wrote, and a new facets' version.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(_SEED_ROWS)):
                cursor.execute(sql)
        versions.invalidate()


@pytest.fixture
def chile(db):
    """The Chile seed, as `manage.py loaddata chile` leaves it (load_chile)."""
    load_chile()
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
