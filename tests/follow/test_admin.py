"""Subscriptions in the admin: the secretariat finds an address and removes it on request; nobody
subscribes anyone there (only the address's owner confirms)."""

import pytest
from django.test import Client

from follow.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(inbox):
    Client().post("/follow/", {"email": "ana@example.org", "target": "site"})
    return Subscription.objects.get()


def test_a_superuser_finds_an_address_and_may_delete_but_not_add_or_edit(client, superuser, confirmed):
    client.force_login(superuser)
    listing = client.get("/admin/follow/subscription/", {"q": "ana@"})
    assert listing.status_code == 200 and b"ana@example.org" in listing.content
    assert client.get("/admin/follow/subscription/add/").status_code == 403
    change = client.get(f"/admin/follow/subscription/{confirmed.pk}/change/")
    assert change.status_code == 200
    assert confirmed.key.encode() not in change.content  # the links' secret stays out of the page
    assert b'name="email"' not in change.content  # read only
    client.post(f"/admin/follow/subscription/{confirmed.pk}/delete/", {"post": "yes"})
    assert not Subscription.objects.exists()


def test_secretariat_staff_do_not_see_the_subscribers(client, chile_staff, confirmed):
    client.force_login(chile_staff)
    assert client.get("/admin/follow/subscription/").status_code == 403
