"""The API's writes (token-authenticated staff), through commitments/services.py like the staff pages."""

from rest_framework import generics

from commitments.models import Milestone


class CommitmentWrites:
    """Mixed into api.views.CommitmentDetail: its PATCH."""


class MilestoneWrite(generics.GenericAPIView):
    """PATCH /api/v1/milestones/<id>/."""

    queryset = Milestone.objects.all()
    http_method_names = ["patch", "options"]
