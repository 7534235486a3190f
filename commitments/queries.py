"""The read side of the public pages: what the home, member, plan and commitment pages show.

Each function reads what one page (or part of one) needs in a fixed number of queries, whatever
the number of plans, commitments or history records; the views only pick and render.
"""

import datetime
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Aggregate, Count, Exists, Min, OuterRef, Prefetch, Subquery, TextField, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from reviews import ratings
from reviews.models import Assessment, IRMReport
from reviews.scales import MISSING_CODES

from . import history, past, progress, search
from .models import LINEAGE_LIMIT, ActionPlan, Commitment, Member, Milestone, PolicyArea

RECENTLY_UPDATED_COUNT = 10

# Every page that lists commitments shows their first policy area, as OGP's pages do.
POLICY_AREAS_BY_NAME = Prefetch("policy_areas", queryset=PolicyArea.objects.order_by("name"))
# A commitment's first policy area by name, as OGP's lists show it: one GROUP BY over the rows, not
# a subquery per row (bench cases "member page", "detail"; docs/decisions.md).
FIRST_POLICY_AREA = Min("policy_areas__name")

# The list page's columns (read as plain values for commitments/_list_table.html's rows).
LIST_COLUMNS = ("identifier", "title", "starred", "status", "action_plan__member__name",
                "action_plan__title", "action_plan__submission_year", "action_plan__end_year",
                "lead_institution__name", "mid_term_completion", "end_of_term_completion")
# A plan's table (_commitment_table.html): these columns, and the first policy area by name.
PLAN_COLUMNS = ("identifier", "title", "starred", "mid_term_completion", "end_of_term_completion")


def members_with_counts() -> list:
    """Every member with action_plan_count, commitment_count, and its region's and kind's labels.

    Commitments are counted per plan and added up per member: COUNT(*) grouped by plan reads only
    the plan index, not every row of three joined tables (bench cases "member list", "home";
    docs/decisions.md).
    """
    commitments_per_plan = dict(Commitment.objects.order_by().values_list("action_plan")
                                .annotate(n=Count("*")))
    members = list(Member.objects.order_by("name"))
    # Labels looked up once: get_region_display() builds the choices anew on every call (bench
    # case "member list"; docs/decisions.md).
    regions, kinds = dict(Member.Region.choices), dict(Member.Kind.choices)
    for member in members:
        member.action_plan_count = member.commitment_count = 0
        member.region_label = regions.get(member.region, member.region)
        member.kind_label = kinds.get(member.kind, member.kind)
    by_id = {member.pk: member for member in members}
    for plan_id, member_id in ActionPlan.objects.order_by().values_list("pk", "member_id"):
        member = by_id[member_id]
        member.action_plan_count += 1
        member.commitment_count += commitments_per_plan.get(plan_id, 0)
    return members


def home_totals(members) -> dict:
    return {
        "members": len(members),
        "action_plans": sum(member.action_plan_count for member in members),
        "commitments": sum(member.commitment_count for member in members),
        # On the starred index: an aggregate beside the total would read every row.
        "starred": Commitment.objects.filter(starred=True).count(),
    }


def recently_updated():
    return (Commitment.objects.select_related("action_plan__member")
            .only("identifier", "title", "updated_at", "action_plan__member__name",
                  "action_plan__member__slug")
            .order_by("-updated_at", "identifier")[:RECENTLY_UPDATED_COUNT])


def commitment_rows_by_plan(plans, today: datetime.date | None = None) -> dict:
    """Each plan's commitment table rows (dicts of PLAN_COLUMNS, first_area and overdue) by plan id,
    in one query.

    Each commitment with its IRM completion, its first policy area (by name, as OGP's pages
    show it) and whether a milestone is overdue on `today` (an indexed EXISTS per row), read as
    plain values: a large member has hundreds of commitments.
    """
    overdue = Milestone.objects.overdue(today or timezone.localdate()).filter(commitment=OuterRef("pk"))
    values = (Commitment.objects.filter(action_plan__in=[plan.pk for plan in plans])
              .annotate(first_area=FIRST_POLICY_AREA, overdue=Exists(overdue))
              .order_by("action_plan_id", "identifier")
              .values("action_plan_id", "first_area", "overdue", *PLAN_COLUMNS))
    by_plan = {plan.pk: [] for plan in plans}
    for plan_id, plan_values in groupby(values, key=itemgetter("action_plan_id")):
        by_plan[plan_id] = list(plan_values)
    return by_plan


