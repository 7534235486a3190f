"""The staff dashboard's URLs (/staff/), included by commitments/urls.py in its namespace."""

from django.urls import path

from commitments.views import bulk, dashboard

urlpatterns = [
    path("", dashboard.staff_dashboard, name="dashboard"),
    path("<slug:slug>/updates.xlsx", bulk.bulk_xlsx, name="bulk-xlsx"),
    path("<slug:slug>/updates.csv", bulk.bulk_csv, name="bulk-csv"),
    path("<slug:slug>/updates/", bulk.bulk_upload, name="bulk-upload"),
    path("<slug:slug>/updates/confirm/", bulk.bulk_confirm, name="bulk-confirm"),
]
