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
    if request.method != "POST":
        return _page(request, commitment, milestones, StaffEdit(commitment, milestones))
    try:
        # The version before anything else: the form's values are compared with what its editor
        # saw, and a stale version says that is no longer what is saved.
        seen = services.check_version(commitment, request.POST.get("version"))
    except services.VersionRefused as refused:
        return _kept(request, commitment, milestones, refused)
    edit = StaffEdit(commitment, milestones, request.POST)
    if not edit.is_valid():
        return _page(request, commitment, milestones, edit, status=400)
    try:
        saved = services.commitment_update(
            commitment=commitment, user=request.user,
            data=edit.commitment_form.changes(), note=edit.commitment_form.cleaned_data["note"],
            evidence_url=edit.commitment_form.cleaned_data["change_evidence_url"],
            expected_version=seen, milestones=[form.change() for form in edit.milestone_forms],
        )
    except services.StaleEdit as stale:
        # Saved by someone between the check and this save: what is saved now is read again (this
        # edit's values are on the instances), the editor's values kept over it.
        commitment = _editable_commitment(request, identifier)
        return _kept(request, commitment, list(commitment.milestones.order_by("order")), stale)
    except ValidationError as error:
        edit.add_service_errors(error)
        return _page(request, commitment, milestones, edit, status=400)
    messages.success(request, _("Saved: %(what)s.") % {"what": ", ".join(saved)})
    return redirect(commitment)


def _kept(request, commitment, milestones, refused: services.VersionRefused):
    """The page after the service refused the version sent: its wording at the top, what changed
    meanwhile when someone saved since, and everything the editor typed kept, at the version saved
    now, beside the saved values (StaffEdit.kept): submitting again saves theirs."""
    edit = StaffEdit.kept(commitment, milestones, request.POST)
    conflict = refused.changes if isinstance(refused, services.StaleEdit) else None
    return _page(request, commitment, milestones, edit, status=refused.status, refused=refused,
                 conflict=conflict)


def _page(request, commitment, milestones, edit, *, status=200, refused=None, conflict=None):
    rows = list(zip(milestones, edit.milestone_forms, strict=True))
    return render(request, "commitments/commitment_edit.html", {
        "commitment": commitment, "member": commitment.action_plan.member, "edit": edit,
        "form": edit.commitment_form, "milestone_rows": rows, "refused": refused, "conflict": conflict,
        "error_summary": edit.error_summary(), "note_max_length": NOTE_MAX_LENGTH,
    }, status=status)
