"""The public change history: timeline entries, the state on a past day, and recent changes for feeds.

Entries are read from django-simple-history's tables (commitments with their links, milestones,
sources, assessments, and IRM reports for their titles), each compared with the record before
it. They are read from the historical rows, not through live foreign keys, so a report or a
commitment deleted since keeps its entries. Authors are shown as recorded when the change was made
(record_author, which freshness/saves.py runs before each record is written): the institution of
the author's staff membership, "Secretariat" or "IRM", never a name or an e-mail address.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from typing import NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from reviews.models import Assessment, IRMReport

from .models import ActionPlan, Commitment, Milestone, Source, StaffMembership

# Fields whose changes the public timeline reports; bookkeeping fields are left out.
COMMITMENT_FIELDS = ("status", "title", "short_title", "start_date", "end_date", "lead_institution",
                     "starred", "carried_forward", "description")
MILESTONE_FIELDS = ("status", "start_date", "end_date", "completed_on", "evidence_url", "text", "order")
SOURCE_FIELDS = ("footnote", "text", "url")
ASSESSMENT_FIELDS = ("completion", "change_in_completion", "did_it_open_government", "early_results",
                     "starred", "specificity", "potential_impact", "potential_for_results", "narrative",
                     "summary", "open_government_narrative")
# The names of a commitment's links recorded on its historical record (models.RecordedLinks),
# with the many-to-many field whose label they are shown under.
LINK_FIELDS = (("history_supporting_institutions", "supporting_institutions"),
               ("history_policy_areas", "policy_areas"))
# Each kind of record: its model, the field holding its commitment's id, the fields shown.
KINDS = {
    "commitment": (Commitment, "id", COMMITMENT_FIELDS),
    "milestone": (Milestone, "commitment_id", MILESTONE_FIELDS),
    "source": (Source, "commitment_id", SOURCE_FIELDS),
    "assessment": (Assessment, "commitment_id", ASSESSMENT_FIELDS),
}

# The changes' order (recent()): newest first; at one moment (a bulk write dates many records
# alike), by kind in KINDS' order, then the latest written (highest history_id) first. A total
# order, so a page resumes after a Position without losing or repeating an entry. Position.sort_key
# and _after_in_sql are its two spellings (Python's, SQL's).
KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

SECRETARIAT = _("Secretariat")
IRM = _("Independent Reporting Mechanism")
# Values and titles are shortened so that an entry stays one readable line whatever the text.
VALUE_LENGTH = 120
TITLE_LENGTH = 80


class Position(NamedTuple):
    """Where a record stands in the changes' order: its date, its kind, its historical id."""

    when: datetime.datetime
    kind: str
    history_id: int

    def sort_key(self):
        """Descending sort_key is the changes' order."""
        return (self.when, -KIND_RANK[self.kind], self.history_id)


@dataclass
class Change:
    label: str
    old: str
    new: str
    # A whole sentence where one says it better than "label: old → new" (a rescheduled end date).
    sentence: str = ""

    def __str__(self):
        return self.sentence or f"{self.label}: {self.old} → {self.new}"


@dataclass
class Entry:
    """One change as the public sees it."""

    history_id: str
    when: datetime.datetime
    author: str
    subject: str
    note: str
    commitment_identifier: str
    kind: str  # "commitment", "milestone", "source" or "assessment"
    removed: bool = False
    changes: list[Change] = field(default_factory=list)
    commitment_title: str = ""
    # The page the entry links to when its commitment's own page is gone (its member's page).
    page: str = ""
    # The link its editor gave as evidence for the change, as recorded: render it only if
    # validators.is_link (a record written before the rule may hold anything).
    evidence_url: str = ""
    # Its record's place in recent()'s order.
    position: Position | None = None

    @property
    def url(self) -> str:
        page = self.page
        if not page:
            try:
                page = reverse("commitments:commitment-detail", args=[self.commitment_identifier])
            except NoReverseMatch:  # an identifier stored before they were validated
                page = reverse("commitments:home")
        return f"{page}#change-{self.history_id}"

    @property
    def title(self) -> str:
        what = "; ".join(f"{c.label}: {c.new}" for c in self.changes) or str(_("removed"))
        commitment = Truncator(self.commitment_title).chars(TITLE_LENGTH)
        return f"{self.commitment_identifier}: {commitment} · {self.subject} · {what}"


def _shorten(value: str) -> str:
    return Truncator(value).chars(VALUE_LENGTH)


