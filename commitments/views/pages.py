"""Public pages: the home page, a commitment, the members and their action plans."""

from html import escape  # Django's escape without its lazy-string wrapper: a thousand lines add up
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db.models import Count, Min, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from commitments.models import ActionPlan, Commitment, Member, PolicyArea
from commitments.views import rows, staff
from reviews.models import Assessment, IRMReport
from reviews.scales import MISSING_CODES
from reviews.summaries import summaries_by_action_plan

RECENTLY_UPDATED_COUNT = 10

# Every page that lists commitments shows their first policy area, as OGP's pages do.
POLICY_AREAS_BY_NAME = Prefetch("policy_areas", queryset=PolicyArea.objects.order_by("name"))
# A commitment's first policy area by name, as OGP's lists show it: one GROUP BY over the rows
# (a subquery per row cost a millisecond more for a member's 300 commitments).
FIRST_POLICY_AREA = Min("policy_areas__name")


def home(request):
    members = members_with_counts()
    context = {
        "totals": {
            "members": len(members),
            "action_plans": sum(member.action_plan_count for member in members),
            "commitments": sum(member.commitment_count for member in members),
            # On the starred index: an aggregate beside the total would read every row.
            "starred": Commitment.objects.filter(starred=True).count(),
        },
        "members": members,
        "member_links": rows.member_links(members),
        "recently_updated": (Commitment.objects.select_related("action_plan__member")
                             .only("identifier", "title", "updated_at", "action_plan__member__name",
                                   "action_plan__member__slug")
                             .order_by("-updated_at", "identifier")[:RECENTLY_UPDATED_COUNT]),
    }
    return render(request, "commitments/home.html", context)


def members_with_counts() -> list:
    """Every member with action_plan_count and commitment_count.

    Commitments are counted per plan and added up per member: COUNT(*) grouped by plan reads only
    the plan index (11 ms at 100,000 commitments), where COUNT(DISTINCT) over the join of members,
    plans and commitments read every row (120 ms).
    """
    commitments_per_plan = dict(Commitment.objects.order_by().values_list("action_plan")
                                .annotate(n=Count("*")))
    members = list(Member.objects.order_by("name"))
    for member in members:
        member.action_plan_count = member.commitment_count = 0
    by_id = {member.pk: member for member in members}
    for plan_id, member_id in ActionPlan.objects.order_by().values_list("pk", "member_id"):
        member = by_id[member_id]
        member.action_plan_count += 1
        member.commitment_count += commitments_per_plan.get(plan_id, 0)
    return members


def member_list(request):
    members = members_with_counts()
    return render(request, "commitments/member_list.html",
                  {"members": members, "member_rows": rows.member_rows(members)})


def member_detail(request, slug):
    member = get_object_or_404(Member, slug=slug)
    plans = list(member.action_plans.order_by("-submission_year", "-number"))
    summaries = summaries_by_action_plan(plans)
    table_rows = commitment_rows_by_plan(plans)
    context = {
        "member": member,
        "plans": [(plan, summaries[plan.pk], table_rows[plan.pk]) for plan in plans],
        "commitment_count": sum(summary.commitments for summary in summaries.values()),
    }
    return render(request, "commitments/member_detail.html", context)


def action_plan_detail(request, slug, ogp_id):
    plan = get_object_or_404(
        ActionPlan.objects.select_related("member").prefetch_related("irm_reports"),
        member__slug=slug, ogp_id=ogp_id,
    )
    context = {
        "member": plan.member,
        "plan": plan,
        "summary": summaries_by_action_plan([plan])[plan.pk],
        "table_rows": commitment_rows_by_plan([plan])[plan.pk],
    }
    return render(request, "commitments/action_plan_detail.html", context)


def commitment_rows_by_plan(plans) -> dict:
    """Each plan's commitment table rows (<tr>s, see rows.py) by plan id, in one query.

    Each commitment with its IRM completion and its first policy area (by name, as OGP's pages
    show it), read as plain values: a large member has hundreds of commitments.
    """
    values = (Commitment.objects.filter(action_plan__in=[plan.pk for plan in plans]).with_irm_summary()
              .annotate(first_area=FIRST_POLICY_AREA)
              .order_by("action_plan_id", "identifier")
              .values("action_plan_id", "first_area", *rows.PLAN_COLUMNS))
    by_plan = {plan.pk: "" for plan in plans}
    for plan_id, plan_values in groupby(values, key=itemgetter("action_plan_id")):
        by_plan[plan_id] = rows.plan_rows(plan_values)
    return by_plan


def commitment_detail(request, identifier):
    commitment = commitment_detail_queryset().filter(identifier=identifier).first()
    if commitment is None:
        # Identifiers are upper case (CL0050); a hand-typed cl0050 is sent to the canonical URL.
        canonical = (Commitment.objects.filter(identifier__iexact=identifier)
                     .values_list("identifier", flat=True).first())
        if canonical is None:
            raise Http404("No commitment has this identifier.")
        return redirect("commitments:commitment-detail", identifier=canonical, permanent=True)
    # Staff tools, history, as_of and progress come from commitments/views/staff.py.
    context = commitment_detail_context(commitment) | staff.commitment_page_extras(request, commitment)
    return render(request, "commitments/commitment_detail.html", context,
                  status=400 if context["as_of_error"] else 200)


