"""Personal API tokens: who may hold one, and how one is issued, recognised and revoked.

A token is shown once, when it is issued; only its SHA-256 digest is stored, so a copy of the
database gives no one a working token. Its first characters (`prefix`) are kept in the clear so
that its holder can tell their tokens apart on the tokens page.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments import permissions
from commitments.validators import validate_text

# Marks the secret as this site's (a leaked one is recognisable in logs and secret scanners).
TOKEN_MARK = "ogpt_"
PREFIX_LENGTH = len(TOKEN_MARK) + 6
NAME_MAX_LENGTH = 100


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def may_hold_token(user) -> bool:
    """Those who may write anything: the secretariat (own members), IRM reviewers, superusers.
    A token gives no rights of its own: each write still asks commitments/permissions.py."""
    return permissions.is_superuser(user) or permissions.is_secretariat(user) or permissions.is_reviewer(user)


class APITokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    @transaction.atomic
    def issue(self, *, user, name: str) -> tuple["APIToken", str]:
        """A new token for the user: the stored row and the secret, which is never stored."""
        secret = TOKEN_MARK + secrets.token_urlsafe(32)
        token = self.create(user=user, name=name.strip(), prefix=secret[:PREFIX_LENGTH],
                            digest=digest(secret))
        return token, secret

    def for_secret(self, secret: str):
        """The active token of an active user with this secret, or None."""
        return (self.active().select_related("user").filter(digest=digest(secret), user__is_active=True)
                .first())


class APIToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, validators=[validate_text],
                            help_text=_("What the token is for, e.g. the script that uses it."))
    prefix = models.CharField(_("begins with"), max_length=PREFIX_LENGTH, editable=False)
    digest = models.CharField(_("SHA-256 digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    # Kept, not deleted, when revoked: the admin can still tell whose token a log line names.
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def mark_used(self) -> None:
        # A single UPDATE: concurrent requests with the same token never wait on each other.
        self.last_used_at = timezone.now()
        APIToken.objects.filter(pk=self.pk).update(last_used_at=self.last_used_at)
