"""The admin's "Import OGP data": upload a CSV export, preview what would change, confirm.

The uploaded file is written to a server-side temporary folder (the importer reads it there,
twice, never whole in memory) and kept between the preview and the confirmation, named by a
random id that travels in a signed token bound to the user, so the confirmed import reads
exactly the content that was previewed.
"""

import tempfile
import time
import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import permissions
from .writing import import_ogp

TOKEN_SALT = "commitments.admin_import"
# A preview must be confirmed within this many seconds; older uploads are deleted.
TOKEN_MAX_AGE = 60 * 60
UPLOAD_DIR = Path(tempfile.gettempdir()) / "ogptracker-imports"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024

EXPIRED_MESSAGE = gettext_lazy("This preview has expired or is not yours: upload the file again.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("OGP commitments export (CSV)"),
                           help_text=gettext_lazy("The CSV file of OGP's commitments data, 171 columns, "
                                                  "UTF-8. Nothing is written before you confirm."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.")
                                        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def can_import(user) -> bool:
    """Superusers only: an import writes every member's plans and commitments and the IRM's
    assessments, beyond what a secretariat role (one member) or a reviewer may edit."""
    return permissions.is_superuser(user)


def _store(upload) -> str:
    """Write the uploaded file chunk by chunk to the upload folder; its id there."""
    UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - TOKEN_MAX_AGE
    for old in UPLOAD_DIR.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    upload_id = uuid.uuid4().hex
    with (UPLOAD_DIR / f"{upload_id}.csv").open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    return upload_id


def _stored_path(token: str, user) -> Path | None:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    upload_id = str(payload.get("upload", ""))
    if payload.get("user") != user.pk or not upload_id.isalnum():
        return None
    stored = UPLOAD_DIR / f"{upload_id}.csv"
    return stored if stored.is_file() else None


class OGPImportAdminMixin:
    """Adds the import pages to CommitmentAdmin, and the button to its list."""

    import_template = "admin/commitments/commitment/import.html"

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="commitments_commitment_import"),
            path("import/confirm/", self.admin_site.admin_view(self.import_confirm_view),
                 name="commitments_commitment_import_confirm"),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_ogp": can_import(request.user)}
        return super().changelist_view(request, extra_context)

    def _context(self, request, **context):
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": _("Import OGP data"), **context}

    def import_view(self, request):
        if not can_import(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return TemplateResponse(request, self.import_template,
                                    self._context(request, form=ImportUploadForm()))
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, self.import_template, self._context(request, form=form))
        upload = form.cleaned_data["file"]
        upload_id = _store(upload)
        stored = UPLOAD_DIR / f"{upload_id}.csv"
        result = import_ogp(stored, dry_run=True, user=request.user)
        context = {"form": ImportUploadForm(), "result": result, "file_name": upload.name}
        if result.refused:
            stored.unlink(missing_ok=True)
        else:
            token = signing.dumps({"upload": upload_id, "user": request.user.pk}, salt=TOKEN_SALT)
            context["confirm_form"] = ImportConfirmForm(initial={"token": token})
        return TemplateResponse(request, self.import_template, self._context(request, **context))

    def import_confirm_view(self, request):
        if not can_import(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:commitments_commitment_import"))
        form = ImportConfirmForm(request.POST)
        stored = _stored_path(form.data.get("token", ""), request.user) if form.is_valid() else None
        if stored is None:
            messages.error(request, EXPIRED_MESSAGE)
            return HttpResponseRedirect(reverse("admin:commitments_commitment_import"))
        result = import_ogp(stored, user=request.user)
        if result.refused:
            # The database changed since the preview (e.g. a plan number taken): show why.
            return TemplateResponse(request, self.import_template, self._context(
                request, form=ImportUploadForm(), result=result))
        stored.unlink(missing_ok=True)
        messages.success(request, _("Imported %(rows)s rows: %(created)s created, %(updated)s updated.") % {
            "rows": result.rows, "created": sum(result.created.values()),
            "updated": sum(result.updated.values())})
        return HttpResponseRedirect(reverse("admin:commitments_commitment_changelist"))
