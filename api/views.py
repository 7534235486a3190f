"""The API's read views: thin, over commitments/queries.py, filters.py and facets.py."""

from rest_framework import generics, serializers

from api.writes import CommitmentWrites
from commitments.models import Commitment


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["identifier", "title", "version"]


class CommitmentDetail(CommitmentWrites, generics.RetrieveAPIView):
    """GET (here) and PATCH (api/writes.py) of one commitment."""

    queryset = Commitment.objects.all()
    serializer_class = CommitmentSerializer
    lookup_field = "identifier"
