"""The API tokens page, /accounts/api-tokens/: a staff member's own tokens, made and revoked there."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from api.models import NAME_MAX_LENGTH, APIToken, may_hold_token
from commitments.validators import validate_text
from ogptracker.errors import Refused


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH, validators=[validate_text],
                           help_text=gettext_lazy("What the token is for, e.g. the script that uses it."))


@never_cache  # the page shows a new token's secret: no browser or proxy may keep a copy
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    if not may_hold_token(request.user):
        raise Refused(_("API tokens are for secretariat staff and IRM reviewers: your account has no staff "
                        "role here. An administrator can give you one."), public_url="/")
    form, new_secret, status = TokenForm(), None, 200
    if request.method == "POST" and "revoke" in request.POST:
        revoked = request.POST["revoke"]
        # Only one's own tokens: another's id is as unknown as one that never was.
        token = get_object_or_404(APIToken.objects.active(), user=request.user,
                                  pk=int(revoked) if revoked.isdigit() else None)
        token.revoke()
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
        return redirect("api-tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            # Shown in this answer only (no redirect to a page that could show it again).
            _token, new_secret = APIToken.objects.issue(user=request.user, name=form.cleaned_data["name"])
            form = TokenForm()
        else:
            status = 400
    return render(request, "api/tokens.html", {
        "form": form, "new_secret": new_secret, "tokens": APIToken.objects.active().filter(user=request.user),
    }, status=status)
