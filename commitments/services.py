"""Writes with a rule: staff roles, and every save of a commitment.

The edit rule, whoever saves (the staff page, the API, the bulk update, the admin, the importer): a
change carries a public note (needs_note), is recorded in the history with its author, and moves the
commitment to its next version, so that an editor who loaded an older version is refused rather than
overwriting what was saved since: check_version before anything is compared, claim_version at the
save. commitment_save is the one path of a single save (commitment_update: the staff page, the API,
the bulk update; the admin), commitments_import the bulk one (the importer).
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reviews.models import Assessment
from reviews.scales import Completion

from . import history, permissions
from .freshness.saves import bulk_write
from .models import Commitment, Institution, Member, Milestone, Source, StaffMembership
from .ogp import extra

STALE_EDIT_MESSAGE = _("Someone saved this commitment after you opened it; nothing of yours was saved. "
                       "Their changes are listed below: review them, then make your edit again.")
NOTE_REQUIRED_MESSAGE = _("Write a short public note saying why this changed.")
NOTHING_CHANGED_MESSAGE = _("Nothing was changed, so nothing was saved.")
NOTHING_CHANGED = "nothing_changed"  # the code of that refusal: the API answers it as a 200 (api/writes.py)
COMPLETED_IN_FUTURE_MESSAGE = _("The date met cannot be later than today.")
DATE_MET_NEEDED_MESSAGE = _("Give the date this milestone was met: today (%(today)s) is outside its action "
                            "plan's period (%(start)s to %(end)s), so no date is filled in for you.")
# The key of a change's evidence in a ValidationError: prefixed "milestone-<pk>-" for a milestone's
# (a milestone has an evidence_url field of its own, its means of verification).
EVIDENCE_ERROR_KEY = "change_evidence_url"


# Why a version is refused, said the same by every writer (the staff page shows it, the API answers it
# under "version", the bulk update refuses the row with it, the admin's form shows it).
VERSION_MISSING_MESSAGE = _("The version is missing: an edit names the version of the commitment its "
                            "editor read.")
NOT_A_VERSION_MESSAGE = _("“%(sent)s” is not a version: versions are whole numbers from 1.")
NO_SUCH_VERSION_MESSAGE = _("No such version: the commitment is at version %(now)s.")
STALE_VERSION_MESSAGE = _("%(identifier)s was saved by someone since version %(sent)s, the one you read "
                          "(it is at version %(now)s now): read it again and redo your change.")


class VersionRefused(Exception):
    """An edit refused on the version its editor read, before anything else is looked at: the one
    decision (check_version) every writer maps to its medium. `message` is what a person reads first,
    `detail` the sentence about the version, `status` the HTTP status (400: no version could be this
    one; 409: VersionNotReached, or StaleEdit, someone saved since)."""

    status = 400

    def __init__(self, commitment, detail):
        super().__init__(str(detail))
        self.commitment = commitment
        self.detail = str(detail)

    @property
    def message(self) -> str:
        return self.detail


class VersionNotReached(VersionRefused):
    """A version the commitment never reached (7 when it is at 5): well formed, so no form or schema
    can refuse it, but in conflict with the commitment's state, as a stale one is: 409 on every path."""

    status = 409


class StaleEdit(VersionRefused):
    """The commitment was saved since the version the editor read (seen). What changed meanwhile
    (changes) and the version now (current) are read when asked for, so that checking many rows
    (the bulk update) costs no query per refusal."""

    status = 409

    def __init__(self, commitment, seen: int, *, current: int | None = None):
        Exception.__init__(self, str(STALE_EDIT_MESSAGE))
        self.commitment = commitment
        self.seen = seen
        if current is not None:
            self.current = current

    @property
    def message(self) -> str:
        return str(STALE_EDIT_MESSAGE)

    @cached_property
    def detail(self) -> str:
        return str(STALE_VERSION_MESSAGE % {"identifier": self.commitment.identifier, "sent": self.seen,
                                            "now": self.current})

    @cached_property
    def current(self) -> int:
        return Commitment.objects.values_list("version", flat=True).get(pk=self.commitment.pk)

    @cached_property
    def changes(self) -> list:
        return history.changes_since_version(self.commitment, self.seen)


