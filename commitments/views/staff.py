"""Staff pages: a commitment's status and milestones edited, each change with its public note."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ogptracker.errors import Refused

from .. import history, permissions, services
from ..forms import NOTE_MAX_LENGTH, StaffEdit
from ..models import Commitment


def _editable_commitment(request, identifier):
    commitment = get_object_or_404(
        Commitment.objects.select_related("action_plan__member", "lead_institution"), identifier=identifier)
    if not permissions.can_edit_commitment(request.user, commitment):
        raise Refused(permissions.refusal_reason(request.user, commitment.action_plan.member),
                      public_url=commitment.get_absolute_url())
    return commitment


def _version_seen(request) -> int | None:
    try:
        return forms.IntegerField(min_value=1).clean(request.POST.get("version"))
    except ValidationError:
        return None


@login_required
def commitment_edit(request, identifier):
    commitment = _editable_commitment(request, identifier)
    milestones = list(commitment.milestones.order_by("order"))
    edit = StaffEdit(commitment, milestones, request.POST if request.method == "POST" else None)
    conflict, status = None, 200
    seen = _version_seen(request) if request.method == "POST" else None
    if seen is not None and seen != commitment.version:
        # Stale before anything else: the form's values are compared with what its editor saw,
        # and that is no longer what is saved.
        conflict, status = history.changes_since_version(commitment, seen), 409
        messages.error(request, services.STALE_EDIT_MESSAGE)
        edit = StaffEdit(commitment, milestones)
    elif request.method == "POST":
        if edit.is_valid():
            try:
                saved = services.commitment_update(
                    commitment=commitment, user=request.user,
                    data=edit.commitment_form.changes(), note=edit.commitment_form.cleaned_data["note"],
                    evidence_url=edit.commitment_form.cleaned_data["change_evidence_url"],
                    expected_version=edit.commitment_form.cleaned_data["version"],
                    milestones=[form.change() for form in edit.milestone_forms],
                )
            except services.StaleEdit as stale:
                # Start again from what is saved now, with the other editor's changes shown.
                conflict, status = stale.changes, 409
                messages.error(request, services.STALE_EDIT_MESSAGE)
                commitment = _editable_commitment(request, identifier)
                milestones = list(commitment.milestones.order_by("order"))
                edit = StaffEdit(commitment, milestones)
            except ValidationError as error:
                edit.add_service_errors(error)
                status = 400
            else:
                messages.success(request, _("Saved: %(what)s.") % {"what": ", ".join(saved)})
                return redirect(commitment)
        else:
            status = 400
    rows = list(zip(milestones, edit.milestone_forms, strict=True))
    return render(request, "commitments/commitment_edit.html", {
        "commitment": commitment, "member": commitment.action_plan.member, "edit": edit,
        "form": edit.commitment_form, "milestone_rows": rows, "conflict": conflict,
        "note_max_length": NOTE_MAX_LENGTH,
    }, status=status)
