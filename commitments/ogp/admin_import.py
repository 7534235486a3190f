"""The admin's "Import OGP data": upload a CSV export, preview what would change, confirm.

The uploaded file is written to a server-side temporary folder (the importer reads it there,
twice, never whole in memory) and kept between the preview and the confirmation, named by a
random id that travels in a signed token bound to the user, so the confirmed import reads
exactly the content that was previewed. It is removed after the confirmation, on cancel, and
once its preview has expired (any visit to the import pages removes expired uploads).

The preview lists every move of an existing plan or commitment to another member; the
confirmation writes them only when its "allow these moves" box is ticked (reading.Move).
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
from ..validators import validate_upload_size
from .writing import import_ogp

TOKEN_SALT = "commitments.admin_import"
# A preview must be confirmed within this many seconds; older uploads are deleted.
TOKEN_MAX_AGE = 60 * 60
UPLOAD_DIR = Path(tempfile.gettempdir()) / "ogptracker-imports"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024

# A refused file lists this many problems at most (a broken file can have one per cell), with
# the total: enough to see what is wrong, and a page that still loads.
PREVIEW_ERROR_LIMIT = 200

EXPIRED_MESSAGE = gettext_lazy("This preview has expired or is not yours: upload the file again.")
CANCELLED_MESSAGE = gettext_lazy("The import was cancelled: the uploaded file is deleted.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("OGP commitments export (CSV)"),
                           help_text=gettext_lazy("The CSV file of OGP's commitments data, 171 columns, "
                                                  "UTF-8. Nothing is written before you confirm."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_size(upload, MAX_UPLOAD_BYTES)
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    allow_moves = forms.BooleanField(
        required=False, label=gettext_lazy("Allow these moves to another member"),
        help_text=gettext_lazy("Without it, a row that moves an existing action plan or commitment "
                               "to another member refuses the whole file."))


class ImportCancelForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def remove_expired_uploads():
    """Delete the uploads whose preview can no longer be confirmed."""
    if not UPLOAD_DIR.is_dir():
        return
    cutoff = time.time() - TOKEN_MAX_AGE
    for old in UPLOAD_DIR.glob("*.csv"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except FileNotFoundError:
            pass  # removed meanwhile by another request


def _store(upload) -> str:
    """Write the uploaded file chunk by chunk to the upload folder; its id there."""
    UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    upload_id = uuid.uuid4().hex
    with (UPLOAD_DIR / f"{upload_id}.csv").open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    return upload_id


def _token(upload_id, user) -> str:
    return signing.dumps({"upload": upload_id, "user": user.pk}, salt=TOKEN_SALT)


def _stored_path(token: str, user) -> Path | None:
    """The upload a token names, if it is the user's and its preview has not expired (an
    expired one is deleted here, whatever the age of the other uploads)."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=TOKEN_SALT)
        upload_id = str(payload.get("upload", ""))
        if upload_id.isalnum():
            (UPLOAD_DIR / f"{upload_id}.csv").unlink(missing_ok=True)
        return None
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
            path("import/cancel/", self.admin_site.admin_view(self.import_cancel_view),
                 name="commitments_commitment_import_cancel"),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_ogp": permissions.can_import_ogp(request.user)}
        return super().changelist_view(request, extra_context)

    def _context(self, request, **context):
        result = context.get("result")
        if result is not None:
            context["errors_shown"] = result.errors[:PREVIEW_ERROR_LIMIT]
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": _("Import OGP data"), **context}

    @staticmethod
    def _preview_forms(token) -> dict:
        return {"confirm_form": ImportConfirmForm(initial={"token": token}),
                "cancel_form": ImportCancelForm(initial={"token": token})}

    def import_view(self, request):
        if not permissions.can_import_ogp(request.user):
            raise PermissionDenied
        remove_expired_uploads()
        if request.method != "POST":
            return TemplateResponse(request, self.import_template,
                                    self._context(request, form=ImportUploadForm()))
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, self.import_template, self._context(request, form=form))
        upload = form.cleaned_data["file"]
        upload_id = _store(upload)
        stored = UPLOAD_DIR / f"{upload_id}.csv"
        # Moves allowed in the preview, so that it lists them; the confirmation writes them only
        # when its box is ticked.
        result = import_ogp(stored, dry_run=True, user=request.user, allow_moves=True)
        context = {"form": ImportUploadForm(), "result": result, "file_name": upload.name}
        if result.refused:
            stored.unlink(missing_ok=True)
        else:
            context.update(self._preview_forms(_token(upload_id, request.user)))
        return TemplateResponse(request, self.import_template, self._context(request, **context))

    def import_confirm_view(self, request):
        if not permissions.can_import_ogp(request.user):
            raise PermissionDenied
        remove_expired_uploads()
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:commitments_commitment_import"))
        form = ImportConfirmForm(request.POST)
        stored = _stored_path(form.data.get("token", ""), request.user) if form.is_valid() else None
        if stored is None:
            messages.error(request, EXPIRED_MESSAGE)
            return HttpResponseRedirect(reverse("admin:commitments_commitment_import"))
        result = import_ogp(stored, user=request.user, allow_moves=form.cleaned_data["allow_moves"])
        if result.refused:
            # Moves not allowed, or the database changed since the preview (e.g. a plan number
            # taken): show why, and offer the same file again until its preview expires.
            return TemplateResponse(request, self.import_template, self._context(
                request, form=ImportUploadForm(), result=result,
                **self._preview_forms(form.cleaned_data["token"])))
        stored.unlink(missing_ok=True)
        for move in result.moves:
            messages.warning(request, _("Moved %(what)s %(key)s from %(from)s to %(to)s.") % {
                "what": move.label, "key": move.key, "from": move.from_member, "to": move.to_member})
        messages.success(request, _("Imported %(rows)s rows: %(created)s created, %(updated)s updated.") % {
            "rows": result.rows, "created": sum(result.created.values()),
            "updated": sum(result.updated.values())})
        return HttpResponseRedirect(reverse("admin:commitments_commitment_changelist"))

    def import_cancel_view(self, request):
        if not permissions.can_import_ogp(request.user):
            raise PermissionDenied
        remove_expired_uploads()
        if request.method == "POST":
            form = ImportCancelForm(request.POST)
            stored = _stored_path(form.data.get("token", ""), request.user) if form.is_valid() else None
            if stored is not None:
                stored.unlink(missing_ok=True)
                messages.info(request, CANCELLED_MESSAGE)
        return HttpResponseRedirect(reverse("admin:commitments_commitment_import"))
