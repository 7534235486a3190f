"""Subscriptions by e-mail, no account needed: an address following the site, a member or a commitment."""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Member

# How long a confirmation link works; before then, asking again sends nothing.
CONFIRMATION_DAYS = 7


class Subscription(models.Model):
    """One address following one thing. Pending until its confirmation link is used; deleted when
    unsubscribed (nothing is kept about an address that left)."""

    class Target(models.TextChoices):
        SITE = "site", _("every change on the site")
        MEMBER = "member", _("a member's commitments")
        COMMITMENT = "commitment", _("a commitment")

    # Stored lower case, so that Ana@… and ana@… are one subscriber and share one rate limit.
    email = models.EmailField(_("e-mail address"), max_length=254)
    target = models.CharField(_("follows"), max_length=20, choices=Target.choices)
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE,
                               null=True, blank=True, related_name="+")
    commitment = models.ForeignKey(Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="+")
    # The language the address asked in: its mails are written in it.
    language = models.CharField(_("language"), max_length=10)
    # Random, part of every signed link: a new confirmation (after expiry) makes older links void.
    key = models.CharField(max_length=32)
    requested_at = models.DateTimeField(_("confirmation sent"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Changes recorded up to this moment have been sent (or came before the confirmation).
    digested_until = models.DateTimeField(_("changes sent up to"), null=True, blank=True)
    last_digest_at = models.DateTimeField(_("last digest"), null=True, blank=True)
    digests_sent = models.PositiveIntegerField(_("digests sent"), default=0)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="site", member__isnull=True, commitment__isnull=True)
                           | Q(target="member", member__isnull=False, commitment__isnull=True)
                           | Q(target="commitment", member__isnull=True, commitment__isnull=False)),
                name="follow_target_matches"),
            models.UniqueConstraint(fields=["email"], condition=Q(target="site"), name="follow_one_site"),
            models.UniqueConstraint(fields=["email", "member"], condition=Q(member__isnull=False),
                                    name="follow_one_member"),
            models.UniqueConstraint(fields=["email", "commitment"], condition=Q(commitment__isnull=False),
                                    name="follow_one_commitment"),
        ]
        indexes = [models.Index(fields=["confirmed_at", "digested_until"], name="follow_due")]

    def __str__(self):
        return f"{self.email} → {self.followed_name}"

    @property
    def followed_name(self) -> str:
        if self.commitment_id:
            return f"{self.commitment.identifier}: {self.commitment.title}"
        if self.member_id:
            return self.member.name
        return str(_("every change on ogptracker"))

    @property
    def page(self) -> str:
        """The path of the page followed."""
        if self.commitment_id:
            try:
                return self.commitment.get_absolute_url()
            except NoReverseMatch:  # an identifier stored before they were validated
                return self.commitment.action_plan.member.get_absolute_url()
        if self.member_id:
            return self.member.get_absolute_url()
        return "/"

    def confirmation_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) - self.requested_at > datetime.timedelta(days=CONFIRMATION_DAYS)
