"""Atom feeds of the public change history: all changes, one member's, one commitment's."""

import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import history, validators
from .models import Commitment, Member

FEED_LENGTH = 50
# What XML 1.0 cannot carry (control characters other than tab and newlines, lone surrogates,
# U+FFFE and U+FFFF): stored text may hold them still, and one would make the whole feed fail.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value):
    return NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


class AtomFeed(Atom1Feed):
    """Atom whatever the stored text: every text made fit for XML, summaries typed text.

    Django types an Atom summary "html" but escapes it only once (as XML), so a note with markup
    would reach feed readers as markup; our summaries are plain text, and say so.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = {key: _xml_text(value) for key, value in self.feed.items()}

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = {key: _xml_text(value) for key, value in self.items[-1].items()}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
        if item.get("evidence_url"):
            # The change's evidence as a link of the entry (Atom's "related"), beside its page.
            handler.addQuickElement("link", "", {"rel": "related", "href": item["evidence_url"]})


def _evidence(entry) -> str:
    """The entry's evidence link if it is one the project renders (http or https), else ""."""
    return entry.evidence_url if validators.is_link(entry.evidence_url) else ""


class ChangesFeed(Feed):
    """Every recorded change to commitments, milestones and IRM assessments, newest first."""

    feed_type = AtomFeed
    title = _("ogptracker: changes to OGP commitments")
    subtitle = _("Status changes of commitments and milestones, with the note explaining each.")

    def link(self, obj=None):
        return reverse("commitments:home")

    def feed_url(self, obj=None):
        return reverse("commitments:feed")

    def items(self, obj=None):
        return history.recent(limit=FEED_LENGTH)

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        lines = [str(change) for change in entry.changes]
        if entry.removed:
            lines.append(str(_("Removed.")))
        note = entry.note or str(_("(no note)"))
        if evidence := _evidence(entry):
            lines.append(str(_("Evidence: %(link)s") % {"link": evidence}))
        return "\n".join([str(_("Note: %(note)s") % {"note": note}), *lines])

    def item_extra_kwargs(self, entry):
        return {"evidence_url": _evidence(entry)}

    def item_link(self, entry):
        return entry.url

    def item_pubdate(self, entry):
        return entry.when

    def item_updateddate(self, entry):
        return entry.when

    def item_author_name(self, entry):
        return entry.author


class MemberChangesFeed(ChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Member, slug=slug)

    def title(self, member):
        return _("ogptracker: changes to %(member)s's commitments") % {"member": member.name}

    def link(self, member):
        return member.get_absolute_url()

    def feed_url(self, member):
        return reverse("commitments:member-feed", args=[member.slug])

    def items(self, member):
        return history.recent(member=member, limit=FEED_LENGTH)


class CommitmentChangesFeed(ChangesFeed):
    def get_object(self, request, identifier):
        return get_object_or_404(Commitment.objects.select_related("action_plan__member"),
                                 identifier=identifier)

    def title(self, commitment):
        return _("ogptracker: changes to %(identifier)s") % {"identifier": commitment.identifier}

    def link(self, commitment):
        return commitment.get_absolute_url()

    def feed_url(self, commitment):
        return reverse("commitments:commitment-feed", args=[commitment.identifier])

    def items(self, commitment):
        return history.recent(commitment=commitment, limit=FEED_LENGTH)