def check_version(commitment, seen) -> int:
    """The version the editor read (`seen` as sent: text, a number or None), when it is the
    commitment's own; else VersionRefused (missing, not a whole number from 1, never reached) or
    StaleEdit (someone saved since).

    Every writer calls it before comparing what was sent with what is saved: with a stale version,
    that difference is partly the other editor's save, which this edit would undo.
    claim_version settles, at the save, a race with a save that lands after this check.
    """
    if seen is None or (isinstance(seen, str) and not seen.strip()):
        raise VersionRefused(commitment, VERSION_MISSING_MESSAGE)
    try:
        # What the staff page's and the bulk file's version fields read: "7", " 7 ", 7, 7.0.
        version = forms.IntegerField(min_value=1).clean(seen)
    except ValidationError:
        raise VersionRefused(commitment, NOT_A_VERSION_MESSAGE % {
            "sent": Truncator(str(seen)).chars(20)}) from None
    if version > commitment.version:
        raise VersionNotReached(commitment, NO_SUCH_VERSION_MESSAGE % {"now": commitment.version})
    if version < commitment.version:
        raise StaleEdit(commitment, version, current=commitment.version)
    return version


@dataclass
class MilestoneChange:
    milestone: Milestone
    data: dict
    note: str = ""
    evidence_url: str = ""
    changed: list[str] = field(default_factory=list)


@transaction.atomic
def staff_membership_grant(*, user, member: Member,
                           institution: Institution | None = None) -> StaffMembership:
    """Give a user the secretariat role for a member (and the admin access it needs)."""
    membership, created = StaffMembership.objects.get_or_create(
        user=user, member=member, defaults={"institution": institution})
    if not created and institution is not None and membership.institution_id != institution.pk:
        membership.institution = institution
        membership.full_clean()
        membership.save(update_fields=["institution"])
    staff_access_grant(user)
    permissions.forget_member_ids(user)
    return membership


def staff_access_grant(user) -> None:
    """Make a user who holds a staff role (a secretariat membership, the IRM reviewers' group) staff:
    Django's is_staff opens the admin, where both roles work (a reviewer's reports and assessments
    are written there). The one place is_staff is set: staff_membership_grant, reviewer_grant, and
    the admin's user page when a membership or the group is added there."""
    if user.is_staff or not (StaffMembership.objects.filter(user=user).exists()
                             or user.groups.filter(name=permissions.REVIEWERS_GROUP).exists()):
        return
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    user.is_staff = True


@transaction.atomic
def reviewer_grant(*, user) -> None:
    """Give a user the IRM reviewer role: the group made by reviews migration 0003, and the admin."""
    user.groups.add(Group.objects.get(name=permissions.REVIEWERS_GROUP))
    staff_access_grant(user)
    forget_cached_permissions(user)


@transaction.atomic
def reviewer_revoke(*, user) -> None:
    """Take the IRM reviewer role away (the admin access stays, as a superuser set it or another role
    needs it: Staff status on the user's page)."""
    user.groups.remove(*Group.objects.filter(name=permissions.REVIEWERS_GROUP))
    forget_cached_permissions(user)


def forget_cached_permissions(user) -> None:
    """Django caches a user's permissions on the object: a role changed in this request must show."""
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


@transaction.atomic
def staff_account_create(*, username: str, password: str, email: str = ""):
    """A new account for a staff role, with a password that passes the site's rules (a
    ValidationError says which it breaks). The role is given after, by its own grant."""
    User = get_user_model()
    user = User(**{User.USERNAME_FIELD: username}, email=email)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def ensure_history_baseline(commitment, *, when=None) -> None:
    """Record the state before a first tracked edit of a commitment, its milestones or assessments,
    so the history and as_of have a starting point.

    Rows loaded by fixtures or bulk writes carry no history; the baseline is dated `when` (the
    seed loader passes when it loaded them), else at the commitment's creation, since nothing
    tracked changed it before.
    """
    # Read from the database: the caller's instances may already hold the edit (the admin's do).
    when = when or commitment.created_at
    if not commitment.history.exists():
        saved = Commitment.objects.get(pk=commitment.pk)
        Commitment.history.bulk_history_create([saved], default_date=when)
    for model in (Milestone, Source, Assessment):
        tracked = set(model.history.filter(commitment_id=commitment.pk).values_list("id", flat=True))
        untracked = [row for row in model.objects.filter(commitment_id=commitment.pk)
                     if row.pk not in tracked]
        if untracked:
            model.history.bulk_history_create(untracked, default_date=when)


