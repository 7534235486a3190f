"""Public URLs: home, commitments, members, action plans."""

from django.urls import include, path

from commitments import (
    converters,  # noqa: F401  (registers <ogpid:>)
    feeds,
)
from commitments.views import downloads, listing, pages, staff
from ogptracker.http_caching import data_conditional
from reviews import views as reports

app_name = "commitments"

urlpatterns: list = [
    path("", pages.home, name="home"),
    path("commitments/", listing.commitment_list, name="commitment-list"),
    path("commitments/facets/<slug:name>/", listing.facet_page, name="facet-page"),
    # Downloads and feeds answer 304 from the data version before reading a row (http_caching.py).
    path("commitments/export.csv", data_conditional(downloads.export_csv), name="export-csv"),
    path("commitments/export.xlsx", data_conditional(downloads.export_xlsx), name="export-xlsx"),
    path("commitments/export.json", data_conditional(downloads.export_json), name="export-json"),
    # Feeds and staff pages first: they must never fall to a broader pattern below.
    path("feed/", data_conditional(feeds.ChangesFeed()), name="feed"),
    path("members/<slug:slug>/feed/", data_conditional(feeds.MemberChangesFeed()), name="member-feed"),
    path("commitments/<ogpid:identifier>/feed/", data_conditional(feeds.CommitmentChangesFeed()),
         name="commitment-feed"),
    path("commitments/<ogpid:identifier>/edit/", staff.commitment_edit, name="commitment-edit"),
    path("commitments/<ogpid:identifier>/", pages.commitment_detail, name="commitment-detail"),
    path("staff/", include("commitments.staff_urls")),
    path("members/", pages.member_list, name="member-list"),
    path("members/<slug:slug>/", pages.member_detail, name="member-detail"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/", pages.action_plan_detail, name="action-plan-detail"),
    path("members/<slug:slug>/report/", reports.member_report, name="member-report"),
    path("members/<slug:slug>/report.xlsx", data_conditional(reports.member_report_xlsx),
         name="member-report-xlsx"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/report/", reports.action_plan_report,
         name="action-plan-report"),
    path("members/<slug:slug>/plans/<ogpid:ogp_id>/report.xlsx",
         data_conditional(reports.action_plan_report_xlsx), name="action-plan-report-xlsx"),
]
