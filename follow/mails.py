"""The mails: the confirmation and the digest, in the subscriber's language, plain text.

Every mail carries its unsubscribe link in the body and in List-Unsubscribe, with
List-Unsubscribe-Post so that mail programs offer one-click unsubscribing (RFC 8058). Texts from
the record (titles, notes) go into the plain-text body as they are, markup included, but without
control characters; a subject is one line whatever the title.
"""

from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.validators import is_link, without_control_characters

from . import links
from .models import CONFIRMATION_DAYS, Subscription

SUBJECT_LENGTH = 120


def _one_line(text: str) -> str:
    return " ".join(without_control_characters(str(text)).split())


def site_headers() -> dict:
    """`Date` with its zone and a `Message-ID` on the site's domain.

    Django's defaults write the date as `-0000` ("no zone information", RFC 5322 3.3) and the
    Message-ID on the sending machine's name (`localhost` in a container), which spam filters
    score and threading clients cannot trust; both are written here from the site's own address.
    """
    return {"Date": format_datetime(timezone.now()),
            "Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")}


def _message(subscription: Subscription, subject: str, template: str, context: dict,
             connection=None) -> EmailMessage:
    unsubscribe = links.unsubscribe_url(subscription)
    body = render_to_string(template, {**context, "unsubscribe_url": unsubscribe,
                                       "followed": _one_line(subscription.followed_name),
                                       "page_url": links.absolute(subscription.page)})
    return EmailMessage(
        subject=Truncator(_one_line(subject)).chars(SUBJECT_LENGTH), body=without_control_characters(body),
        to=[subscription.email], connection=connection,
        headers={**site_headers(), "List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"})


def send_confirmation(subscription: Subscription) -> None:
    with translation.override(subscription.language):
        _message(subscription, _("Confirm that you follow %(followed)s on ogptracker") % {
            "followed": subscription.followed_name},
            "follow/mail/confirmation.txt",
            {"confirm_url": links.confirm_url(subscription), "days": CONFIRMATION_DAYS}).send()


def digest_lines(entry) -> dict:
    """What the digest shows of one history entry, as plain text."""
    # The evidence link of a change, where the history records one (commitments/history.py).
    evidence = getattr(entry, "evidence_url", "") or ""
    return {
        "title": _one_line(entry.title),
        "when": entry.when,
        "author": _one_line(entry.author),
        "changes": [(_one_line(c.label), _one_line(c.old), _one_line(c.new)) for c in entry.changes],
        "removed": entry.removed,
        "note": without_control_characters(entry.note).strip(),
        "evidence_url": evidence if is_link(evidence) else "",
        "url": links.absolute(entry.url),
    }


def digest_message(subscription: Subscription, entries, *, more: bool, connection=None) -> EmailMessage:
    """The digest of `entries` (newest first); `more`: some were left out, the page has them all.
    Rendered in the active language (the caller's, the subscriber's)."""
    count = len(entries)
    subject = ngettext("ogptracker: %(count)s change to %(followed)s",
                       "ogptracker: %(count)s changes to %(followed)s", count) % {
        "count": count, "followed": subscription.followed_name}
    return _message(subscription, subject, "follow/mail/digest.txt",
                    {"entries": [digest_lines(entry) for entry in entries], "more": more},
                    connection=connection)
