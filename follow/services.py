"""Writes of the follow app: ask to follow, confirm, unsubscribe.

Nothing here says whether an address already follows something: follow_request answers only
whether it sent a mail, and the view shows the same page either way.
"""

import logging
import smtplib

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import links, mails
from .models import Subscription

logger = logging.getLogger(__name__)


def follow_request(*, email: str, target: str, member=None, commitment=None, language: str) -> bool:
    """Ask for a confirmation mail; whether one was sent.

    None is sent while the address's confirmation for the same target is pending and unexpired,
    nor once it is confirmed. An expired request gets a new key (its old link stops working) and
    a new mail. The row is written only if the mail went out: a mail server that refuses leaves
    nothing behind, so asking again later tries again.
    """
    email = email.strip().lower()
    now = timezone.now()
    try:
        with transaction.atomic():
            subscription = (Subscription.objects.select_for_update()
                            .filter(email=email, target=target, member=member, commitment=commitment).first())
            if subscription is not None and (subscription.confirmed_at is not None
                                             or not subscription.confirmation_expired(now)):
                return False
            if subscription is None:
                subscription = Subscription(email=email, target=target, member=member, commitment=commitment)
            subscription.key = links.new_key()
            subscription.language = language
            subscription.requested_at = now
            subscription.save()
            mails.send_confirmation(subscription)
    except IntegrityError:
        return False  # a request for the same address and target, at the same moment, won
    except (smtplib.SMTPException, OSError):
        logger.exception("The confirmation mail could not be sent; nothing was recorded.")
        return False
    return True


@transaction.atomic
def confirm(subscription: Subscription) -> bool:
    """Confirm a pending subscription; whether it was pending (False: confirmed before). Changes
    from now on go into its digests."""
    now = timezone.now()
    updated = Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=now, digested_until=now)
    subscription.refresh_from_db()
    return bool(updated)


def unsubscribe(subscription: Subscription) -> None:
    """End the subscription (pending or confirmed): its row goes, and with it the address."""
    Subscription.objects.filter(pk=subscription.pk).delete()
