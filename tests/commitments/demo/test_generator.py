"""generate_demo_data: realistic synthetic data in the proportions the benchmark relies on."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from commitments.demo.generator import ASSESSMENT_SCALES
from commitments.demo.vocabulary import LANGUAGES
from commitments.models import ActionPlan, Commitment, Member, Milestone
from commitments.search import search
from reviews import scales
from reviews.models import Assessment

N = 2000


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One run for the whole module (a few seconds), rolled back at its end."""
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate_demo_data", commitments=N, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(generated, db):
    return generated


def test_creates_exactly_the_commitments_asked_for(demo):
    assert Commitment.objects.count() == N
    assert f"Created {N:,} commitments" in demo


def test_plans_hold_40_to_60_commitments_and_members_are_national_and_local(demo):
    sizes = sorted(ActionPlan.objects.annotate(n=Count("commitments")).values_list("n", flat=True))
    # Only the last plan may be smaller: the total is exact.
    assert all(40 <= size <= 60 for size in sizes[1:])
    kinds = set(Member.objects.values_list("kind", flat=True))
    assert {Member.Kind.NATIONAL, Member.Kind.LOCAL} <= kinds


def test_about_five_milestones_and_two_assessments_per_commitment(demo):
    milestones = Milestone.objects.count()
    assert 4 * N <= milestones <= 6 * N
    per_commitment = Counter(Assessment.objects.values_list("commitment_id", flat=True))
    assert set(per_commitment.values()) == {2}
    # Each assessment comes from an IRM report on the commitment's own plan.
    assert not Assessment.objects.exclude(report__action_plan=F("commitment__action_plan")).exists()


def test_every_scale_value_is_used_including_the_missing_codes(demo):
    for field, scale in ASSESSMENT_SCALES.items():
        used = set(Assessment.objects.values_list(field, flat=True).distinct())
        assert used == set(scale.values), field
    assert set(Milestone.objects.values_list("status", flat=True).distinct()) == set(scales.Completion.values)
    assert set(Commitment.objects.values_list("carried_forward", flat=True).distinct()) == set(
        scales.YesNo.values
    )


def test_texts_are_multilingual_and_of_realistic_length(demo):
    titles = " ".join(Commitment.objects.values_list("title", flat=True))
    for language, words in LANGUAGES.items():
        assert any(verb in titles for verb in words["title_verbs"]), language
    lengths = sorted(len(text) for text in Commitment.objects.values_list("description", flat=True))
    assert 800 < lengths[len(lengths) // 2] < 6000
    commitment = Commitment.objects.filter(ogp_challenge__gt="").first()
    assert commitment.problem in commitment.description


def test_commitments_have_institutions_and_policy_areas(demo):
    assert not Commitment.objects.filter(lead_institution__isnull=True).exists()
    assert not Commitment.objects.filter(policy_areas__isnull=True).exists()
    assert Commitment.objects.filter(supporting_institutions__isnull=False).exists()


def test_search_text_is_filled_so_search_finds_demo_commitments(demo):
    assert not Commitment.objects.filter(search_text="").exists()
    commitment = Commitment.objects.select_related("lead_institution").order_by("pk")[N // 2]
    found = search(Commitment.objects.all(), f"{commitment.identifier} {commitment.lead_institution.name}")
    assert list(found) == [commitment]


def test_rejects_a_count_below_one(db):
    with pytest.raises(CommandError):
        call_command("generate_demo_data", commitments=0)