def claim_version(*, commitment, expected_version: int) -> None:
    """Move the commitment to its next version only if it is still at the one the editor saw.

    The conditional UPDATE is atomic in the database, so of two concurrent saves of the same
    version exactly one wins; the other raises StaleEdit with what the winner changed.
    """
    claimed = Commitment.objects.filter(pk=commitment.pk, version=expected_version).update(
        version=F("version") + 1)
    if not claimed:
        raise StaleEdit(commitment, expected_version)
    commitment.version = expected_version + 1


def needs_note(changed: bool, note: str) -> bool:
    """A change without its public note is refused (the staff page's, the admin's forms, the service)."""
    return changed and not (note or "").strip()


def evidence_errors(evidence_url: str) -> list:
    """Why a change's evidence link is refused (empty: accepted), by the field that stores it:
    http(s) only (validators.validate_link), no longer than the history holds."""
    evidence_field = Milestone.history.model._meta.get_field("history_evidence_url")
    try:
        evidence_field.clean(evidence_url or "", None)
    except ValidationError as error:
        return error.messages
    return []


def set_history(instance, user, note, evidence_url=""):
    """The author, note and evidence link the history records for the instance's next save or delete
    (the evidence is copied onto the record by history.record_author)."""
    instance._history_user = user
    instance._change_reason = (note or "").strip()
    instance._history_evidence_url = (evidence_url or "").strip()


def plan_period(plan) -> tuple[datetime.date, datetime.date]:
    """The days an action plan runs: OGP names a plan by its years (2016-2018), from the first day of
    its year of submission to the last of its end year."""
    return datetime.date(plan.submission_year, 1, 1), datetime.date(plan.end_year, 12, 31)


def date_met_offered(plan, today) -> datetime.date | None:
    """The date met offered for a milestone that becomes complete: today while today lies within its
    plan's period, else none (a milestone of a past plan was not met today: the editor says when)."""
    start, end = plan_period(plan)
    return today if start <= today <= end else None


def with_completion(milestone: Milestone, data: dict, today, plan=None) -> dict:
    """The milestone's new values with its date met by the rule, the one every writer of a milestone's
    status goes through (the edit page's form, the bulk update, the API, the admin): cleared when the
    status is not complete; the date given, when one is; when the milestone becomes complete without
    one, date_met_offered (today within the plan's period), else refused, so that a date met is never
    a day its editor did not see; kept while it stays complete. Never later than today.

    Raises ValidationError {"completed_on": [...]}. `plan` is the milestone's action plan (read from
    the milestone when not given)."""
    data = dict(data)
    status = data.get("status", milestone.status)
    if status != Completion.COMPLETE:
        data["completed_on"] = None
    elif data.get("completed_on"):
        pass
    elif milestone.status != Completion.COMPLETE:
        plan = plan or milestone.commitment.action_plan
        offered = date_met_offered(plan, today)
        if offered is None:
            start, end = plan_period(plan)
            raise ValidationError({"completed_on": [DATE_MET_NEEDED_MESSAGE % {
                "today": today.isoformat(), "start": start.isoformat(), "end": end.isoformat()}]})
        data["completed_on"] = offered
    else:
        data.setdefault("completed_on", milestone.completed_on)
    if data["completed_on"] is not None and data["completed_on"] > today:
        raise ValidationError({"completed_on": [COMPLETED_IN_FUTURE_MESSAGE]})
    return data


