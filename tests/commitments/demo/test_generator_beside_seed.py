"""generate_demo_data adds to a database that already holds real data, and can run again."""

from io import StringIO

from django.core.management import call_command

from commitments.models import Commitment


def test_runs_beside_real_data_and_twice_without_clashes(chile):
    call_command("generate_demo_data", commitments=120, stdout=StringIO())
    call_command("generate_demo_data", commitments=120, stdout=StringIO())
    assert Commitment.objects.count() == 62 + 240
    assert Commitment.objects.filter(action_plan__member=chile).count() == 62
