"""The JSON API, version 1: /api/v1/…"""

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView

from api import views, writes
from commitments.converters import OGPIdentifierConverter

register_converter(OGPIdentifierConverter, "ogpid")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("commitments/<ogpid:identifier>/", views.CommitmentDetail.as_view(), name="commitment-detail"),
    path("milestones/<int:pk>/", writes.MilestoneWrite.as_view(), name="milestone-detail"),
]