# The commitment's dates as the import spelled them ("Sept 2018"), which the export writes instead of
# the date while they are kept (ogp/columns.py).
DATE_SPELLINGS = {"start_date": "start_date_text", "end_date": "end_date_text"}


def forget_spellings(commitment: Commitment, changed) -> None:
    """A field edited by hand drops what the import kept of its old value: its cell in ogp_extra
    (extra.without_written) and, for a date, its spelling, unless the same edit wrote that spelling
    (the admin offers it). Else the export would go on writing the old value as the import had it."""
    changed = set(changed)
    if changed:
        commitment.ogp_extra = extra.without_written(commitment.ogp_extra, changed)
    for name, spelling in DATE_SPELLINGS.items():
        if name in changed and spelling not in changed:
            setattr(commitment, spelling, "")


@transaction.atomic
def commitment_save(*, commitment: Commitment, user, note: str, expected_version: int,
                    evidence_url: str = "", changed=()) -> None:
    """Save an edited commitment by the edit rule: what the import kept of the `changed` fields'
    old values dropped (forget_spellings), the history's baseline, the commitment's next version
    claimed (StaleEdit when someone saved since expected_version), the note and author in its history.

    The caller has checked the version (check_version), validated the values and the evidence link
    and checked needs_note (the admin's form, commitment_update).
    """
    forget_spellings(commitment, changed)
    ensure_history_baseline(commitment)
    claim_version(commitment=commitment, expected_version=expected_version)
    set_history(commitment, user, note, evidence_url)
    commitment.save()


def commitments_import(to_create, to_update, fields, *, user, note: str, when, batch_size: int) -> None:
    """Write commitments in bulk by the edit rule, with their history: each updated one moves to its
    next version, dated `when` (an import: the file is the note; no editor holds a version)."""
    for commitment in to_update:
        commitment.version += 1
        commitment.updated_at = when
    fields = {*fields, "version", "updated_at"}
    history = {"default_user": user, "default_change_reason": note, "default_date": when}
    bulk_create_with_history(to_create, Commitment, batch_size=batch_size, **history)
    if to_update:
        bulk_update_with_history(to_update, Commitment, sorted(fields), batch_size=batch_size, **history)


def apply_values(instance, values: dict, same=None) -> list[str]:
    """Set the values that differ from the instance's (unsaved); the names of the fields changed.
    The staff edit and the importer both compare before they write, so an unchanged save is none.
    `same(name, current, value)` says when two values are one (the importer's: two spellings of a
    cell, ogp/columns.py `Column.same_value`); by default when they are equal."""
    if same is None:
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
    else:
        changed = [name for name, value in values.items() if not same(name, getattr(instance, name), value)]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


