"""IRM reports on action plans, and their assessment of each commitment."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models import ActionPlan, Commitment
from commitments.validators import validate_link, validate_small_integer, validate_text

from .scales import (
    ChangeInCompletion,
    Completion,
    EarlyResults,
    OpenGovernment,
    PotentialForResults,
    PotentialImpact,
    Specificity,
    YesNo,
)


class IRMReport(models.Model):
    """One IRM report on one action plan."""

    class Kind(models.TextChoices):
        # Up to 2020: design, mid-term progress and end-of-term reports.
        DESIGN = "design", _("Design Report")
        PROGRESS = "progress", _("Mid-Term Progress Report")
        END_OF_TERM = "end-of-term", _("End-of-Term Report")
        # From 2020/21: action plan review and results report.
        ACTION_PLAN_REVIEW = "action-plan-review", _("Action Plan Review")
        RESULTS = "results", _("Results Report")

    # Reports whose completion is the mid-term one, and those whose completion is final.
    MID_TERM_KINDS = (Kind.PROGRESS,)
    END_OF_TERM_KINDS = (Kind.END_OF_TERM, Kind.RESULTS)

    action_plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="irm_reports",
                                    verbose_name=_("action plan"))
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300, validators=[validate_text])
    publication_year = models.PositiveSmallIntegerField(_("publication year"), null=True, blank=True,
                                                        validators=[validate_small_integer])
    researcher = models.CharField(_("IRM researcher"), max_length=500, blank=True, validators=[validate_text])
    url = models.URLField(_("link"), max_length=500, blank=True, validators=[validate_link])

    # Kept when the report is deleted: the history of its assessments is read by its title.
    history = HistoricalRecords()

    class Meta:
        ordering = ["action_plan", "publication_year", "kind"]
        verbose_name = _("IRM report")
        verbose_name_plural = _("IRM reports")
        constraints = [
            models.UniqueConstraint(fields=["action_plan", "kind"], name="irm_report_kind_unique_per_plan"),
        ]

    def __str__(self):
        return self.title

    # A report's delete deletes its assessments first (CASCADE), in the same request: within
    # milliseconds of the report's own deletion record. A reviewer deleting one assessment by hand
    # and then the report within this time is not a case a person can make happen.
    DELETED_TOGETHER = datetime.timedelta(seconds=10)

    def restore_assessments_deleted_with_it(self) -> None:
        """Bring back, as they were, the assessments deleted with this report (by its last deletion
        record), once the report itself has been restored: restoring a report deleted by mistake
        from its history brings back the IRM's findings on it, not an empty report. An assessment
        deleted on its own earlier, or whose commitment is gone since, stays deleted."""
        removal = self.history.filter(history_type="-").order_by("-history_date").first()
        if removal is None:
            return
        records = Assessment.history.filter(
            report_id=self.pk, history_type="-",
            history_date__gt=removal.history_date - self.DELETED_TOGETHER,
            history_date__lte=removal.history_date)
        for record in records.order_by("history_date"):
            if Assessment.objects.filter(pk=record.id).exists() or not Commitment.objects.filter(
                    pk=record.commitment_id).exists():
                continue
            record.instance.save(force_insert=True)


class AssessmentQuerySet(models.QuerySet):
    def mid_term(self):
        return self.filter(report__kind__in=IRMReport.MID_TERM_KINDS)

    def end_of_term(self):
        return self.filter(report__kind__in=IRMReport.END_OF_TERM_KINDS)


def _scale_field(verbose_name, scale, **kwargs):
    """A rating on one IRM scale; unrated is ND (no data), never an empty string."""
    return models.CharField(verbose_name, max_length=40, choices=scale.choices, default=scale.ND,
                            **kwargs)


class Assessment(models.Model):
    """One IRM report's findings on one commitment."""

    report = models.ForeignKey(IRMReport, on_delete=models.CASCADE, related_name="assessments",
                               verbose_name=_("IRM report"))
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="assessments",
                                   verbose_name=_("commitment"))
    # Design.
    specificity = _scale_field(_("specificity"), Specificity)
    verifiable = _scale_field(_("verifiable"), YesNo)
    access_to_information = _scale_field(_("relevant to access to information"), YesNo)
    civic_participation = _scale_field(_("relevant to civic participation"), YesNo)
    public_accountability = _scale_field(_("relevant to public accountability"), YesNo)
    technology_innovation = _scale_field(_("relevant to technology and innovation"), YesNo)
    potential_impact = _scale_field(_("potential impact"), PotentialImpact)
    potential_for_results = _scale_field(_("potential for results"), PotentialForResults)
    # Implementation.
    completion = _scale_field(_("completion"), Completion, db_index=True)
    change_in_completion = _scale_field(_("change in completion"), ChangeInCompletion)
    # Results.
    did_it_open_government = _scale_field(_("did it open government? (overall)"), OpenGovernment)
    open_government_access_to_information = _scale_field(
        _("did it open government? access to information"), OpenGovernment)
    open_government_civic_participation = _scale_field(
        _("did it open government? civic participation"), OpenGovernment)
    open_government_public_accountability = _scale_field(
        _("did it open government? public accountability"), OpenGovernment)
    early_results = _scale_field(_("early results"), EarlyResults)
    starred = _scale_field(_("starred"), YesNo)
    # Clusters: the 2020+ model assesses groups of commitments together.
    cluster = models.CharField(_("cluster"), max_length=100, blank=True, validators=[validate_text])
    # The IRM's words: the commitment's aim, completion findings, what opened government,
    # whether it was carried forward.
    summary = models.TextField(_("commitment aim, as the IRM summarises it"), blank=True,
                               validators=[validate_text])
    narrative = models.TextField(_("completion narrative"), blank=True, validators=[validate_text])
    open_government_narrative = models.TextField(_("did it open government? narrative"), blank=True,
                                                 validators=[validate_text])
    carried_forward_narrative = models.TextField(_("carried forward narrative"), blank=True,
                                                 validators=[validate_text])

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commitment", "report__publication_year", "report__kind"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["report", "commitment"],
                                    name="one_assessment_per_commitment_per_report"),
        ]

    def __str__(self):
        return f"{self.commitment.identifier} in {self.report}"

    def get_absolute_url(self):
        return reverse("commitments:commitment-detail", args=[self.commitment.identifier])

    def clean(self):
        super().clean()
        report, commitment = getattr(self, "report", None), getattr(self, "commitment", None)
        if report and commitment and report.action_plan_id != commitment.action_plan_id:
            raise ValidationError(
                {"report": _("The report must be on the commitment's own action plan.")})

    @property
    def is_mid_term(self) -> bool:
        return self.report.kind in IRMReport.MID_TERM_KINDS

    @property
    def is_end_of_term(self) -> bool:
        return self.report.kind in IRMReport.END_OF_TERM_KINDS
