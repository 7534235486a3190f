"""Bulk updates by spreadsheet, from the staff dashboard: download, upload and preview, confirm.

The upload's rows are kept in the uploader's session between the preview and the confirmation
(server-side, bound to the signed-in user, named by a random token the confirm form carries), and
checked again at the confirmation against what is saved then: nothing is written before it.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ogptracker.errors import Refused

from .. import bulk, permissions
from ..models import Member

SESSION_KEY = "ogptracker_bulk_upload"


def _served_member(request, slug):
    member = get_object_or_404(Member, slug=slug)
    if not permissions.can_edit_member(request.user, member.pk):
        raise Refused(_("Only secretariat staff of %(member)s may update its commitments in bulk.")
                      % {"member": member.name}, public_url=member.get_absolute_url())
    return member


def _dashboard_url(member) -> str:
    return f"{reverse('commitments:dashboard')}?member={member.slug}"


def _download(member, extension, content, content_type):
    response = HttpResponse(content, content_type=content_type)
    name = f"{member.slug}-updates-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def bulk_xlsx(request, slug):
    member = _served_member(request, slug)
    return _download(member, "xlsx", bulk.xlsx_bytes(member), bulk.XLSX_TYPE)


@login_required
def bulk_csv(request, slug):
    member = _served_member(request, slug)
    return _download(member, "csv", bulk.csv_text(member), "text/csv; charset=utf-8")


def _preview(request, member, *, form=None, check=None, file_error="", token="", status=200):
    return render(request, "staff/bulk_preview.html", {
        "member": member, "upload_form": form or bulk.BulkUploadForm(), "check": check,
        "file_error": file_error, "token": token, "dashboard_url": _dashboard_url(member),
    }, status=status)


@login_required
@require_POST
def bulk_upload(request, slug):
    member = _served_member(request, slug)
    request.session.pop(SESSION_KEY, None)
    form = bulk.BulkUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _preview(request, member, form=form, status=400)
    try:
        rows = bulk.read_upload(form.cleaned_data["file"].read())
    except bulk.FileRefused as refused:
        return _preview(request, member, form=form, file_error=str(refused), status=400)
    check = bulk.check_rows(member, rows)
    if not check.can_confirm:
        return _preview(request, member, check=check, status=check.status)
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {"token": token, "member": member.pk, "rows": rows}
    return _preview(request, member, check=check, token=token)


@login_required
@require_POST
def bulk_confirm(request, slug):
    member = _served_member(request, slug)
    stored = request.session.get(SESSION_KEY) or {}
    if stored.get("member") != member.pk or not constant_time_compare(stored.get("token", ""),
                                                                     request.POST.get("token", "")):
        messages.error(request, _("This preview has expired or was replaced by another upload: upload "
                                  "the file again."))
        return redirect(_dashboard_url(member))
    del request.session[SESSION_KEY]
    # Checked again: someone may have saved one of these commitments since the preview.
    check = bulk.check_rows(member, stored["rows"])
    if not check.can_confirm:
        return _preview(request, member, check=check, status=409)
    try:
        saved = bulk.apply(check, user=request.user)
    except bulk.BulkRefused as refused:
        return _preview(request, member, check=check, file_error=refused.reason, status=409)
    messages.success(request, ngettext("Saved the file's changes to %(count)s commitment.",
                                       "Saved the file's changes to %(count)s commitments.", saved)
                     % {"count": saved})
    return redirect(_dashboard_url(member))
