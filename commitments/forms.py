"""The staff edit form: a commitment's status and its milestones, each change with a public note."""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reviews.scales import Completion

from .models import EVIDENCE_MAX_LENGTH, Commitment, Milestone
from .services import NOTE_REQUIRED_MESSAGE, MilestoneChange, date_met_offered, needs_note, with_completion
from .validators import validate_link, validate_text

NOTE_MAX_LENGTH = 300
NOTE_HELP = _("Required when this changes. Public: shown in the commitment's history and feeds.")


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _note_field():
    # A note is published in feeds (XML): the rule of every stored text applies.
    return forms.CharField(label=_("Public note"), max_length=NOTE_MAX_LENGTH, required=False,
                           help_text=NOTE_HELP, validators=[validate_text])


def _change_evidence_field():
    # Beside the note, for the change (kept on its history record), not a value of the row; the
    # rule of every stored link applies (http or https only), and the history's length.
    return forms.URLField(label=_("Evidence for this change (link)"), required=False,
                          max_length=EVIDENCE_MAX_LENGTH, assume_scheme="https", validators=[validate_link],
                          help_text=_("Optional: a link to a document or page showing the change."))


class _KeptMixin:
    """What an editor typed, kept when a save is refused on its version (someone saved meanwhile, or
    no version was sent): the form shows their values again (`kept`, unbound: nothing is validated),
    at the version saved now, with the saved value beside each that differs (saved_now), so that
    they decide and submitting again saves theirs."""

    KEPT = ("note", "change_evidence_url")

    def keep(self, data, *, version=None) -> None:
        self.initial.update({name: data.get(self.add_prefix(name), "")
                             for name in (*self.FIELDS, *self.KEPT)})
        if version is not None:
            self.initial["version"] = version
        self.kept = True

    @property
    def saved_now(self) -> dict:
        """{field: the saved value, as shown} for each field whose kept value is not the saved one."""
        if not getattr(self, "kept", False):
            return {}
        typed = {}
        for name in self.FIELDS:
            try:
                typed[name] = self.fields[name].clean(self.initial.get(name))
            except ValidationError:
                typed[name] = object()  # what cannot be read is never the saved value
        typed = self.as_saved(typed)
        differs = {}
        for name in self.FIELDS:
            saved = getattr(self.instance_edited, name)
            if typed[name] != saved:
                choices = dict(getattr(self.fields[name], "choices", ()))
                differs[name] = choices.get(saved, saved) if choices else saved
        return differs

    def as_saved(self, values: dict) -> dict:
        return values


