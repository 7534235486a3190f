"""The public change history: timeline entries, the state on a past day, and recent changes for feeds.

Entries are read from django-simple-history's tables (commitments, milestones, assessments), each
compared with the record before it. Authors are shown as the institution of their staff
membership, "Secretariat" or "IRM", never as a name or an e-mail address.
"""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reviews.models import Assessment

from .models import Commitment, Milestone, StaffMembership

# Fields whose changes the public timeline reports; bookkeeping fields are left out.
COMMITMENT_FIELDS = ("status", "title", "short_title", "start_date", "end_date", "lead_institution",
                     "starred", "carried_forward", "description")
MILESTONE_FIELDS = ("status", "start_date", "end_date", "evidence_url", "text", "order")
ASSESSMENT_FIELDS = ("completion", "change_in_completion", "did_it_open_government", "early_results",
                     "starred", "specificity", "potential_impact", "potential_for_results", "narrative",
                     "summary", "open_government_narrative")

SECRETARIAT = _("Secretariat")
IRM = _("Independent Reporting Mechanism")


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One change as the public sees it."""

    history_id: str
    when: datetime.datetime
    author: str
    subject: str
    note: str
    commitment_identifier: str
    kind: str  # "commitment", "milestone" or "assessment"
    removed: bool = False
    changes: list[Change] = field(default_factory=list)

    @property
    def url(self) -> str:
        return reverse("commitments:commitment-detail", args=[self.commitment_identifier]) + \
            f"#change-{self.history_id}"

    @property
    def title(self) -> str:
        what = "; ".join(f"{c.label}: {c.new}" for c in self.changes) or str(_("removed"))
        return f"{self.commitment_identifier} · {self.subject} · {what}"


def _display(record, name) -> str:
    model_field = record._meta.get_field(name)
    value = getattr(record, f"{name}_id" if model_field.is_relation else name)
    if value in (None, ""):
        return "—"
    if model_field.is_relation:
        return str(getattr(record, name))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and len(value) > 120:
        return value[:117] + "…"
    return str(value)


def _changes(record, previous, names) -> list[Change]:
    changes = []
    for name in names:
        attr = f"{name}_id" if record._meta.get_field(name).is_relation else name
        if getattr(record, attr) != getattr(previous, attr):
            changes.append(Change(capfirst(str(record._meta.get_field(name).verbose_name)),
                                  _display(previous, name), _display(record, name)))
    return changes


def _subject(kind, record) -> str:
    if kind == "milestone":
        return str(_("Milestone %(order)s") % {"order": record.order})
    if kind == "assessment":
        return str(record.report) if record.report_id else str(_("IRM assessment"))
    return str(_("Commitment"))


def _authors(records) -> dict:
    """(user id, member id) -> the public name of the author."""
    user_ids = {r.history_user_id for r in records if r.history_user_id}
    names = {}
    for membership in StaffMembership.objects.filter(user_id__in=user_ids).select_related("institution"):
        names[(membership.user_id, membership.member_id)] = (
            membership.institution.name if membership.institution else str(SECRETARIAT))
    return names


def _entries(pairs, identifiers, member_ids) -> list[Entry]:
    """Timeline entries from (kind, record, previous record or None) triples."""
    authors = _authors([record for _kind, record, _previous in pairs])
    entries = []
    for kind, record, previous in pairs:
        commitment_id = record.id if kind == "commitment" else record.commitment_id
        if record.history_type == "+" or (record.history_type == "~" and previous is None):
            continue  # a first record (creation, import, baseline) is not a change
        names = {"commitment": COMMITMENT_FIELDS, "milestone": MILESTONE_FIELDS,
                 "assessment": ASSESSMENT_FIELDS}[kind]
        changes = [] if record.history_type == "-" else _changes(record, previous, names)
        if record.history_type == "~" and not changes:
            continue
        member_id = member_ids.get(commitment_id)
        if kind == "assessment":
            author = str(IRM)
        else:
            author = authors.get((record.history_user_id, member_id), str(SECRETARIAT))
        entries.append(Entry(
            history_id=f"{kind[0]}{record.history_id}", when=record.history_date, author=author,
            subject=_subject(kind, record), note=record.history_change_reason or "",
            commitment_identifier=identifiers[commitment_id], kind=kind,
            removed=record.history_type == "-", changes=changes,
        ))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


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
    """Every change to the commitment, its milestones and assessments, newest first."""
    pairs = _with_previous("commitment", Commitment.history.filter(id=commitment.pk)
                           .select_related("lead_institution"))
    pairs += _with_previous("milestone", Milestone.history.filter(commitment_id=commitment.pk))
    pairs += _with_previous("assessment", Assessment.history.filter(commitment_id=commitment.pk)
                            .select_related("report"))
    if since is not None:
        pairs = [p for p in pairs if p[1].history_date > since]
    return _entries(pairs, {commitment.pk: commitment.identifier},
                    {commitment.pk: commitment.action_plan.member_id})


def changes_since_version(commitment, version: int) -> list[Entry]:
    """What was saved after the editor loaded the given version, newest first."""
    seen = Commitment.history.filter(id=commitment.pk, version=version).order_by("-history_date").first()
    return timeline(commitment, since=seen.history_date) if seen else timeline(commitment)


def recent(*, member=None, commitment=None, limit: int = 50) -> list[Entry]:
    """The latest changes across commitments and milestones, for the Atom feeds.

    Each kind is read as its latest `limit` records, each with its previous record found
    by a subquery, so a feed costs a fixed number of queries whatever the history's size.
    """
    sources = [("commitment", Commitment.history.all(), "id"),
               ("milestone", Milestone.history.all(), "commitment_id"),
               ("assessment", Assessment.history.all(), "commitment_id")]
    pairs = []
    for kind, queryset, commitment_field in sources:
        if commitment is not None:
            queryset = queryset.filter(**{commitment_field: commitment.pk})
        elif member is not None:
            ids = Commitment.objects.for_member(member).values("pk")
            queryset = queryset.filter(**{f"{commitment_field}__in": ids})
        model = queryset.model
        previous_id = Subquery(
            model.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date").values("history_id")[:1])
        records = list(queryset.exclude(history_type="+").annotate(previous_id=previous_id)
                       .order_by("-history_date")[:limit])
        previous = model.objects.in_bulk([r.previous_id for r in records if r.previous_id])
        pairs += [(kind, r, previous.get(r.previous_id)) for r in records]
    commitment_ids = {r.id if kind == "commitment" else r.commitment_id for kind, r, _p in pairs}
    rows = Commitment.objects.filter(pk__in=commitment_ids).values_list(
        "pk", "identifier", "action_plan__member_id")
    identifiers = {pk: identifier for pk, identifier, _m in rows}
    member_ids = {pk: member_id for pk, _i, member_id in rows}
    # A record whose commitment is gone has nowhere to link to.
    pairs = [p for p in pairs if (p[1].id if p[0] == "commitment" else p[1].commitment_id) in identifiers]
    return _entries(pairs, identifiers, member_ids)[:limit]

