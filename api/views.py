"""The API's read views: thin, over commitments/queries.py, filters.py, facets.py and history.py.

Each view checks its query string (api/params.py: an unknown parameter or value is a 400 naming
it), reads through the functions the pages use, and lets api/read.py build the values. ETag and
304 come from api/urls.py (Django's conditional GET on every view); Last-Modified is set here
where the data has a date.
"""

from functools import wraps

from django.db.models import Count
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import docs, pagination, params, read, serializers
from api.errors import NotRecorded
from api.pagination import paginate, walks
from api.writes import CommitmentWrites
from commitments import facets, history, queries
from commitments.filters import CommitmentFilter
from commitments.freshness import versions
from commitments.models import ActionPlan, Commitment, Member
from commitments.views.pages import parse_as_of
from reviews.models import IRMReport
from reviews.summaries import combine, summaries_by_action_plan

ERRORS = {400: serializers.Error, 404: serializers.Error, 429: serializers.Error}


def dated(view):
    """Every read's answer with the time the data last changed as its Last-Modified: any write
    moves it (freshness/versions.py), so a client that revalidates by date alone is never told that
    a changed record (an assessment, a milestone, a member's name) is not. (api/urls.py applies it.)"""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        moment = versions.last_changed() if response.status_code == 200 else None
        if moment is not None:
            response["Last-Modified"] = http_date(moment.timestamp())
        return response

    return wrapped


class CommitmentList(APIView):
    """Commitments, filtered as the list page filters them (the same FilterSet and parameters)."""

    @extend_schema(operation_id="commitments_list", parameters=params.COMMITMENT_LIST_PARAMETERS,
                   responses={200: serializers.CommitmentPage, **ERRORS})
    def get(self, request):
        data = params.filter_data(request)
        filterset = CommitmentFilter(data, queryset=Commitment.objects.all(), request=request)
        params.check_filters(request, filterset)
        wanted = params.facet_names(request)
        if walks(request) and "sort" in data:
            raise ValidationError({"ordering": ["A cursor walks in identifier order: leave out ordering."]})
        page = paginate(request, read.row_values(filterset.qs), count=read.total(filterset))
        body = page.response_data(read.commitment_rows(request, page.rows))
        if wanted:
            # As the list and its facet pages count them (cached per state and data version).
            body["facets"] = {name: read.facet_choices(facets.facet_choices(filterset, name))
                              for name in wanted}
        return Response(body)


class CommitmentDetail(CommitmentWrites, generics.RetrieveAPIView):
    """GET (here) and PATCH (api/writes.py) of one commitment: everything its page shows."""

    queryset = Commitment.objects.all()
    serializer_class = serializers.CommitmentDetail
    lookup_field = "identifier"

    @extend_schema(parameters=[OpenApiParameter(
        "as_of", OpenApiTypes.DATE, description="The commitment as it stood at the end of this day "
        "(YYYY-MM-DD, up to today). The record holds days from `history_begins` (the day it was first "
        "recorded here) on: a day before answers 404, whose `detail` names that first day with the "
        "address of it and whose `errors.as_of` gives the days that can be asked.")],
        responses={200: serializers.CommitmentDetail, 301: None, **ERRORS})
    def get(self, request, *args, **kwargs):
        params.only(request, "as_of")
        identifier = kwargs["identifier"]
        commitment = queries.commitment_detail_queryset().filter(identifier=identifier).first()
        if commitment is None:
            return _canonical(identifier, "api:commitment-detail", request)
        day, error = parse_as_of(request.query_params.get("as_of"))
        if error:
            raise ValidationError({"as_of": [error]})
        context = queries.commitment_detail_context(commitment, as_of=day)
        if context["as_of_missing"]:
            begins, today = context["history_begins"].isoformat(), context["today"].isoformat()
            first_day = request.build_absolute_uri(
                reverse("api:commitment-detail", args=[identifier]) + f"?as_of={begins}")
            raise NotRecorded(
                f"{identifier} was not yet recorded at the end of {day.isoformat()}: its history begins "
                f"on {begins}, the day it was first recorded here. The first recorded day: {first_day}",
                {"as_of": [f"Choose a day from {begins} (history_begins) to {today}."]})
        return Response(read.commitment_detail(request, context))


def _canonical(identifier, name, request):
    """Identifiers are upper case (CL0050): a hand-typed cl0050 is sent on, as the page does."""
    canonical = (Commitment.objects.filter(identifier__iexact=identifier)
                 .values_list("identifier", flat=True).first())
    if canonical is None:
        raise NotFound("No commitment has this identifier.")
    url = reverse(name, args=[canonical])
    query = request.META.get("QUERY_STRING")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


class CommitmentHistory(APIView):
    """Every recorded change of one commitment, newest first (its page's timeline)."""

    @extend_schema(operation_id="commitments_history",
                   responses={200: serializers.Entries, 301: None, **ERRORS})
    def get(self, request, identifier):
        params.only(request)
        commitment = Commitment.objects.filter(identifier=identifier).first()
        if commitment is None:
            return _canonical(identifier, "api:commitment-history", request)
        entries = [read.entry(request, item) for item in history.timeline(commitment)]
        return Response({"count": len(entries), "results": entries})


