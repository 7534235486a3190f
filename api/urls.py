"""The JSON API, version 1: /api/v1/…

Every read answers a conditional GET or HEAD (ogptracker/http_caching.py body_conditional): an
ETag of its body, and 304 to a matching If-None-Match (or, with no ETag sent, to an
If-Modified-Since not older than Last-Modified).
"""

from django.urls import path, re_path

from api import errors, views, writes
from commitments import converters  # noqa: F401  (registers <ogpid:>)
from ogptracker.http_caching import body_conditional

app_name = "api"


def read(view):
    return body_conditional(views.dated(view.as_view()))


urlpatterns = [
    path("schema/", body_conditional(views.SchemaView.as_view()), name="schema"),
    path("docs/", views.documentation, name="docs"),
    path("commitments/", read(views.CommitmentList), name="commitment-list"),
    path("commitments/<ogpid:identifier>/history/", read(views.CommitmentHistory), name="commitment-history"),
    path("commitments/<ogpid:identifier>/", read(views.CommitmentDetail), name="commitment-detail"),
    path("milestones/<int:pk>/", writes.MilestoneWrite.as_view(), name="milestone-detail"),
    path("members/", read(views.MemberList), name="member-list"),
    path("members/<slug:slug>/", read(views.MemberDetail), name="member-detail"),
    path("action-plans/<ogpid:ogp_id>/", read(views.ActionPlanDetail), name="action-plan-detail"),
    path("reports/", read(views.ReportList), name="report-list"),
    path("reports/<int:pk>/", read(views.ReportDetail), name="report-detail"),
    path("changes/", read(views.ChangeList), name="change-list"),
    # Anything else under /api/v1/ answers a JSON 404, as a client expects, not the site's page.
    re_path(r"^", errors.not_found),
]
