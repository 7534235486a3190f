"""The staff dashboard (/staff/): for each member the user serves, what is late, due, quiet or ending,
with the team's latest changes; for an IRM reviewer, the reports and assessments awaiting them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .. import dashboard, permissions
from ..bulk import BulkUploadForm


@login_required
def staff_dashboard(request):
    today = timezone.localdate()
    members, choices = dashboard.served_members(request.user, request.GET.get("member", ""))
    reviewer = permissions.can_edit_assessment(request.user)
    return render(request, "staff/dashboard.html", {
        "today": today, "desks": [dashboard.member_desk(member, today) for member in members],
        "member_choices": choices if permissions.is_superuser(request.user) or len(choices) > 1 else [],
        "reviewer_desk": dashboard.reviewer_desk(today) if reviewer else None,
        "upload_form": BulkUploadForm(), "due_within_days": dashboard.DUE_WITHIN_DAYS,
        "has_role": bool(choices) or reviewer,
    })
