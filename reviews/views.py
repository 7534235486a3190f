"""Report pages for reviewers: the IRM summary of a member or an action plan, as a page and as XLSX."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from commitments.models import ActionPlan, Member

from .reports import key_figures, plan_columns, plan_rows, report_sections, report_workbook
from .summaries import combine, summaries_by_action_plan

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def member_scope(slug):
    member = get_object_or_404(Member, slug=slug)
    plans = list(member.action_plans.order_by("-submission_year", "-number"))
    summaries = summaries_by_action_plan(plans)
    return {
        "member": member,
        "plan": None,
        "title": _("IRM report: %(member)s") % {"member": member.name},
        "summary": combine(summaries.values()),
        "plans": plans,
        "by_plan": plan_rows(plans, summaries),
        "xlsx_name": f"{member.slug}-irm-report.xlsx",
    }


def action_plan_scope(slug, ogp_id):
    plan = get_object_or_404(ActionPlan.objects.select_related("member"), member__slug=slug, ogp_id=ogp_id)
    return {
        "member": plan.member,
        "plan": plan,
        "title": _("IRM report: %(plan)s") % {"plan": plan.title},
        "summary": summaries_by_action_plan([plan])[plan.pk],
        "plans": [plan],
        "by_plan": None,
        "xlsx_name": f"{plan.member.slug}-{plan.ogp_id}-irm-report.xlsx".lower(),
    }


def render_report(request, scope):
    summary = scope["summary"]
    context = scope | {"key_figures": key_figures(summary), "sections": report_sections(summary),
                       "plan_columns": plan_columns()}
    return render(request, "reviews/report.html", context)


def render_xlsx(scope):
    workbook = report_workbook(title=scope["title"], summary=scope["summary"], by_plan=scope["by_plan"])
    response = HttpResponse(workbook, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{get_valid_filename(scope["xlsx_name"])}"'
    return response


def member_report(request, slug):
    return render_report(request, member_scope(slug))


def action_plan_report(request, slug, ogp_id):
    return render_report(request, action_plan_scope(slug, ogp_id))


def member_report_xlsx(request, slug):
    return render_xlsx(member_scope(slug))


def action_plan_report_xlsx(request, slug, ogp_id):
    return render_xlsx(action_plan_scope(slug, ogp_id))
