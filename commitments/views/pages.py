"""Public pages: the home page, a commitment, the members and their action plans."""

import datetime
import re

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.summaries import summaries_by_action_plan

from .. import permissions, queries
from ..models import ActionPlan, Commitment, Member

AS_OF_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def home(request):
    members = queries.members_with_counts()
    return render(request, "commitments/home.html", {
        "totals": queries.home_totals(members),
        "members": members,
        "recently_updated": queries.recently_updated(),
    })


def member_list(request):
    return render(request, "commitments/member_list.html", {"members": queries.members_with_counts()})


def member_detail(request, slug):
    member = get_object_or_404(Member, slug=slug)
    plans = list(member.action_plans.order_by("-submission_year", "-number"))
    summaries = summaries_by_action_plan(plans)
    table_rows = queries.commitment_rows_by_plan(plans)
    return render(request, "commitments/member_detail.html", {
        "member": member,
        "plans": [(plan, summaries[plan.pk], table_rows[plan.pk]) for plan in plans],
        "commitment_count": sum(summary.commitments for summary in summaries.values()),
    })


def action_plan_detail(request, slug, ogp_id):
    plan = get_object_or_404(
        ActionPlan.objects.select_related("member").prefetch_related("irm_reports"),
        member__slug=slug, ogp_id=ogp_id,
    )
    return render(request, "commitments/action_plan_detail.html", {
        "member": plan.member,
        "plan": plan,
        "summary": summaries_by_action_plan([plan])[plan.pk],
        "table_rows": queries.commitment_rows_by_plan([plan])[plan.pk],
    })


def commitment_detail(request, identifier):
    commitment = queries.commitment_detail_queryset().filter(identifier=identifier).first()
    if commitment is None:
        # Identifiers are upper case (CL0050); a hand-typed cl0050 is sent to the canonical URL.
        canonical = (Commitment.objects.filter(identifier__iexact=identifier)
                     .values_list("identifier", flat=True).first())
        if canonical is None:
            raise Http404("No commitment has this identifier.")
        return redirect("commitments:commitment-detail", identifier=canonical, permanent=True)
    day, as_of_error = parse_as_of(request.GET.get("as_of"))
    context = queries.commitment_detail_context(commitment, as_of=day) | {
        "as_of_error": as_of_error,
        "can_edit": permissions.can_edit_commitment(request.user, commitment),
        "edit_url": reverse("commitments:commitment-edit", args=[commitment.identifier]),
        "feed_url": reverse("commitments:commitment-feed", args=[commitment.identifier]),
    }
    return render(request, "commitments/commitment_detail.html", context, status=400 if as_of_error else 200)


def parse_as_of(value: str | None) -> tuple[datetime.date | None, str | None]:
    """(day, error message) from ?as_of=YYYY-MM-DD; both None when absent.

    A day after today (in the site's time zone) is refused: the record cannot say how it will stand.
    """
    if not value:
        return None, None
    try:
        if not AS_OF_PATTERN.fullmatch(value):
            raise ValueError
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None, _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2018-06-30.") % {
            "value": value[:40]}
    today = timezone.localdate()
    if day > today:
        return None, _("%(day)s is after today: choose a day up to %(today)s.") % {
            "day": date_format(day, "DATE_FORMAT"), "today": date_format(today, "DATE_FORMAT")}
    return day, None
