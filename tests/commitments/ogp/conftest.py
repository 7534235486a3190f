"""Fixtures of the importer's tests: who uploads in the admin."""

import pytest
from django.test import Client


@pytest.fixture
def importer(db, django_user_model):
    """A superuser: the import writes every member's commitments and the IRM's assessments."""
    return django_user_model.objects.create_superuser("importer", "importer@example.org",
                                                      "pw-for-tests-only")


@pytest.fixture
def importer_client(importer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(importer)
    return client