class ChangeList(APIView):
    """The changes across the record, newest first: the site's feed as JSON, paged so that a client
    can read every one (a feed gives only the latest)."""

    @extend_schema(parameters=[
        OpenApiParameter("since", OpenApiTypes.DATETIME, description="Only changes after this moment "
                         "(ISO 8601: 2024-05-01 or 2024-05-01T12:00:00Z)."),
        OpenApiParameter("member", OpenApiTypes.STR, description="One member's changes (its slug)."),
        OpenApiParameter("cursor", OpenApiTypes.STR, description="Where the page starts: leave it out for "
                         "the first, then follow `next` (it keeps `since` and `member`)."),
    ], operation_id="changes_list", responses={200: serializers.ChangePage, **ERRORS})
    def get(self, request):
        params.only(request, "since", "member", "cursor")
        since = params.moment(request, "since")
        after = pagination.changes_position(request)
        member = None
        if request.query_params.get("member"):
            member = Member.objects.filter(slug=request.query_params["member"]).first()
            if member is None:
                raise ValidationError({"member": ["No member has this slug."]})
        entries, resume_after = history.recent_page(member=member, since=since, after=after,
                                                    limit=params.FEED_LENGTH)
        body = [read.entry(request, item) for item in entries]
        next_page = pagination.changes_next(request, resume_after)
        return Response({"count": len(body), "next": next_page, "results": body})


class MemberList(APIView):
    """Every OGP member with its number of plans and commitments."""

    @extend_schema(operation_id="members_list", responses={200: serializers.Members, **ERRORS})
    def get(self, request):
        params.only(request)
        members = [read.member_item(request, member) for member in queries.members_with_counts()]
        return Response({"count": len(members), "results": members})


class MemberDetail(APIView):
    """One member: its action plans, with the IRM's summary counts of each and of all of them."""

    @extend_schema(responses={200: serializers.MemberDetail, **ERRORS})
    def get(self, request, slug):
        params.only(request)
        member = get_object_or_404(Member, slug=slug)
        plans = list(member.action_plans.select_related("member").order_by("-submission_year", "-number"))
        summaries = summaries_by_action_plan(plans)
        total = combine(summaries.values())
        member.action_plan_count, member.commitment_count = len(plans), total.commitments
        return Response({**read.member_item(request, member), "irm_summary": read.summary(total),
                         "action_plans": [read.plan_item(request, plan, summaries[plan.pk])
                                          for plan in plans]})


class ActionPlanDetail(APIView):
    """One action plan: the IRM's summary counts, its reports and its commitments."""

    @extend_schema(responses={200: serializers.ActionPlanDetail, **ERRORS})
    def get(self, request, ogp_id):
        params.only(request)
        plan = get_object_or_404(ActionPlan.objects.select_related("member").prefetch_related("irm_reports"),
                                 ogp_id=ogp_id)
        rows = read.commitment_rows(request, read.row_values(plan.commitments.order_by("identifier")))
        return Response({
            **read.plan_item(request, plan, summaries_by_action_plan([plan])[plan.pk]),
            "reports": [read.report_ref(report) for report in plan.irm_reports.all()],
            "commitments": rows,
        })


class ReportList(APIView):
    """The IRM's reports, each with its number of assessments."""

    @extend_schema(parameters=[
        *params.PAGE_PARAMETERS,
        OpenApiParameter("member", OpenApiTypes.STR, description="One member's reports (its slug)."),
        OpenApiParameter("action_plan", OpenApiTypes.STR, description="One plan's reports (its OGP id)."),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=IRMReport.Kind.values),
    ], operation_id="reports_list", responses={200: serializers.ReportPage, **ERRORS})
    def get(self, request):
        params.only(request, "page", "page_size", "member", "action_plan", "kind")
        reports = (IRMReport.objects.select_related("action_plan__member")
                   .annotate(assessment_count=Count("assessments"))
                   .order_by("action_plan__member__name", "action_plan__ogp_id", "publication_year", "pk"))
        for name, lookup in (("member", "action_plan__member__slug"), ("action_plan", "action_plan__ogp_id"),
                             ("kind", "kind")):
            value = request.query_params.get(name)
            if value:
                reports = reports.filter(**{lookup: value})
        if request.query_params.get("kind") and request.query_params["kind"] not in IRMReport.Kind.values:
            raise ValidationError({"kind": [f"One of {', '.join(IRMReport.Kind.values)}."]})
        page = paginate(request, reports)
        return Response(page.response_data([read.report_item(request, report) for report in page.rows]))


class ReportDetail(APIView):
    """One IRM report with its assessment of each commitment."""

    @extend_schema(responses={200: serializers.ReportDetail, **ERRORS})
    def get(self, request, pk):
        params.only(request)
        report = get_object_or_404(IRMReport.objects.select_related("action_plan__member")
                                   .annotate(assessment_count=Count("assessments")), pk=pk)
        return Response({**read.report_item(request, report),
                         "assessments": read.report_assessments(request, report)})


def documentation(request):
    """/api/v1/docs/: the API explained, server-rendered (the site's CSP allows no CDN's script)."""
    return render(request, "api/docs.html", docs.context(request))


class SchemaView(SpectacularAPIView):
    """/api/v1/schema/: the OpenAPI schema, YAML unless JSON is asked for; a refusal (429 over the
    anonymous limit) is JSON like every other answer of the API, not YAML as the schema is."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