def commitment_detail_queryset(today: datetime.date | None = None):
    """The commitment page's queryset: each related list in one query, whatever its length; each
    milestone flagged `overdue` on `today` (the site's today by default).

    The page shows neither the search text nor the export's unmodelled columns: not read.
    """
    today = today or timezone.localdate()
    return Commitment.objects.defer("search_text", "ogp_extra").annotate(
        history_first_at=past.first_record_at()).select_related(
        "action_plan__member", "lead_institution").prefetch_related(
        "supporting_institutions",
        POLICY_AREAS_BY_NAME,
        Prefetch("milestones", queryset=Milestone.objects.with_overdue(today)),
        "sources",
        Prefetch("assessments", queryset=Assessment.objects.select_related("report")
                 .order_by("report__publication_year", "pk")),
        Prefetch("action_plan__irm_reports", queryset=IRMReport.objects.order_by("publication_year", "kind")),
    )


def commitment_detail_context(commitment, as_of: datetime.date | None = None) -> dict:
    """Everything the commitment page shows (of a commitment_detail_queryset() row): as it is now,
    or, given `as_of`, as it stood at the end of that day (past.py), with the timeline up to then.

    A fixed number of queries: the prefetches, the member's other commitments, three history
    tables and the authors' memberships, and for as_of three more (past.state_as_of).
    """
    snapshot = past.state_as_of(commitment, as_of) if as_of else None
    # The days the record holds, which the page and the API name and the date control offers.
    days = {"history_begins": past.history_begins(commitment), "today": timezone.localdate()}
    if as_of and snapshot is None:
        # Not yet recorded that day: nothing of the page is shown rather than a made-up state.
        return {"commitment": commitment, "member": commitment.action_plan.member,
                "plan": commitment.action_plan, "as_of": as_of, "as_of_missing": True, **days}
    if snapshot:
        shown, milestones, assessments = snapshot.commitment, snapshot.milestones, snapshot.assessments
        # The plan's reports have no date of their own here: those that had assessed it by then.
        reports = list({a.report_id: a.report for a in assessments}.values())
        timeline = past.until(history.timeline(commitment), as_of)
    else:
        shown, milestones = commitment, list(commitment.milestones.all())
        assessments = list(commitment.assessments.all())
        reports = list(commitment.action_plan.irm_reports.all())
        timeline, reschedules = history.timeline_and_reschedules(commitment)
    if snapshot:
        reschedules = {}  # a past day's page shows the moves up to then in its timeline only
    for milestone in milestones:
        milestone.reschedule_count = reschedules.get(milestone.pk, 0)
    mid_term = ratings.latest_assessment(assessments, ratings.MID_TERM)
    end_of_term = ratings.latest_assessment(assessments, ratings.END_OF_TERM)
    # The design reading: the same rule as the stored ratings, the list and the API (reviews/ratings.py).
    design, design_values = ratings.design_assessment(assessments), ratings.design_values(assessments)
    latest_first = assessments[::-1]
    return {
        "commitment": shown,
        "member": commitment.action_plan.member,
        "plan": commitment.action_plan,
        "milestones": milestones,
        "reports": reports,
        "researchers": sorted({report.researcher for report in reports if report.researcher}),
        # The IRM's narratives cite sources as "[110]": those numbers become links to the list.
        "footnotes": [source.footnote for source in commitment.sources.all()],
        "assessments": assessments,
        "mid_term": mid_term,
        "end_of_term": end_of_term,
        "design": design,
        "design_values": design_values,
        "uses_potential_for_results": uses_potential_for_results(design, design_values),
        "early_results": early_results(end_of_term),
        # The IRM's latest words on the commitment's aim and on whether it was carried forward.
        "irm_summary": next((a.summary for a in latest_first if a.summary), ""),
        "carried_forward_narrative": next(
            (a.carried_forward_narrative for a in latest_first if a.carried_forward_narrative), ""),
        "other_commitments_by_plan": other_commitments_by_plan(commitment),
        "lineage": lineage(commitment),
        "timeline": timeline,
        "as_of": as_of,
        "as_of_missing": False,
        **days,
        # The stored ratings on a past day's commitment are computed from that day's assessments.
        "progress": progress.for_commitment(shown, milestones),
        "progress_rule": progress.RULE,
    }


class LineageStep(NamedTuple):
    identifier: str
    title: str
    url: str  # "" when the identifier cannot be a URL


class Lineage(NamedTuple):
    """A commitment's place in its chain across plans, each side as far as LINEAGE_LIMIT steps."""

    continues: list  # LineageStep of its predecessors, the nearest first
    continued_in: list  # LineageStep of the commitments that carry it on, the nearest first