@transaction.atomic
def commitment_update(*, commitment: Commitment, user, data: dict, note: str, expected_version: int,
                      milestones: list[MilestoneChange] = (), evidence_url: str = "") -> list[str]:
    """Save a staff edit of a commitment and its milestones; each change carries a public note and
    may carry an evidence link (http or https), kept on its history record.

    Returns the labels of what changed. Raises PermissionDenied for users who may not edit the
    commitment, StaleEdit when someone saved it since expected_version, ValidationError for a
    change without a note, for invalid values or evidence links or when nothing changed. Milestone
    edits bump the commitment's version too, so two editors of the same page always see each
    other's saves. A milestone's date met follows its status (with_completion). The caller checked
    the version first (check_version), before comparing what was sent with what is saved.
    """
    if not permissions.can_edit_commitment(user, commitment):
        raise PermissionDenied
    if any(change.milestone.commitment_id != commitment.pk for change in milestones):
        raise PermissionDenied
    saved = []
    errors = {}
    changed_fields = apply_values(commitment, data)
    if needs_note(bool(changed_fields), note):
        errors["note"] = [NOTE_REQUIRED_MESSAGE]
    if refused := evidence_errors(evidence_url):
        errors[EVIDENCE_ERROR_KEY] = refused
    today = timezone.localdate()
    for change in milestones:
        prefix = f"milestone-{change.milestone.pk}-"
        try:
            values = with_completion(change.milestone, change.data, today, plan=commitment.action_plan)
        except ValidationError as refused:
            errors.update({f"{prefix}{name}": messages for name, messages in refused.message_dict.items()})
            values = {name: value for name, value in change.data.items() if name != "completed_on"}
        change.changed = apply_values(change.milestone, values)
        if needs_note(bool(change.changed), change.note):
            errors[f"{prefix}note"] = [NOTE_REQUIRED_MESSAGE]
        if refused := evidence_errors(change.evidence_url):
            errors[f"{prefix}{EVIDENCE_ERROR_KEY}"] = refused
    if errors:
        raise ValidationError(errors)
    if not changed_fields and not any(change.changed for change in milestones):
        raise ValidationError(NOTHING_CHANGED_MESSAGE, code=NOTHING_CHANGED)

    # The commitment is saved even without changes of its own: its new version is the lock.
    commitment.full_clean()
    commitment_save(commitment=commitment, user=user, note=note if changed_fields else "",
                    evidence_url=evidence_url if changed_fields else "", expected_version=expected_version,
                    changed=changed_fields)
    if changed_fields:
        saved.append(str(_("Commitment")))
    for change in milestones:
        if change.changed:
            set_history(change.milestone, user, change.note, change.evidence_url)
            change.milestone.full_clean()
            change.milestone.save()
            saved.append(str(_("Milestone %(order)s") % {"order": change.milestone.order}))
    return saved


# Institutions ----------------------------------------------------------------------------------

# The public note on each commitment a merge moves.
MERGE_NOTE = "Institutions merged: the same institution, kept under one name"
MERGE_REFUSED_MESSAGE = _("Choose at least two institutions to merge, and one of them to keep.")


@transaction.atomic
def institutions_merge(*, kept: Institution, others, user) -> int:
    """Merge `others` into `kept` (superusers only): every commitment that names one of them as its
    lead or supporting institution names `kept` instead, by the edit rule (its next version, a
    history record with the user and MERGE_NOTE); staff memberships move too; the earlier history
    records name `kept` as their lead institution (it was one institution all along, and a deleted
    one would read "(deleted)"); then the others are deleted. The institutions' own history records
    who merged what and when. Returns how many commitments moved.

    Runs in bulk_write(): the history records are updated in bulk, and every count naming the
    merged institutions is stale."""
    if not permissions.can_merge_institutions(user):
        raise PermissionDenied
    others = [other for other in others if other.pk != kept.pk]
    if not others:
        raise ValidationError(MERGE_REFUSED_MESSAGE, code="merge_refused")
    other_ids = [other.pk for other in others]
    with bulk_write():
        linked = Commitment.objects.filter(Q(lead_institution__in=other_ids)
                                           | Q(supporting_institutions__in=other_ids)).values("pk")
        # Locked, so no editor saves one between its version read here and its save.
        moved = Commitment.objects.filter(pk__in=linked).order_by("pk").select_for_update()
        count = 0
        for commitment in moved:
            changed = []
            if commitment.lead_institution_id in other_ids:
                commitment.lead_institution = kept
                changed.append("lead_institution")
            commitment_save(commitment=commitment, user=user, note=MERGE_NOTE,
                            expected_version=commitment.version, changed=changed)
            supporting = set(commitment.supporting_institutions.filter(pk__in=other_ids)
                             .values_list("pk", flat=True))
            if supporting:
                # After the save: the links' change joins the save's history record.
                commitment.supporting_institutions.remove(*supporting)
                commitment.supporting_institutions.add(kept)
            count += 1
        for membership in StaffMembership.objects.filter(institution__in=other_ids):
            membership.institution = kept
            membership.save(update_fields=["institution"])
        Commitment.history.filter(lead_institution__in=other_ids).update(lead_institution=kept)
        names = ", ".join(sorted(other.name for other in others))
        set_history(kept, user, Truncator(f"Merged with: {names}").chars(100))
        kept.save()
        for other in others:
            set_history(other, user, Truncator(f"Merged into: {kept.name}").chars(100))
            other.delete()
    return count
