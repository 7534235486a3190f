"""The signed links of the mails: confirm a subscription, end it.

A link carries the subscription's id and its random key, signed with the site's secret and a salt
per purpose, so a confirmation link cannot be turned into an unsubscribe link or the other way
round, and an id alone (or a guessed one) opens nothing. Expiry is the subscription's own rule
(Subscription.confirmation_expired), not the signature's: one rule, read from the database.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from .models import Subscription

CONFIRM = "follow.confirm"
UNSUBSCRIBE = "follow.unsubscribe"


def new_key() -> str:
    return secrets.token_urlsafe(16)


def token(subscription: Subscription, purpose: str) -> str:
    return signing.dumps([subscription.pk, subscription.key], salt=purpose, compress=False)


def subscription_of(value: str, purpose: str) -> tuple[bool, Subscription | None]:
    """(whether the token is genuine, its subscription if it still exists and the key matches)."""
    try:
        pk, key = signing.loads(value, salt=purpose)
        pk, key = int(pk), str(key)
    except (signing.BadSignature, TypeError, ValueError):
        return False, None
    subscription = (Subscription.objects.select_related("member", "commitment__action_plan__member")
                    .filter(pk=pk).first())
    if subscription is None or not constant_time_compare(subscription.key, key):
        return True, None  # signed by us, but unsubscribed since or replaced by a newer confirmation
    return True, subscription


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_url(subscription: Subscription) -> str:
    return absolute(reverse("follow:confirm", args=[token(subscription, CONFIRM)]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(reverse("follow:unsubscribe", args=[token(subscription, UNSUBSCRIBE)]))