class CommitmentEditForm(_KeptMixin, forms.Form):
    """The commitment's own fields; `version` is the one the editor loaded (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)
    note = _note_field()
    change_evidence_url = _change_evidence_field()

    FIELDS = ("status",)

    def __init__(self, *args, commitment, **kwargs):
        self.commitment = self.instance_edited = commitment
        kwargs.setdefault("initial", {"version": commitment.version, "status": commitment.status})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        changed = "status" in data and data["status"] != self.commitment.status
        if needs_note(changed, data.get("note")):
            self.add_error("note", NOTE_REQUIRED_MESSAGE)
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class MilestoneEditForm(_KeptMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Completion.choices)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=_DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=_DateInput())
    # URLField alone lets ftp:// (and other schemes) through; the page renders it as a link.
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, max_length=500,
                                  assume_scheme="https", validators=[validate_link])
    completed_on = forms.DateField(
        label=_("Date met"), required=False, widget=_DateInput(),
        help_text=_("Used only when the status is Complete. A milestone becoming complete is prefilled "
                    "with today while its action plan runs; for a past plan, give the day it was met."))
    note = _note_field()
    change_evidence_url = _change_evidence_field()

    FIELDS = ("status", "start_date", "end_date", "completed_on", "evidence_url")

    def __init__(self, *args, milestone, **kwargs):
        self.milestone = self.instance_edited = milestone
        self.today = timezone.localdate()
        initial = {name: getattr(milestone, name) for name in self.FIELDS}
        if milestone.status != Completion.COMPLETE:
            # Asked for, never set unseen (services.with_completion): the day offered is in the
            # field when the editor picks Complete, or the field is empty and must be filled.
            initial["completed_on"] = date_met_offered(milestone.commitment.action_plan, self.today)
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("prefix", f"milestone-{milestone.pk}")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        if "status" in data and "completed_on" in data:
            try:
                # The date met as it would be saved: a date offered for a milestone left open is no change.
                data["completed_on"] = self._date_met(data["status"], data["completed_on"])
            except ValidationError as refused:
                self.add_error(None, refused)
        changed = any(name in data and data[name] != getattr(self.milestone, name) for name in self.FIELDS)
        if needs_note(changed, data.get("note")):
            self.add_error("note", NOTE_REQUIRED_MESSAGE)
        return data

    def as_saved(self, values: dict) -> dict:
        # The date met as the rule would save it: one offered for a milestone left open is none.
        if not isinstance(values["completed_on"], datetime.date | None):
            return values  # not a date: shown as typed
        try:
            values["completed_on"] = self._date_met(values["status"], values["completed_on"])
        except ValidationError:
            pass  # refused: shown as typed
        return values

    def _date_met(self, status, completed_on):
        """The date met services.with_completion saves for this status and date (ValidationError when
        it refuses them)."""
        return with_completion(self.milestone, {"status": status, "completed_on": completed_on},
                               self.today)["completed_on"]

    def change(self) -> MilestoneChange:
        return MilestoneChange(milestone=self.milestone,
                               data={name: self.cleaned_data[name] for name in self.FIELDS},
                               note=self.cleaned_data["note"],
                               evidence_url=self.cleaned_data["change_evidence_url"])


class MilestoneAdminFormSet(forms.BaseInlineFormSet):
    """The admin's milestone rows: each one's date met by services.with_completion, as on the edit
    page, so that a row refused by it is a form error on its Date met, never a failed save."""

    def clean(self):
        super().clean()
        if not self.instance.action_plan_id:
            return  # the commitment's own form is refused: nothing to read the plan's period from
        today = timezone.localdate()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("DELETE") or "status" not in data:
                continue
            before = Milestone(status=form.initial.get("status", Completion.NOT_STARTED),
                               completed_on=form.initial.get("completed_on"))
            try:
                values = with_completion(before, {"status": data["status"],
                                                  "completed_on": data.get("completed_on")},
                                         today, plan=self.instance.action_plan)
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                form.instance.completed_on = data["completed_on"] = values["completed_on"]


def _field_label(name: str) -> str:
    """The verbose name of the commitment's or the milestone's field of that name."""
    for model in (Commitment, Milestone):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


@dataclass
class SummaryError:
    anchor: str  # the id of the field (or fieldset) the error is about
    where: str  # the commitment, or which milestone
    label: str  # the field's label; empty for an error about the whole fieldset
    message: str


class StaffEdit:
    """The whole page's form: the commitment's and every milestone's, validated together."""

    def __init__(self, commitment, milestones, data=None):
        self.commitment_form = CommitmentEditForm(data, commitment=commitment)
        self.milestone_forms = [MilestoneEditForm(data, milestone=m) for m in milestones]

    @classmethod
    def kept(cls, commitment, milestones, data):
        """The page after a refused version: what was typed (data), over what is saved now, at the
        version saved now (_KeptMixin). A milestone added since shows as saved."""
        edit = cls(commitment, milestones)
        edit.commitment_form.keep(data, version=commitment.version)
        for form in edit.milestone_forms:
            if form.add_prefix("status") in data:
                form.keep(data)
        return edit

    def error_summary(self) -> list["SummaryError"]:
        """Every error of the page, in its order, each with the id of the field it is about (the
        summary at the top of the page links to it)."""
        forms_ = [(self.commitment_form, "commitment-fields", _("Commitment"))]
        for form in self.milestone_forms:
            where = _("Milestone %(order)s") % {"order": form.milestone.order}
            forms_.append((form, f"milestone-{form.milestone.pk}", where))
        errors = []
        for form, fieldset_id, where in forms_:
            if not form.is_bound:
                continue
            for message in form.non_field_errors():
                errors.append(SummaryError(fieldset_id, where, "", message))
            for bound in form:
                for message in bound.errors:
                    anchor = fieldset_id if bound.is_hidden else bound.id_for_label
                    errors.append(SummaryError(anchor, where, bound.label, message))
        return errors

    def is_valid(self) -> bool:
        results = [self.commitment_form.is_valid()] + [f.is_valid() for f in self.milestone_forms]
        return all(results)

    def add_service_errors(self, error) -> None:
        """Put a service's ValidationError on the field it names, or on the whole form."""
        by_prefix = {f.prefix: f for f in self.milestone_forms}
        if not hasattr(error, "error_dict"):
            self.commitment_form.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            prefix, _sep, name = key.rpartition("-")
            form = by_prefix.get(prefix) if prefix else self.commitment_form
            if form is None:
                form, name = self.commitment_form, None
            if name is not None and name != NON_FIELD_ERRORS and name not in form.fields:
                # The model's full_clean refused a value this page does not edit (a row stored
                # before the validators, e.g. an identifier `UA 0001`): said on the form, by its
                # label, so the editor knows what to have corrected in the admin.
                messages = [f"{capfirst(_field_label(name))}: {message}" for message in messages]
                name = None
            form.add_error(name, messages)