def _display(record, name) -> str:
    model_field = record._meta.get_field(name)
    value = getattr(record, f"{name}_id" if model_field.is_relation else name)
    if value in (None, ""):
        return "—"
    if model_field.is_relation:
        try:
            related = getattr(record, name)
        except ObjectDoesNotExist:
            related = None
        return _shorten(str(related)) if related is not None else str(_("(deleted)"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return _shorten(str(value))


def is_rescheduling(kind, old_end, new_end) -> bool:
    """A milestone's end date moved from one date to another (set or cleared is not rescheduling)."""
    return kind == "milestone" and None not in (old_end, new_end) and old_end != new_end


def _changes(kind, record, previous) -> list[Change]:
    changes = []
    for name in KINDS[kind][2]:
        attr = f"{name}_id" if record._meta.get_field(name).is_relation else name
        if getattr(record, attr) != getattr(previous, attr):
            change = Change(capfirst(str(record._meta.get_field(name).verbose_name)),
                            _display(previous, name), _display(record, name))
            if name == "end_date" and is_rescheduling(kind, previous.end_date, record.end_date):
                # Dates as the commitment page shows them, in the reader's language.
                change.sentence = str(_("End date moved from %(old)s to %(new)s") % {
                    "old": date_format(previous.end_date, "DATE_FORMAT"),
                    "new": date_format(record.end_date, "DATE_FORMAT")})
            changes.append(change)
    if kind == "commitment":
        for attr, name in LINK_FIELDS:
            old, new = getattr(previous, attr), getattr(record, attr)
            # None: a bulk write recorded no links, so what changed is not known.
            if old is not None and new is not None and sorted(old) != sorted(new):
                changes.append(Change(capfirst(str(Commitment._meta.get_field(name).verbose_name)),
                                      _names(old), _names(new)))
    return changes


def _names(names) -> str:
    return _shorten(", ".join(sorted(names))) if names else "—"


def _subject(kind, record, report_titles) -> str:
    if kind == "milestone":
        return str(_("Milestone %(order)s") % {"order": record.order})
    if kind == "source":
        return str(_("Source [%(footnote)s]") % {"footnote": record.footnote})
    if kind == "assessment":
        return report_titles.get(record.report_id) or str(_("IRM assessment"))
    return str(_("Commitment"))


def _report_titles(records) -> dict:
    """Report id -> its title: the live report's, else the last one its history recorded."""
    ids = {record.report_id for kind, record, _previous in records if kind == "assessment"}
    if not ids:
        return {}
    titles = dict(IRMReport.objects.filter(pk__in=ids).values_list("pk", "title"))
    if ids - titles.keys():
        # Deleted reports: their last record (the deletion's) holds the title they had.
        for pk, title in (IRMReport.history.filter(id__in=ids - titles.keys())
                          .order_by("history_date", "history_id").values_list("id", "title")):
            titles[pk] = title
    return titles


def _commitment_id(kind, record):
    return record.id if kind == "commitment" else record.commitment_id


def _by_when(entry):
    return entry.when


def _entries(pairs, commitments, key=_by_when) -> list[Entry]:
    """Timeline entries from (kind, record, previous record or None) triples; commitments maps the
    id of each commitment concerned to (identifier, title, page or "")."""
    report_titles = _report_titles(pairs)
    entries = []
    for kind, record, previous in pairs:
        if record.history_type == "+" or (record.history_type == "~" and previous is None):
            continue  # a first record (creation, import, baseline) is not a change
        changes = [] if record.history_type == "-" else _changes(kind, record, previous)
        if record.history_type == "~" and not changes:
            continue
        identifier, title, page = commitments[_commitment_id(kind, record)]
        # Recorded when the change was made (record_author); empty: the secretariat's role.
        author = str(IRM) if kind == "assessment" else (record.history_author or str(SECRETARIAT))
        entries.append(Entry(
            history_id=f"{kind[0]}{record.history_id}", when=record.history_date, author=author,
            subject=_subject(kind, record, report_titles), note=record.history_change_reason or "",
            commitment_identifier=identifier, kind=kind, removed=record.history_type == "-",
            changes=changes, commitment_title=title, page=page,
            evidence_url=getattr(record, "history_evidence_url", "") or "",
            position=_position(kind, record),
        ))
    entries.sort(key=key, reverse=True)
    return entries


def _position(kind, record) -> Position:
    return Position(record.history_date, kind, record.history_id)


def _with_previous(kind, records):
    """(kind, record, previous) for every record, given each object's whole history."""
    pairs = []
    for _key, group in groupby(sorted(records, key=lambda r: (r.id, r.history_date)), key=lambda r: r.id):
        previous = None
        for record in group:
            pairs.append((kind, record, previous))
            previous = record
    return pairs


def timeline(commitment, since=None) -> list[Entry]:
    """Every change to the commitment, its links, milestones, sources and assessments, newest first."""
    return timeline_and_reschedules(commitment, since)[0]


def timeline_and_reschedules(commitment, since=None) -> tuple[list[Entry], dict]:
    """timeline(), and {milestone id: how many times its end date was moved} read from the same
    records (the commitment page shows both: no query of its own for the counts)."""
    pairs = []
    for kind, (model, commitment_field, _names) in KINDS.items():
        records = model.history.filter(**{commitment_field: commitment.pk})
        if kind == "commitment":
            records = records.select_related("lead_institution")
        pairs += _with_previous(kind, records)
    reschedules = Counter(record.id for kind, record, previous in pairs
                          if kind == "milestone" and previous is not None and record.history_type == "~"
                          and is_rescheduling(kind, previous.end_date, record.end_date))
    if since is not None:
        pairs = [p for p in pairs if p[1].history_date > since]
    return _entries(pairs, {commitment.pk: (commitment.identifier, commitment.title, "")}), reschedules


def changes_since_version(commitment, version: int) -> list[Entry]:
    """What was saved after the editor loaded the given version, newest first."""
    seen = Commitment.history.filter(id=commitment.pk, version=version).order_by("-history_date").first()
    return timeline(commitment, since=seen.history_date) if seen else timeline(commitment)


def recent(*, member=None, commitment=None, limit: int = 50, since: datetime.datetime | None = None,
           after: Position | None = None) -> list[Entry]:
    """The latest changes across commitments, milestones, sources and assessments, for the Atom feeds:
    the `limit` first in the changes' order (KIND_RANK) of those after `since` and after the
    position `after` (None: from the start).

    Each kind is read as its latest `limit` records, each with its previous record found
    by a subquery, so a feed costs a fixed number of queries whatever the history's size.
    A deleted commitment keeps one entry, its removal, linked to its member's page.
    """
    return _read(member, commitment, limit, since, after)[0][:limit]


def recent_page(*, member=None, limit: int = 50, since: datetime.datetime | None = None,
                after: Position | None = None) -> tuple[list[Entry], Position | None]:
    """recent()'s changes a page at a time: at most `limit` entries, and the position the next page
    starts after (None: there are no more).

    A kind that gave its `limit` records may hold older ones not read, so the page stops at the
    last record read of such a kind (the newest of them, over the kinds). Records read but not
    shown (not a change, a deleted commitment's) are passed over all the same, so the next page
    starts after what was read: a page may hold fewer than `limit` entries, even none, and go on.
    """
    entries, read_to = _read(member, None, limit, since, after)
    if read_to is not None:
        entries = [entry for entry in entries if entry.position.sort_key() >= read_to.sort_key()]
    if len(entries) > limit:
        return entries[:limit], entries[limit - 1].position
    return entries, read_to


def _after_in_sql(kind, position: Position) -> Q:
    """The records of this kind that come after the position in the changes' order, as
    Position.sort_key orders them (by date; at one date by kind; within a kind by history_id)."""
    rank, at = KIND_RANK[kind], KIND_RANK[position.kind]
    if rank < at:  # at the position's date this kind comes before the position's: none of it after
        return Q(history_date__lt=position.when)
    if rank > at:
        return Q(history_date__lte=position.when)
    return (Q(history_date__lt=position.when)
            | Q(history_date=position.when, history_id__lt=position.history_id))


def _in_order(entry):
    return entry.position.sort_key()


def _read(member, commitment, limit, since, after) -> tuple[list[Entry], Position | None]:
    """The entries of up to `limit` records of each kind after `since` and `after`, in the changes'
    order, and where the reading stopped: of the kinds that gave `limit` records, the position of the
    newest last record (every record before it, of every kind, was read). None: every kind was read
    to its end."""
    if commitment is not None:
        live_ids = [commitment.pk]
    elif member is not None:
        live_ids = Commitment.objects.for_member(member).values("pk")
    else:
        live_ids = None
    pairs = []
    read_to = None
    for kind, (model, commitment_field, _names) in KINDS.items():
        queryset = model.history.exclude(history_type="+")
        if live_ids is not None:
            in_scope = Q(**{f"{commitment_field}__in": live_ids})
            if kind == "commitment" and member is not None:
                in_scope |= Q(history_type="-", action_plan__member=member)
            queryset = queryset.filter(in_scope)
        # In SQL, before the limit: filtered after it, the latest `limit` records would hide the older
        # ones asked for.
        if since is not None:
            queryset = queryset.filter(history_date__gt=since)
        if after is not None:
            queryset = queryset.filter(_after_in_sql(kind, after))
        history_model = queryset.model
        previous_id = Subquery(
            history_model.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date").values("history_id")[:1])
        records = list(queryset.annotate(previous_id=previous_id)
                       .order_by("-history_date", "-history_id")[:limit])
        previous = history_model.objects.in_bulk([r.previous_id for r in records if r.previous_id])
        pairs += [(kind, r, previous.get(r.previous_id)) for r in records]
        if records and len(records) == limit:
            last = _position(kind, records[-1])
            if read_to is None or last.sort_key() > read_to.sort_key():
                read_to = last
    commitments = {pk: (identifier, title, "") for pk, identifier, title in Commitment.objects.filter(
        pk__in={_commitment_id(kind, r) for kind, r, _p in pairs}).values_list("pk", "identifier", "title")}
    removals = [r for kind, r, _p in pairs
                if kind == "commitment" and r.history_type == "-" and r.id not in commitments]
    member_slugs = dict(ActionPlan.objects.filter(pk__in={r.action_plan_id for r in removals})
                        .values_list("pk", "member__slug")) if removals else {}
    # Other records of a deleted commitment have no page left to link to.
    pairs = [p for p in pairs if _commitment_id(p[0], p[1]) in commitments]
    for record in removals:
        slug = member_slugs.get(record.action_plan_id)
        page = reverse("commitments:member-detail", args=[slug]) if slug else reverse("commitments:home")
        commitments[record.id] = (record.identifier, record.title, page)
        pairs.append(("commitment", record, None))
    return _entries(pairs, commitments, key=_in_order), read_to


# Recording the author and the links when a change is made -----------------------------------------

def _author_name(user, **member_lookup) -> str:
    """The institution of the user's staff membership of the member (found by member_lookup), or ""."""
    if getattr(user, "pk", None) is None:
        return ""
    return (StaffMembership.objects.filter(user_id=user.pk, **member_lookup)
            .values_list("institution__name", flat=True).first()) or ""


def _links(commitment) -> dict:
    """The names of the commitment's links as they are now, as RecordedLinks stores them."""
    return {attr: sorted(getattr(commitment, name).values_list("name", flat=True))
            for attr, name in LINK_FIELDS}


def record_author(sender, instance, history_instance, history_user, **kwargs):
    """Before a historical record of a commitment, milestone or source is written: its author, as
    the public is shown it today, so that a membership revoked or changed later does not rewrite it."""
    if isinstance(instance, Commitment):
        name = _author_name(history_user, member__action_plans=instance.action_plan_id)
    else:
        name = _author_name(history_user, member__action_plans__commitments=instance.commitment_id)
    history_instance.history_author = name
    # The editor's evidence for this change (services.set_history), used once: a later save
    # of the same instance carries its own, or none.
    history_instance.history_evidence_url = getattr(instance, "_history_evidence_url", "") or ""
    instance._history_evidence_url = ""


def record_links(sender, instance, history_instance, **kwargs):
    """Before a commitment's historical record is written: the names of its links.

    The admin saves the links after the commitment, so this record is updated again by
    links_changed; a previous record written in bulk (import, baseline) holds no links, and
    gets those the commitment has now, which it had until this change.
    """
    if history_instance.history_type == "-":
        links = {attr: [] for attr, _name in LINK_FIELDS}  # the links are deleted with it
    else:
        links = _links(instance)
    if history_instance.history_type == "~":
        latest = sender.objects.filter(id=instance.pk).order_by("-history_date", "-history_id").first()
        if latest is not None and latest.history_policy_areas is None:
            sender.objects.filter(pk=latest.pk).update(**links)
    for attr, names in links.items():
        setattr(history_instance, attr, names)
    instance._history_record = history_instance


# The actions of m2m_changed after which the links are written (each "pre_" one comes before its own).
LINKS_WRITTEN = ("post_add", "post_remove", "post_clear")


def links_changed(sender, instance, action, reverse, **kwargs):
    """After a commitment's links change: the record of the save they belong to gets them, or,
    changed without a save, they are a record of their own. Fixtures (raw loads) are no change."""
    if reverse or action not in LINKS_WRITTEN:
        return
    if getattr(instance, "_history_loaded_raw", False):
        return
    record = getattr(instance, "_history_record", None)
    if record is None or record.pk is None or record.history_type == "-":
        (record,) = Commitment.history.bulk_history_create([instance], update=True)
        instance._history_record = record
        type(record).objects.filter(pk=record.pk).update(history_author=_author_name(
            getattr(instance, "_history_user", None), member__action_plans=instance.action_plan_id))
    type(record).objects.filter(pk=record.pk).update(**_links(instance))


def mark_loaded(sender, instance, raw, **kwargs):
    """A commitment written by loaddata: its links' changes that follow are no change (links_changed)."""
    if raw:
        instance._history_loaded_raw = True
