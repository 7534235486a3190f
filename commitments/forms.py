"""The staff edit form: a commitment's status and its milestones, each change with a public note."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reviews.scales import Completion

from .models import EVIDENCE_MAX_LENGTH, Commitment, Milestone
from .services import NOTE_REQUIRED_MESSAGE, MilestoneChange, needs_note
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


class CommitmentEditForm(forms.Form):
    """The commitment's own fields; `version` is the one the editor loaded (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)
    note = _note_field()
    change_evidence_url = _change_evidence_field()

    FIELDS = ("status",)

    def __init__(self, *args, commitment, **kwargs):
        self.commitment = commitment
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


class MilestoneEditForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Completion.choices)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=_DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=_DateInput())
    # URLField alone lets ftp:// (and other schemes) through; the page renders it as a link.
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, max_length=500,
                                  assume_scheme="https", validators=[validate_link])
    completed_on = forms.DateField(
        label=_("Date met"), required=False, widget=_DateInput(),
        help_text=_("Set to today when the milestone is marked complete; cleared if it is not complete."))
    note = _note_field()
    change_evidence_url = _change_evidence_field()

    FIELDS = ("status", "start_date", "end_date", "completed_on", "evidence_url")

    def __init__(self, *args, milestone, **kwargs):
        self.milestone = milestone
        kwargs.setdefault("initial", {name: getattr(milestone, name) for name in self.FIELDS})
        kwargs.setdefault("prefix", f"milestone-{milestone.pk}")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        changed = any(name in data and data[name] != getattr(self.milestone, name) for name in self.FIELDS)
        if needs_note(changed, data.get("note")):
            self.add_error("note", NOTE_REQUIRED_MESSAGE)
        return data

    def change(self) -> MilestoneChange:
        return MilestoneChange(milestone=self.milestone,
                               data={name: self.cleaned_data[name] for name in self.FIELDS},
                               note=self.cleaned_data["note"],
                               evidence_url=self.cleaned_data["change_evidence_url"])


def _field_label(name: str) -> str:
    """The verbose name of the commitment's or the milestone's field of that name."""
    for model in (Commitment, Milestone):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


class StaffEdit:
    """The whole page's form: the commitment's and every milestone's, validated together."""

    def __init__(self, commitment, milestones, data=None):
        self.commitment_form = CommitmentEditForm(data, commitment=commitment)
        self.milestone_forms = [MilestoneEditForm(data, milestone=m) for m in milestones]

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
