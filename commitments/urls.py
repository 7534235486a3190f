"""Public URLs: home, commitments, members, action plans."""

from django.urls import include, path

from commitments import (
    converters,  # noqa: F401  (registers <ogpid:>)
    feeds,
)
from commitments.views import downloads, listing, pages, staff
from reviews import views as reports

app_name = "commitments"

urlpatterns: list = [
    path("", pages.home, name="home"),
    path("commitments/", listing.commitment_list, name="commitment-list"),
    path("commitments/facets/<slug:name>/", listing.facet_page, name="facet-page"),
    path("commitments/export.csv", downloads.export_csv, name="export-csv"),
    path("commitments/export.xlsx", downloads.export_xlsx, name="export-xlsx"),
    path("commitments/export.json", downloads.export_json, name="export-json"),
    # Feeds and staff pages first: they must never fall to a broader pattern below.
    path("feed/", feeds.ChangesFeed(), name="feed"),
    path("members/<slug:slug>/feed/", feeds.MemberChangesFeed(), name="member-feed"),
    path("commitments/<ogpid:identifier>/feed/", feeds.CommitmentChangesFeed(), name="commitment-feed"),
    path("commitments/<ogpid:identifier>/edit/", staff.commitment_edit, name="commitment-edit"),
    path("commitments/<ogpid:identifier>/", pages.commitment_detail, name="commitment-detail"),
    path("staff/", include("commitments.staff_urls")),
    path("members/", pages.member_list, name="member-list"),
    path("members/<slug:slug>/", pages.member_detail, name="member-detail"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/", pages.action_plan_detail, name="action-plan-detail"),
    path("members/<slug:slug>/report/", reports.member_report, name="member-report"),
    path("members/<slug:slug>/report.xlsx", reports.member_report_xlsx, name="member-report-xlsx"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/report/", reports.action_plan_report,
         name="action-plan-report"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/report.xlsx", reports.action_plan_report_xlsx,
         name="action-plan-report-xlsx"),
]
