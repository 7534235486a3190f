"""The follow form: an address and what it follows (the site, a member, a commitment)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Member

from .models import Subscription

DOMAIN_LITERAL = _("Enter an address with a domain name (name@example.org), not a machine's number.")
UNKNOWN_TARGET = _("This page cannot be followed: it may have been removed. Go back and reload it.")


class FollowForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    target = forms.ChoiceField(choices=Subscription.Target.choices, widget=forms.HiddenInput)
    key = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        # Django's validator takes a domain literal (a@[127.0.0.1], RFC 5321 4.1.3): a mail to an
        # address, aimed at a host of the sender's choosing (ours included), not at a mailbox.
        if email.rpartition("@")[2].startswith("["):
            raise forms.ValidationError(DOMAIN_LITERAL, code="domain_literal")
        return email

    def clean(self):
        data = super().clean()
        found, data["member"], data["commitment"] = resolve(data.get("target"), data.get("key") or "")
        if not found:  # a hidden field's error would not be seen: it is the form's
            raise forms.ValidationError(UNKNOWN_TARGET, code="unknown_target")
        return data


def resolve(target, key) -> tuple[bool, Member | None, Commitment | None]:
    """(whether it exists, its member, its commitment) of what a form names: the site, a member's
    slug or a commitment's identifier."""
    if "\x00" in key:  # PostgreSQL refuses NUL in a query; no slug or identifier holds one
        return False, None, None
    if target == Subscription.Target.MEMBER:
        member = Member.objects.filter(slug=key).first()
        return member is not None, member, None
    if target == Subscription.Target.COMMITMENT:
        commitment = Commitment.objects.select_related("action_plan__member").filter(identifier=key).first()
        return commitment is not None, None, commitment
    return target == Subscription.Target.SITE, None, None
