"""OGP members, their action plans, commitments, milestones, institutions and policy areas."""

import datetime
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reviews.scales import Completion, OpenGovernment, PotentialForResults, PotentialImpact, YesNo

from . import progress, search
from .validators import (
    validate_identifier,
    validate_integer,
    validate_link,
    validate_ogp_id,
    validate_small_integer,
    validate_text,
)

# The IRM's ratings stored on each commitment, named as reviews.ratings.RULES names their rules.
STORED_RATING_FIELDS = ("mid_term_completion", "end_of_term_completion", "potential_impact",
                        "potential_for_results", "did_it_open_government")
# Relevance to the four OGP values: a flag each on a commitment (and a rating each on an assessment).
OGP_VALUE_FIELDS = ("access_to_information", "civic_participation", "public_accountability",
                    "technology_innovation")
DESCRIPTION_SECTION_FIELDS = ("problem", "main_objective", "brief_description", "ogp_challenge",
                              "relevance", "ambition")


# How far the commitment page follows a lineage each way, and the longest chain the admin accepts.
LINEAGE_LIMIT = 10
# The PostgreSQL advisory lock that lineage changes take in turn (lock_lineage): any fixed number
# that no other lock of the project uses.
LINEAGE_LOCK = 0x0CE1_1A6E


def lock_lineage() -> None:
    """Until the transaction ends, no other transaction checks or changes a `continues` link.

    Lineage changes are rare (a secretariat links plans once), so one lock for all of them costs
    nothing and needs no order among locks. The admin validates and saves in one transaction
    (ModelAdmin.changeform_view), so the lock covers both. Outside a transaction the lock would end
    with its own statement, so none is taken; SQLite (development, one server) takes none.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LINEAGE_LOCK])


def _stored_rating(verbose_name, scale):
    return models.CharField(verbose_name, max_length=40, choices=scale.choices, null=True, blank=True,
                            editable=False)


class Member(models.Model):
    """A country or a local government that belongs to OGP."""

    class Region(models.TextChoices):
        AFRICA_MIDDLE_EAST = "Africa and the Middle East", _("Africa and the Middle East")
        AMERICAS = "Americas", _("Americas")
        ASIA_PACIFIC = "Asia and the Pacific", _("Asia and the Pacific")
        EUROPE = "Europe", _("Europe")

    class Kind(models.TextChoices):
        # Spelled as the export's "National Or Local" column.
        NATIONAL = "National", _("National")
        LOCAL = "Local", _("Local")
        LEGACY_LOCAL = "Legacy Local", _("Legacy Local")
        OTHER = "Other", _("Other")

    name = models.CharField(_("name"), max_length=200, validators=[validate_text])
    slug = models.SlugField(_("OGP slug"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=10, blank=True, db_index=True, validators=[validate_text],
                            help_text=_("ISO 3166 alpha-3 code for countries, e.g. CHL."))
    region = models.CharField(_("region"), max_length=40, choices=Region.choices)
    kind = models.CharField(_("national or local"), max_length=20, choices=Kind.choices,
                            default=Kind.NATIONAL)

    class Meta:
        ordering = ["name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("commitments:member-detail", args=[self.slug])


class ActionPlan(models.Model):
    """A member's numbered action plan, e.g. "Chile Action Plan 2016-2018" (AP_CHL03)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="action_plans",
                               verbose_name=_("member"))
    number = models.PositiveSmallIntegerField(_("number"), validators=[validate_small_integer])
    ogp_id = models.CharField(_("OGP id"), max_length=30, unique=True, validators=[validate_ogp_id],
                              help_text=_("As in OGP's export, e.g. AP_CHL03."))
    title = models.CharField(_("title"), max_length=300, validators=[validate_text])
    submission_year = models.PositiveSmallIntegerField(_("year of submission"),
                                                       validators=[validate_small_integer])
    end_year = models.PositiveSmallIntegerField(_("end year"), validators=[validate_small_integer])

    class Meta:
        ordering = ["member__name", "-submission_year", "-number"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.UniqueConstraint(fields=["member", "number"], name="action_plan_number_unique_per_member"),
            models.CheckConstraint(condition=Q(end_year__gte=F("submission_year")),
                                   name="action_plan_ends_after_submission"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("commitments:action-plan-detail", args=[self.member.slug, self.ogp_id])

    @property
    def cycle(self) -> int:
        """OGP names a plan's cycle by its year of submission."""
        return self.submission_year


def institution_key(name: str) -> str:
    """What makes two institution names one institution: accents, case and spacing do not count
    ("Ministerio Secretaría  General" and "ministerio secretaria general" are one)."""
    return search.normalize(name)


def preferred_spelling(uses: dict) -> str:
    """Of several spellings of one institution (name -> how many commitments use it), the one kept:
    the most used; on a tie the one with more accented letters (an accent dropped is the usual slip,
    one added never is); then the first in alphabetical order, so the choice never depends on order."""
    def accented(name):
        return sum(1 for char in unicodedata.normalize("NFD", name) if unicodedata.combining(char))
    return min(uses, key=lambda name: (-uses[name], -accented(name), name))


class Institution(models.Model):
    """A government body or organisation that leads or supports commitments."""

    name = models.CharField(_("name"), max_length=1000, unique=True, validators=[validate_text])
    # institution_key(name), stored by the save (freshness.saves.fill_name_key) and by bulk writers:
    # its uniqueness is the rule "one institution, one name", held by the database.
    name_key = models.CharField(max_length=1000, unique=True, editable=False)
    # Who renamed or merged an institution, and when (services.institutions_merge).
    history = HistoricalRecords(excluded_fields=["name_key"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        same = (Institution.objects.filter(name_key=institution_key(self.name or ""))
                .exclude(pk=self.pk).values_list("name", flat=True).first())
        if same is not None:
            raise ValidationError({"name": _("This is the institution “%(name)s”: names that differ "
                                             "only by accents, case or spacing are one institution.")
                                   % {"name": same}}, code="same_institution")


class PolicyArea(models.Model):
    """A policy-area tag (OGP's export has about 86 of them, one 0/1 column each)."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[validate_text])
    slug = models.SlugField(_("slug"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("policy area")
        verbose_name_plural = _("policy areas")

    def __str__(self):
        return self.name


# Longer than any real document link; a 2,000-character "link" is refused, not stored.
EVIDENCE_MAX_LENGTH = 1000


class RecordedAuthor(models.Model):
    """Added to a historical record: the public author of the change as it stood when it was made, so
    a membership revoked or moved later does not rewrite it (filled by commitments.history)."""

    history_author = models.CharField(_("author shown"), max_length=1000, blank=True, default="",
                                      help_text=_("The institution shown as the author; empty: "
                                                  "\"Secretariat\"."))
    # The link its editor gave as evidence for the change, beside the note (services.set_history):
    # kept on the record, so it stays with that change whatever the row holds later.
    history_evidence_url = models.URLField(_("evidence for the change"), max_length=EVIDENCE_MAX_LENGTH,
                                           blank=True, default="", validators=[validate_link])

    class Meta:
        abstract = True


class RecordedLinks(RecordedAuthor):
    """Added to a commitment's historical record: the names of its supporting institutions and policy
    areas after that change. NULL while not known: a bulk write (import, baseline) records none, and
    the commitment's next save fills in those it had until then."""

    history_supporting_institutions = models.JSONField(_("supporting institutions"), null=True, blank=True)
    history_policy_areas = models.JSONField(_("policy areas"), null=True, blank=True)

    class Meta:
        abstract = True


class CommitmentQuerySet(models.QuerySet):
    def for_member(self, member):
        return self.filter(action_plan__member=member)

    def active(self):
        return self.filter(status=Commitment.Status.ACTIVE)

    def with_overdue_milestone(self, today: datetime.date):
        """Commitments with at least one milestone overdue on `today` (MilestoneQuerySet.overdue):
        those whose stored first_open_end_date is before it (first_open_end_date_expression).

        A stored date, not EXISTS over the milestones, which made the `overdue` recount after each
        milestone save slow (docs/decisions.md, "The first open end date, stored"; bench case
        "list, unfiltered", right after a milestone save)."""
        return self.filter(first_open_end_date__lt=today)

    def with_progress(self):
        """Each commitment with its IRM's latest completion and progress_disagrees.

        The rule is in commitments/progress.py, stated on the commitment page.
        """
        return progress.annotate(self)


class Commitment(models.Model):
    """One commitment of an action plan, identified by OGP as e.g. CL0050."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    identifier = models.CharField(_("identifier"), max_length=20, unique=True,
                                  validators=[validate_identifier],
                                  help_text=_("OGP's commitment unique identifier, e.g. CL0050."))
    action_plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="commitments",
                                    verbose_name=_("action plan"))
    number = models.CharField(_("number in the plan"), max_length=30, blank=True, validators=[validate_text])
    title = models.CharField(_("title"), max_length=1000, validators=[validate_text])
    short_title = models.CharField(_("short title"), max_length=1000, blank=True, validators=[validate_text])
    theme = models.CharField(_("theme"), max_length=300, blank=True, validators=[validate_text])
    # The description as OGP publishes it, whole; the sections below split it where the
    # action plan used OGP's template (problem, objective, brief description, ...).
    description = models.TextField(_("description"), blank=True, validators=[validate_text])
    problem = models.TextField(_("status quo or problem addressed"), blank=True, validators=[validate_text])
    main_objective = models.TextField(_("main objective"), blank=True, validators=[validate_text])
    brief_description = models.TextField(_("brief description"), blank=True, validators=[validate_text])
    ogp_challenge = models.TextField(_("OGP challenge addressed"), blank=True, validators=[validate_text])
    relevance = models.TextField(_("relevance"), blank=True, validators=[validate_text])
    ambition = models.TextField(_("ambition"), blank=True, validators=[validate_text])
    # Dates in the export are free-form ("3/1/2021", "Sept 2018", "NA"): the text is kept
    # as written, and the date holds its exact or first-day reading when there is one.
    start_date = models.DateField(_("start date"), null=True, blank=True)
    start_date_text = models.CharField(_("start date as written"), max_length=100, blank=True,
                                       validators=[validate_text])
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_date_text = models.CharField(_("end date as written"), max_length=100, blank=True,
                                     validators=[validate_text])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    lead_institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="led_commitments",
                                         verbose_name=_("lead institution"))
    supporting_institutions = models.ManyToManyField(Institution, blank=True,
                                                     related_name="supported_commitments",
                                                     verbose_name=_("supporting institutions"))
    policy_areas = models.ManyToManyField(PolicyArea, blank=True, related_name="commitments",
                                          verbose_name=_("policy areas"))
    # Relevance to the OGP values as the action plan states it; the IRM's own reading is
    # on each assessment.
    access_to_information = models.BooleanField(_("access to information"), default=False)
    civic_participation = models.BooleanField(_("civic participation"), default=False)
    public_accountability = models.BooleanField(_("public accountability"), default=False)
    technology_innovation = models.BooleanField(_("technology and innovation"), default=False)
    starred = models.BooleanField(_("starred"), default=False, db_index=True,
                                  help_text=_("The IRM's final star (end of term, or the latest report)."))
    carried_forward = models.CharField(_("carried forward"), max_length=3, choices=YesNo.choices,
                                       default=YesNo.ND)
    ogp_url = models.URLField(_("OGP page"), max_length=500, blank=True, validators=[validate_link])
    # The commitment of an earlier plan this one carries on (lineage across plans); SET_NULL: a
    # deleted predecessor ends the chain, it does not take its successors with it.
    continues = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="continued_in", verbose_name=_("continues"),
                                  help_text=_("The commitment of an earlier action plan this one continues."))
    # The IRM's ratings by the rules of reviews/ratings.py, stored by commitments/stored.py when
    # assessments or reports change, so lists filter, sort and count by them without subqueries.
    # NULL: no report of the stage assessed the commitment (or none rated it).
    mid_term_completion = _stored_rating(_("IRM mid-term completion"), Completion)
    end_of_term_completion = _stored_rating(_("IRM end-of-term completion"), Completion)
    potential_impact = _stored_rating(_("IRM potential impact"), PotentialImpact)
    potential_for_results = _stored_rating(_("IRM potential for results"), PotentialForResults)
    did_it_open_government = _stored_rating(_("IRM did it open government"), OpenGovernment)
    # The milestones progress.py counts (withdrawn ones aside), stored (stored.py) on every milestone write
    # so a list filters and counts "progress disagrees" without a subquery per row.
    milestones_counted = models.PositiveIntegerField(_("milestones counted"), default=0, editable=False)
    milestones_complete = models.PositiveIntegerField(_("milestones complete"), default=0, editable=False)
    # The earliest end date of its milestones not complete, stored (stored.py) on every milestone write:
    # the commitment has an overdue milestone on a day exactly when this date is before it.
    first_open_end_date = models.DateField(_("first open milestone's end date"), null=True, blank=True,
                                           editable=False)
    # Columns of OGP's export that ogptracker does not model, kept so an import loses nothing.
    ogp_extra = models.JSONField(_("other OGP export columns"), default=dict, blank=True)
    # Identifier, titles, description and institutions, lowercased and without accents, so
    # "secretaria ejecutiva" finds "Secretaría Ejecutiva"; full-text indexed on PostgreSQL.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = CommitmentQuerySet.as_manager()
    # Who changed what, when and why (the note is the change reason); search_text is derived.
    history = HistoricalRecords(excluded_fields=["search_text", *STORED_RATING_FIELDS,
                                                 "milestones_counted", "milestones_complete",
                                                 "first_open_end_date"],
                                bases=[RecordedLinks])

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="commitment_ends_after_start",
            ),
        ]
        # The full-text GIN index on search_text is PostgreSQL-only: see migration 0002.
        indexes = [
            # Every column the fixed-choice facets count (commitments/facets.py _fixed_counts), so
            # counting them reads this index (11 MB at 100,000 commitments), not the table (236 MB).
            models.Index(fields=["status", "starred", *STORED_RATING_FIELDS, "milestones_counted",
                                 "milestones_complete", *OGP_VALUE_FIELDS, "action_plan", "lead_institution",
                                 "carried_forward", "first_open_end_date"],
                         name="commitment_fixed_facets"),
        ]

    def __str__(self):
        return f"{self.identifier}: {self.title}"

    def get_absolute_url(self):
        return reverse("commitments:commitment-detail", args=[self.identifier])

    def clean(self):
        super().clean()
        self._clean_continues()

    def _clean_continues(self):
        """A commitment continues another, never itself nor one that (through others) continues it.

        Checked only when `continues` changes: a cycle stored before this rule (or by hand in the
        database) must not refuse every later edit of its commitments, a title's included. Two
        saves that would close a cycle together (A continues B, B continues A, at the same moment)
        each see the other's old link; lock_lineage() makes them take turns, so the second one
        walks the chain as the first one left it and is refused.
        """
        if self.continues_id is None:
            return
        if self.pk is not None and self.continues_id == self.pk:
            raise ValidationError({"continues": _("A commitment cannot continue itself.")})
        if self.pk is not None and self.continues_id == (
                Commitment.objects.filter(pk=self.pk).values_list("continues_id", flat=True).first()):
            return
        lock_lineage()
        seen, current = {self.pk}, self.continues_id
        # Walking the predecessors: one query per step, bounded by LINEAGE_LIMIT.
        for _step in range(LINEAGE_LIMIT):
            if current is None:
                return
            if current in seen:
                raise ValidationError({"continues": _(
                    "This would make a cycle: the commitment chosen continues, directly or through "
                    "others, this one.")})
            seen.add(current)
            current = Commitment.objects.filter(pk=current).values_list("continues_id", flat=True).first()
        raise ValidationError({"continues": _("This lineage is longer than %(limit)s commitments.")
                               % {"limit": LINEAGE_LIMIT}})

    @property
    def member(self):
        return self.action_plan.member

    @property
    def ogp_values(self) -> list[str]:
        """The labels of the OGP values the commitment states it is relevant to."""
        return [str(self._meta.get_field(name).verbose_name) for name in OGP_VALUE_FIELDS
                if getattr(self, name)]

    @property
    def description_sections(self) -> list[tuple[str, str]]:
        """(heading, text) of every section that has text, in OGP's template order."""
        return [(str(self._meta.get_field(name).verbose_name), getattr(self, name))
                for name in DESCRIPTION_SECTION_FIELDS if getattr(self, name)]


def ogp_value_choices() -> list[tuple[str, str]]:
    """(slug as OGP's site spells it, label) of each OGP value: "access-to-information"."""
    return [(name.replace("_", "-"), capfirst(Commitment._meta.get_field(name).verbose_name))
            for name in OGP_VALUE_FIELDS]


class MilestoneQuerySet(models.QuerySet):
    """The due-date rules, in one place: the commitment page, the list's `overdue` filter and facet,
    and the staff dashboard all read them from here, with the day passed in (no hidden clock)."""

    # Not complete: a milestone whose end date, once passed, makes it overdue.
    OPEN = ~Q(status=Completion.COMPLETE)

    @staticmethod
    def overdue_condition(today: datetime.date) -> Q:
        """End date passed on `today`, not complete: the one statement of "overdue"."""
        return Q(end_date__lt=today) & MilestoneQuerySet.OPEN

    def overdue(self, today: datetime.date):
        """Milestones whose end date has passed on `today` and that are not complete."""
        return self.filter(self.overdue_condition(today))

    def due_within(self, today: datetime.date, days: int):
        """Milestones not complete whose end date falls from `today` to `days` days after it."""
        return self.exclude(status=Completion.COMPLETE).filter(
            end_date__gte=today, end_date__lte=today + datetime.timedelta(days=days))

    def with_overdue(self, today: datetime.date):
        """Each milestone with `overdue` (bool), for pages that show all of them and flag the late ones."""
        return self.annotate(overdue=models.ExpressionWrapper(
            self.overdue_condition(today), output_field=models.BooleanField()))


def first_open_end_date_expression(milestone_model):
    """Per outer commitment, the earliest end date of its milestones not complete (NULL without one),
    as Commitment.first_open_end_date stores it (stored.py; a migration passes its model): some
    milestone is overdue on `today` (overdue_condition) exactly when this earliest date is before it."""
    return Subquery(milestone_model.objects.filter(MilestoneQuerySet.OPEN, commitment=OuterRef("pk"))
                    .order_by().values("commitment").annotate(first=Min("end_date")).values("first"),
                    output_field=models.DateField())


class Milestone(models.Model):
    """An ordered step of a commitment, with its own status and dates."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="milestones",
                                   verbose_name=_("commitment"))
    order = models.PositiveSmallIntegerField(_("order"), validators=[validate_small_integer])
    text = models.TextField(_("text"), validators=[validate_text])
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Completion.choices,
                              default=Completion.NOT_STARTED)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True, validators=[validate_link])
    # The day it was met: set by services.milestone_completion when the status becomes complete,
    # cleared when it leaves complete (OCDS's dateMet).
    completed_on = models.DateField(_("date met"), null=True, blank=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords(bases=[RecordedAuthor])

    class Meta:
        ordering = ["commitment", "order"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["commitment", "order"], name="milestone_order_unique"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="milestone_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.text[:80]}"


class Source(models.Model):
    """A footnoted source of a commitment's IRM findings, e.g. [110] with its link."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="sources",
                                   verbose_name=_("commitment"))
    footnote = models.PositiveIntegerField(_("footnote number"), validators=[validate_integer])
    text = models.TextField(_("text"), validators=[validate_text])
    url = models.URLField(_("link"), max_length=1000, blank=True, validators=[validate_link])

    # Kept when the source or its commitment is deleted, so neither is lost.
    history = HistoricalRecords(bases=[RecordedAuthor])

    class Meta:
        ordering = ["commitment", "footnote"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["commitment", "footnote"], name="source_footnote_unique"),
        ]

    def __str__(self):
        return f"[{self.footnote}] {self.text[:80]}"


class StaffMembership(models.Model):
    """The secretariat role: a user keeps one member's action plans, commitments and milestones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="staff_memberships", verbose_name=_("user"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="staff_memberships",
                               verbose_name=_("member"))
    # Shown as the author of the user's changes in the public history, never their name or e-mail.
    institution = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="staff_memberships", verbose_name=_("institution"),
                                    help_text=_("Shown publicly as the author of changes; "
                                                "\"Secretariat\" when empty."))
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["member__name"]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "member"], name="staff_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.member}"


class FacetDataVersion(models.Model):
    """One row: the version of the data the list's facets count (commitments/freshness/versions.py).

    In the database, not the cache, so every app server, process and cache sees the same version,
    and a write moves it in its own transaction. A fresh random token each time, not a counter,
    so a restored database never reuses a version whose cached counts described other data.
    """

    token = models.CharField(max_length=32)
    # Moved by every write, also one that changes only what text search reads (a title, say),
    # which leaves `token` and so the counts of every state without a search as they are.
    text_token = models.CharField(max_length=32, default="")
    # A token per group of the commitment's counted columns (freshness/columns.py), moved by a save
    # that changes those columns only: the cached counts that do not read them stay (issue 13.7).
    column_tokens = models.JSONField(default=dict)
    # Moved by every write of anything a commitment's export shows (freshness/versions.py and every
    # commitment save or delete, also one that changes no counted or searched column: a date, the
    # description, ogp_extra): the version the cached exports are kept under (freshness/exports.py).
    record_token = models.CharField(max_length=32, default="")
    # When any of it last changed (moved with the tokens): the API's Last-Modified.
    changed_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.token}.{self.text_token}"
