"""The 403 page: in the site's layout, saying why the visitor was refused and where to go instead."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _


class Refused(PermissionDenied):
    """A refusal that says why (in words for the visitor) and names the public page of what was
    refused, which the 403 page links to: everyone may read what only some may edit."""

    def __init__(self, reason: str, public_url: str = ""):
        super().__init__(reason)
        self.public_url = public_url


def permission_denied(request, exception):
    """handler403: every PermissionDenied, from the staff pages and the admin alike. Django's own
    says only "403 Forbidden"; the admin's refusals carry no reason, so the page has a general one."""
    return render(request, "403.html", {
        "reason": str(exception), "public_url": getattr(exception, "public_url", ""),
    }, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its token (a page left open past its session, cookies
    refused). Django's reason is for developers; the visitor is told what to do."""
    return render(request, "403.html", {
        "reason": _("This form was sent without the security token this site gives it, or with an "
                    "expired one. Go back, reload the page and send the form again; your browser "
                    "must accept this site's cookies."),
    }, status=403)