def _lineage_side(commitment, direction) -> list:
    """The commitments reached from this one, nearest first: its predecessors
    (direction "continues") or those carrying it on ("continued_in"), level by level.

    One indexed query per step of the chain, at most LINEAGE_LIMIT (OGP's plans run two to four
    years: a chain longer than that predates OGP). Each commitment shown once, even if the data hold
    a cycle (a bulk write does not pass the admin's check).
    """
    ordered, level, seen = [], {commitment.pk}, {commitment.pk}
    for _step in range(LINEAGE_LIMIT):
        if direction == "continues":
            rows = Commitment.objects.filter(continued_in__in=level)
        else:
            rows = Commitment.objects.filter(continues__in=level)
        found = [(pk, identifier, title) for pk, identifier, title
                 in rows.order_by("identifier").distinct().values_list("pk", "identifier", "title")
                 if pk not in seen]
        if not found:
            break
        level = {pk for pk, _identifier, _title in found}
        seen |= level
        ordered += [LineageStep(identifier, title, _page(identifier)) for _pk, identifier, title in found]
    return ordered


def _page(identifier) -> str:
    """The commitment page's URL, or "" for an identifier stored before they were validated
    (`UA 0001` cannot be reversed): shown unlinked rather than breaking the page."""
    try:
        return reverse("commitments:commitment-detail", args=[identifier])
    except NoReverseMatch:
        return ""


def lineage(commitment) -> Lineage:
    """Both directions of the commitment's lineage: one query for a commitment without one."""
    return Lineage(continues=_lineage_side(commitment, "continues") if commitment.continues_id else [],
                   continued_in=_lineage_side(commitment, "continued_in"))


def uses_potential_for_results(design, design_values) -> bool:
    """The IRM rates potential for results from 2020 (action plan reviews), potential impact before."""
    if design is None:
        return False
    return (design.report.kind in (IRMReport.Kind.ACTION_PLAN_REVIEW, IRMReport.Kind.RESULTS)
            or (design_values.get("potential_for_results") or "ND") not in MISSING_CODES)


def early_results(assessment):
    """(value, scale name) of the early results: the results report's own rating from 2020, else, as
    OGP's pages do, the end-of-term "did it open government?" overall."""
    if assessment is None:
        return None
    if assessment.early_results not in MISSING_CODES:
        return assessment.early_results, "EarlyResults"
    return assessment.did_it_open_government, "OpenGovernment"


class OtherCommitment(NamedTuple):
    """One line of the member's commitments on a commitment page."""

    pk: int
    identifier: str
    title: str
    starred: bool
    area: str | None  # the first policy area's name


class PlanCommitments(NamedTuple):
    title: str
    cycle: int  # OGP names a plan's cycle by its year of submission (ActionPlan.cycle)
    commitments: list[OtherCommitment]


def other_commitments_by_plan(commitment) -> list[PlanCommitments]:
    """The member's commitments (this one included, as OGP lists it) grouped by action plan, latest
    plan first.

    A large member has a thousand commitments: plain rows (first policy area by GROUP BY, the
    plan's title and year from the same query) instead of model instances and prefetches.
    """
    rows = (Commitment.objects.filter(action_plan__member_id=commitment.action_plan.member_id)
            .annotate(first_area=FIRST_POLICY_AREA)
            .order_by("-action_plan__submission_year", "-action_plan__number", "identifier")
            .values_list("action_plan_id", "action_plan__title", "action_plan__submission_year",
                         "pk", "identifier", "title", "starred", "first_area"))
    return [PlanCommitments(plan_title, cycle, [OtherCommitment(pk, identifier, title, starred, area)
                                                for *_plan, pk, identifier, title, starred, area in items])
            for (_plan_id, plan_title, cycle), items in groupby(rows, key=itemgetter(0, 1, 2))]


# The list's snippets (search.snippet): the texts no column of the row holds -----------------------

class _GroupConcat(Aggregate):
    """SQLite's group_concat(text, separator)."""

    function = "GROUP_CONCAT"
    output_field = TextField()


def snippet_values() -> dict:
    """The row values besides search.SNIPPET_COLUMNS a snippet reads, as expressions for values():
    the supporting institutions' names, by name, one subquery per row of the page."""
    links = Commitment.supporting_institutions.through.objects.filter(commitment_id=OuterRef("pk"))
    if connection.vendor == "postgresql":
        names = StringAgg("institution__name", search.NAME_SEPARATOR, order_by="institution__name")
    else:
        names = _GroupConcat("institution__name", Value(search.NAME_SEPARATOR))
    per_commitment = links.values("commitment_id").annotate(names=names).values("names")
    return {search.SUPPORTING: Subquery(per_commitment[:1])}
