"""The staff dashboard's data (/staff/): what is late, due, quiet or ending for each member a user
serves, and what awaits an IRM reviewer.

Every list is read as its first LIST_LIMIT rows in one query and counted in a second only when it
is longer, so the page costs the same few queries per member however many rows there are. The
overdue and due-soon rules are the milestones' own queryset methods (commitments/models.py); this
module only picks the member and the order.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from reviews.models import IRMReport

from . import history, permissions
from .models import ActionPlan, Commitment, Member, Milestone

LIST_LIMIT = 25
DUE_WITHIN_DAYS = 60
# "Six months": OGP asks members to update their repository of evidence at least twice a year.
QUIET_AFTER_DAYS = 183
PLAN_ENDING_DAYS = 183
RECENT_LIMIT = 10


@dataclass
class Listed:
    """The first rows of a list and how many there are in all."""

    rows: list
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def listed(queryset, limit: int = LIST_LIMIT) -> Listed:
    rows = list(queryset[:limit])
    return Listed(rows, len(rows) if len(rows) < limit else queryset.count())


def listed_rows(rows: list, limit: int = LIST_LIMIT) -> Listed:
    return Listed(rows[:limit], len(rows))


@dataclass
class PlanEnd:
    plan: ActionPlan
    ends_on: datetime.date


@dataclass
class MemberDesk:
    member: Member
    overdue: Listed
    due_soon: Listed
    quiet: Listed
    plans_ending: Listed
    recent: list = field(default_factory=list)


@dataclass
class ReviewerDesk:
    plans_awaiting_report: Listed
    reports_awaiting_assessments: Listed


def plan_end_date(plan) -> datetime.date:
    """When a plan ends: its commitments' latest end date, else the last day of its end year
    (OGP's plans carry only an end year; most commitments carry an end date within it).
    Reads plan.latest_end_date, annotated by plans_with_end()."""
    latest = getattr(plan, "latest_end_date", None)
    return latest or datetime.date(plan.end_year, 12, 31)


def plans_with_end(queryset):
    return queryset.annotate(latest_end_date=Max("commitments__end_date"))


def served_members(user, slug: str = "") -> tuple[list[Member], list[Member]]:
    """(the members shown, the members the user may choose from).

    Secretariat staff see every member they serve. A superuser serves every member, too many for
    one page, so sees the one chosen (?member=slug), or none and the list to choose from.
    """
    if permissions.is_superuser(user):
        choices = list(Member.objects.order_by("name"))
        return [m for m in choices if m.slug == slug], choices
    mine = list(Member.objects.filter(pk__in=permissions.member_ids(user)).order_by("name"))
    chosen = [m for m in mine if m.slug == slug]
    return chosen or mine, mine


def _milestones(member):
    return (Milestone.objects.filter(commitment__action_plan__member=member)
            .select_related("commitment")
            .only("order", "text", "end_date", "status", "commitment__identifier", "commitment__title",
                  "commitment__action_plan_id"))


def member_desk(member, today: datetime.date) -> MemberDesk:
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=QUIET_AFTER_DAYS),
                                                          datetime.time.min))
    quiet = (Commitment.objects.for_member(member).active()
             .filter(action_plan__end_year__gte=today.year, updated_at__lt=since)
             .only("identifier", "title", "updated_at", "action_plan_id")
             .order_by("updated_at", "identifier"))
    horizon = today + datetime.timedelta(days=PLAN_ENDING_DAYS)
    # A member has a handful of plans: read those not ended by their year, and date them in Python.
    plans = plans_with_end(ActionPlan.objects.filter(member=member, end_year__gte=today.year))
    ending = sorted((PlanEnd(plan, plan_end_date(plan)) for plan in plans), key=lambda p: p.ends_on)
    return MemberDesk(
        member=member,
        overdue=listed(_milestones(member).overdue(today).order_by("end_date", "commitment__identifier",
                                                                   "order")),
        due_soon=listed(_milestones(member).due_within(today, DUE_WITHIN_DAYS)
                        .order_by("end_date", "commitment__identifier", "order")),
        quiet=listed(quiet),
        plans_ending=listed_rows([p for p in ending if today <= p.ends_on <= horizon]),
        recent=history.recent(member=member, limit=RECENT_LIMIT),
    )


def reviewer_desk(today: datetime.date) -> ReviewerDesk:
    """The IRM's work waiting: ended plans without their final report (end of term, or results),
    and reports that assess no commitment yet."""
    ended = plans_with_end(ActionPlan.objects.filter(end_year__lte=today.year)
                           .exclude(irm_reports__kind__in=IRMReport.END_OF_TERM_KINDS)
                           .select_related("member"))
    awaiting = sorted((PlanEnd(plan, plan_end_date(plan)) for plan in ended), key=lambda p: p.ends_on)
    reports = (IRMReport.objects.filter(assessments__isnull=True).select_related("action_plan__member")
               .order_by("action_plan__member__name", "publication_year", "kind"))
    return ReviewerDesk(
        plans_awaiting_report=listed_rows([p for p in awaiting if p.ends_on < today]),
        reports_awaiting_assessments=listed(reports),
    )
