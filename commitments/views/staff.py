"""Staff pages: the commitment edit form, and the staff tools, history and as_of of the public page."""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commitments import history, permissions, progress, services
from commitments.forms import NOTE_MAX_LENGTH, StaffEdit
from commitments.models import Commitment

AS_OF_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def _editable_commitment(request, identifier):
    commitment = get_object_or_404(
        Commitment.objects.select_related("action_plan__member", "lead_institution"), identifier=identifier)
    if not permissions.can_edit_commitment(request.user, commitment):
        raise PermissionDenied(_("You may edit only the commitments of the members you are staff of."))
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


def parse_as_of(value: str | None) -> tuple[datetime.date | None, str | None]:
    """(day, error message) from ?as_of=YYYY-MM-DD; both None when absent."""
    if not value:
        return None, None
    try:
        if not AS_OF_PATTERN.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value), None
    except ValueError:
        return None, _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2018-06-30.") % {
            "value": value[:40]}


def commitment_page_extras(request, commitment) -> dict:
    """What the public commitment page adds for staff tools, history, as_of and progress.

    A fixed number of queries: the memberships (signed-in users only), three history tables,
    the authors' memberships, and for as_of two more.
    """
    day, as_of_error = parse_as_of(request.GET.get("as_of"))
    snapshot = history.state_as_of(commitment, day) if day else None
    milestones = list(commitment.milestones.all())
    mid_term = end_of_term = None
    for assessment in commitment.assessments.all():
        if assessment.is_mid_term:
            mid_term = assessment.completion
        elif assessment.is_end_of_term:
            end_of_term = assessment.completion
    return {
        "can_edit": permissions.can_edit_commitment(request.user, commitment),
        "edit_url": reverse("commitments:commitment-edit", args=[commitment.identifier]),
        "feed_url": reverse("commitments:commitment-feed", args=[commitment.identifier]),
        "timeline": history.timeline(commitment),
        "as_of": day,
        "as_of_error": as_of_error,
        "as_of_snapshot": snapshot,
        "as_of_missing": bool(day and snapshot is None),
        "progress": progress.for_commitment(commitment, milestones, mid_term, end_of_term),
        "progress_rule": progress.RULE,
    }