def commitment_detail_queryset():
    """The commitment page's queryset: each related list in one query, whatever its length.

    The page shows neither the search text nor the export's unmodelled columns: not read.
    """
    return Commitment.objects.defer("search_text", "ogp_extra").select_related(
        "action_plan__member", "lead_institution").prefetch_related(
        "supporting_institutions",
        POLICY_AREAS_BY_NAME,
        "milestones",
        "sources",
        Prefetch("assessments", queryset=Assessment.objects.select_related("report")
                 .order_by("report__publication_year", "pk")),
        Prefetch("action_plan__irm_reports", queryset=IRMReport.objects.order_by("publication_year", "kind")),
    )


def commitment_detail_context(commitment) -> dict:
    """Everything the commitment page shows; other views (history, staff tools) extend this dict."""
    assessments = list(commitment.assessments.all())
    mid_term = [a for a in assessments if a.report.kind in IRMReport.MID_TERM_KINDS]
    end_of_term = [a for a in assessments if a.report.kind in IRMReport.END_OF_TERM_KINDS]
    design = assessments[0] if assessments else None
    reports = list(commitment.action_plan.irm_reports.all())
    latest_first = assessments[::-1]
    return {
        "commitment": commitment,
        "member": commitment.action_plan.member,
        "plan": commitment.action_plan,
        "reports": reports,
        "researchers": sorted({report.researcher for report in reports if report.researcher}),
        # The IRM's narratives cite sources as "[110]": those numbers become links to the list.
        "footnotes": [source.footnote for source in commitment.sources.all()],
        "assessments": assessments,
        # The latest report of each stage holds the IRM's reading of that stage; the earliest
        # report holds the design reading (later reports restate it).
        "mid_term": mid_term[-1] if mid_term else None,
        "end_of_term": end_of_term[-1] if end_of_term else None,
        "design": design,
        "uses_potential_for_results": uses_potential_for_results(design),
        "early_results": early_results(end_of_term[-1] if end_of_term else None),
        # The IRM's latest words on the commitment's aim and on whether it was carried forward.
        "irm_summary": next((a.summary for a in latest_first if a.summary), ""),
        "carried_forward_narrative": next(
            (a.carried_forward_narrative for a in latest_first if a.carried_forward_narrative), ""),
        "other_commitments_by_plan": other_commitments_by_plan(commitment),
    }


def uses_potential_for_results(design) -> bool:
    """The IRM rates potential for results from 2020 (action plan reviews), potential impact before."""
    if design is None:
        return False
    return (design.report.kind in (IRMReport.Kind.ACTION_PLAN_REVIEW, IRMReport.Kind.RESULTS)
            or design.potential_for_results not in MISSING_CODES)


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


def other_commitments_by_plan(commitment):
    """The member's commitments (this one included, as OGP lists it) grouped by action plan, latest
    plan first: (plan title, the plan's <li>s).

    A large member has a thousand commitments: plain rows (first policy area by GROUP BY, URLs
    from the table rows' parts, the plan's title and year from the same query) instead of model
    instances, prefetches and a reverse() per line.
    """
    rows = (Commitment.objects.filter(action_plan__member_id=commitment.action_plan.member_id)
            .annotate(first_area=FIRST_POLICY_AREA)
            .order_by("-action_plan__submission_year", "-action_plan__number", "identifier")
            .values_list("action_plan_id", "action_plan__title", "action_plan__submission_year",
                         "pk", "identifier", "title", "starred", "first_area"))
    return [(plan_title, other_commitment_items(
                cycle, commitment.pk,
                [OtherCommitment(pk, identifier, title, starred, area)
                 for *_plan, pk, identifier, title, starred, area in items]))
            for (_plan_id, plan_title, cycle), items in groupby(rows, key=itemgetter(0, 1, 2))]


def other_commitment_items(cycle, current_pk, others) -> str:
    """The <li>s of one plan's commitments, built here: a template loop over a thousand lines
    costs more than all of the page's queries."""
    starred = format_html('<span class="star">{}</span> ', _("Starred commitment"))
    this_one = format_html('<span class="muted">{}</span>', _("(this commitment)"))
    cycle = escape(str(cycle))  # OGP names a plan's cycle by its year of submission (ActionPlan.cycle)
    parts = rows.RowParts.current()
    lines = []
    for other in others:
        # escape() on each value, not format_html() per line: a thousand lines add up.
        if other.pk == current_pk:
            name = f'<span aria-current="page">{escape(other.title)}</span> {this_one}'
        else:
            name = f'<a href="{parts.url(other.identifier)}">{escape(other.title)}</a>'
        area = f", {escape(other.area)}" if other.area else ""
        lines.append(f'<li>{starred if other.starred else ""}{name}\n        '
                     f'<span class="muted">{escape(other.identifier)}, {cycle}{area}</span></li>')
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped
