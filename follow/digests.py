"""The daily digests (`manage.py send_digests`): each confirmed subscriber gets the changes recorded
since their last digest on what they follow, once.

The changes are read through commitments/history.py (recent(), as the Atom feeds read them), once
per followed thing and language. Each subscriber's digest is sent and recorded (digested_until
moved on) in one transaction of its own: a run that stops halfway has recorded every digest it
sent and none it did not, so the next run sends the rest and nothing twice.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from commitments import history

from . import mails
from .models import CONFIRMATION_DAYS, Subscription

logger = logging.getLogger(__name__)

# The most changes one digest lists; the rest are on the page it links to.
DIGEST_LENGTH = 100


@dataclass
class Run:
    sent: int = 0
    unchanged: int = 0
    failed: int = 0
    expired: int = 0
    unreachable: bool = False  # the mail server could not be reached: the run stopped there


class _Unreachable(Exception):
    pass


def _followed(subscription):
    return subscription.target, subscription.member_id, subscription.commitment_id, subscription.language


def send_digests(*, now: datetime.datetime | None = None) -> Run:
    now = now or timezone.now()
    until = now - datetime.timedelta(minutes=settings.FOLLOW_DIGEST_DELAY_MINUTES)
    run = Run()
    # Pending requests nobody confirmed in time: their address is not kept.
    run.expired, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, requested_at__lt=now - datetime.timedelta(days=CONFIRMATION_DAYS)).delete()
    due = (Subscription.objects.filter(confirmed_at__isnull=False, digested_until__lt=until)
           .select_related("member", "commitment__action_plan__member")
           .order_by("target", "member_id", "commitment_id", "language", "pk"))
    connection = get_connection()  # opened at the first digest sent, so a quiet run connects to nothing
    try:
        for (_target, _member, _commitment, language), group in groupby(list(due), key=_followed):
            group = list(group)
            with translation.override(language):
                entries = [entry for entry in history.recent(member=group[0].member,
                                                             commitment=group[0].commitment,
                                                             limit=DIGEST_LENGTH)
                           if entry.when <= until]
                for subscription in group:
                    _deliver(subscription, entries, until, connection, run)
    except _Unreachable:
        # Every further digest would wait for the same timeout; the next run sends them all.
        logger.exception("The mail server could not be reached; the digests left are sent next time.")
        run.unreachable = True
    finally:
        connection.close()
    return run


def _deliver(subscription, entries, until, connection, run) -> None:
    since = subscription.digested_until
    mine = [entry for entry in entries if entry.when > since]
    # All of the latest DIGEST_LENGTH changes are new: older new ones may have been left out.
    more = len(mine) == DIGEST_LENGTH
    try:
        with transaction.atomic():
            # Still due as read (not unsubscribed, not sent by a run alongside): this run sends it.
            sent = {"last_digest_at": timezone.now(), "digests_sent": F("digests_sent") + 1} if mine else {}
            claimed = Subscription.objects.filter(pk=subscription.pk, digested_until=since).update(
                digested_until=until, **sent)
            if not claimed or not mine:
                run.unchanged += 1
                return
            try:
                connection.open()  # once: an open connection is kept
            except (smtplib.SMTPException, OSError) as error:
                raise _Unreachable from error
            mails.digest_message(subscription, mine, more=more, connection=connection).send()
    except (smtplib.SMTPException, OSError):
        # Not recorded: the next run sends these changes with the later ones.
        logger.exception("The digest to subscription %s could not be sent.", subscription.pk)
        run.failed += 1
        return
    run.sent += 1
