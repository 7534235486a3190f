"""Staff pages: a commitment's status and milestones edited, each change with its public note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ogptracker.errors import Refused

from .. import permissions, services
from ..forms import NOTE_MAX_LENGTH, StaffEdit
from ..models import Commitment


def _editable_commitment(request, identifier):
    commitment = get_object_or_404(
        Commitment.objects.select_related("action_plan__member", "lead_institution"), identifier=identifier)
    if not permissions.can_edit_commitment(request.user, commitment):
        raise Refused(permissions.refusal_reason(request.user, commitment.action_plan.member),
                      public_url=commitment.get_absolute_url())
    return commitment


@login_required
def commitment_edit(request, identifier):
    commitment = _editable_commitment(request, identifier)
    milestones = list(commitment.milestones.order_by("order"))
    edit = StaffEdit(commitment, milestones, request.POST if request.method == "POST" else None)
    conflict, status = None, 200
    if request.method == "POST":
        try:
            # The version before anything else: the form's values are compared with what its editor
            # saw, and a stale version says that is no longer what is saved.
            seen = services.check_version(commitment, request.POST.get("version"))
        except services.VersionRefused as refused:
            conflict, status = _refused(request, refused), refused.status
            edit = StaffEdit(commitment, milestones)
        else:
            if not edit.is_valid():
                return _page(request, commitment, milestones, edit, None, 400)
            try:
                saved = services.commitment_update(
                    commitment=commitment, user=request.user,
                    data=edit.commitment_form.changes(), note=edit.commitment_form.cleaned_data["note"],
                    evidence_url=edit.commitment_form.cleaned_data["change_evidence_url"],
                    expected_version=seen, milestones=[form.change() for form in edit.milestone_forms],
                )
            except services.StaleEdit as stale:
                # Saved by someone between the check and this save: start again from what is saved
                # now (this edit's values are on the instances), with the other editor's changes shown.
                conflict, status = _refused(request, stale), stale.status
                commitment = _editable_commitment(request, identifier)
                milestones = list(commitment.milestones.order_by("order"))
                edit = StaffEdit(commitment, milestones)
            except ValidationError as error:
                edit.add_service_errors(error)
                status = 400
            else:
                messages.success(request, _("Saved: %(what)s.") % {"what": ", ".join(saved)})
                return redirect(commitment)
    return _page(request, commitment, milestones, edit, conflict, status)


def _refused(request, refused: services.VersionRefused):
    """The service's refusal of the version on the page: its message, and what changed meanwhile
    (the conflict) when someone saved since."""
    messages.error(request, refused.message)
    return refused.changes if isinstance(refused, services.StaleEdit) else None


def _page(request, commitment, milestones, edit, conflict, status):
    rows = list(zip(milestones, edit.milestone_forms, strict=True))
    return render(request, "commitments/commitment_edit.html", {
        "commitment": commitment, "member": commitment.action_plan.member, "edit": edit,
        "form": edit.commitment_form, "milestone_rows": rows, "conflict": conflict,
        "note_max_length": NOTE_MAX_LENGTH,
    }, status=status)
