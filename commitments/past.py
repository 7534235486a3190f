"""A commitment as it stood at the end of a past day, read from the history tables (?as_of=).

The commitment's own fields, its milestones and the IRM's assessments come from their
django-simple-history records: the latest record of each row up to the day, rows removed by then
left out. A row with no record at all was never changed since it was loaded (fixtures, bulk
imports and the demo data write no history) and counts as it is now. The IRM's ratings stored on
the commitment are today's, so the day's are computed from the day's assessments by
reviews/ratings.py's rules. Supporting institutions, policy areas and sources have no history:
the page says it shows them as they are today.

A record's history begins on the day of its first history record (the baseline written when it was
loaded, or its first edit), or, with none, on the day it was created here: `make run` loads the
seed and OGP's sample today, so their history begins today. Before that day nothing is shown, as
nothing was recorded: the past is never made up (history_begins, state_as_of).
"""

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from reviews import ratings
from reviews.models import Assessment, IRMReport

from .models import Commitment, Milestone


@dataclass
class Snapshot:
    """What the commitment page shows of a past day: model instances holding that day's values
    (unsaved, never to be saved), so the page's template reads them as it reads today's."""

    day: datetime.date
    commitment: Commitment
    milestones: list[Milestone]
    assessments: list[Assessment]  # with their reports, oldest report first

    @property
    def status(self) -> str:
        return self.commitment.status

    @property
    def status_label(self) -> str:
        return self.commitment.get_status_display()


def _end_of(day: datetime.date) -> datetime.datetime:
    # The day's last instant (not the next day's first, which overflows on 9999-12-31).
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max),
                               timezone.get_default_timezone())


def first_record_at():
    """The annotation commitment_detail_queryset() gives each row (`history_first_at`): when its
    first history record was written, so the page's first day costs no query of its own."""
    return Subquery(Commitment.history.filter(id=OuterRef("pk")).order_by("history_date")
                    .values("history_date")[:1])


def history_begins(commitment) -> datetime.date:
    """The first day the record holds, in the site's time zone (that of _end_of): state_as_of gives
    every day from it to today, and None before it. Reads the row's `history_first_at`
    annotation, else the history table."""
    if hasattr(commitment, "history_first_at"):
        first = commitment.history_first_at
    else:
        first = commitment.history.order_by("history_date").values_list("history_date", flat=True).first()
    return timezone.localdate(first or commitment.created_at, timezone.get_default_timezone())


def _instance(model, record):
    """A model instance with the values of a historical record (its own id as pk, as ratings expect)."""
    return model(**{field.attname: getattr(record, field.attname) for field in record.tracked_fields})


def _rows_then(model, commitment_id, current_rows, end) -> list:
    """The commitment's rows of a model (milestones, assessments) as they stood at `end`.

    The whole history of the commitment's rows is read in one query (the timeline reads it too):
    a few records per row.
    """
    latest, tracked = {}, set()
    for record in model.history.filter(commitment_id=commitment_id).order_by("history_date", "history_id"):
        tracked.add(record.id)
        if record.history_date <= end:
            latest[record.id] = record
    rows = [_instance(model, record) for record in latest.values() if record.history_type != "-"]
    return rows + [row for row in current_rows if row.pk not in tracked]


def _reports_key(assessment):
    # As commitment_detail_queryset() orders today's: by the report's year (none first), then id.
    year = assessment.report.publication_year
    return (year is not None, year or 0, assessment.pk)


def state_as_of(commitment, day: datetime.date) -> Snapshot | None:
    """The commitment (a commitment_detail_queryset() row) at the end of the day, or None when
    it was not yet recorded then (a day before history_begins)."""
    if day < history_begins(commitment):
        return None
    end = _end_of(day)
    record = (commitment.history.filter(history_date__lte=end).select_related("lead_institution")
              .order_by("-history_date", "-history_id").first())
    if record is None:
        # Never changed since it was loaded: what it is now is what it was then.
        then = Commitment(**{field.attname: getattr(commitment, field.attname)
                             for field in Commitment._meta.concrete_fields
                             if field.attname not in commitment.get_deferred_fields()})
        then.lead_institution = commitment.lead_institution
    else:
        then = _instance(Commitment, record)
        # A deleted institution reads as none (the record's id points nowhere).
        then.lead_institution = record.lead_institution
    # The page is the one at today's address, whatever identifier the record held.
    then.pk, then.identifier = commitment.pk, commitment.identifier
    # The plan shown is today's: a commitment moved between plans keeps its page under its member now.
    then.action_plan = commitment.action_plan
    # Relations without history are today's (the page says so); the prefetched lists are reused.
    then._prefetched_objects_cache = {
        name: rows for name, rows in getattr(commitment, "_prefetched_objects_cache", {}).items()
        if name in ("supporting_institutions", "policy_areas", "sources")}

    milestones = _rows_then(Milestone, commitment.pk, commitment.milestones.all(), end)
    milestones.sort(key=lambda milestone: (milestone.order, milestone.pk))
    # Today's reports: their kind and year decide which assessment each rating is read from. An
    # assessment whose report is gone now cannot be placed by the rules and is left out.
    rows = _rows_then(Assessment, commitment.pk, commitment.assessments.all(), end)
    reports = {report.pk: report for report in commitment.action_plan.irm_reports.all()}
    reports.update({a.report_id: a.report for a in commitment.assessments.all()})
    missing = {a.report_id for a in rows} - reports.keys()
    if missing:  # an assessment deleted since, of another plan's report
        reports.update(IRMReport.objects.in_bulk(missing))
    assessments = []
    for assessment in rows:
        if assessment.report_id in reports:
            assessment.report = reports[assessment.report_id]
            assessments.append(assessment)
    assessments.sort(key=_reports_key)
    for name, rule in ratings.RULES.items():
        setattr(then, name, ratings.value(rule, assessments))
    return Snapshot(day, then, milestones, assessments)


def until(entries, day: datetime.date) -> list:
    """The timeline's entries (history.timeline()) made by the end of the day."""
    end = _end_of(day)
    return [entry for entry in entries if entry.when <= end]
