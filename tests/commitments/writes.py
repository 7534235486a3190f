"""Writes the cache tests make, each as a user makes it (the services, the admin's model saves):
shared by test_facets_columns.py (the facets' counts) and test_list_cache.py (the cached page)."""

from commitments.models import Commitment, Milestone
from commitments.services import commitment_save
from reviews.models import Assessment


def save(commitment, **changes):
    """A save through the services, as the staff page and the admin make it."""
    commitment.refresh_from_db()
    for field, value in changes.items():
        setattr(commitment, field, value)
    commitment_save(commitment=commitment, user=None, note="A test of the caches",
                    expected_version=commitment.version)


def a_commitment():
    return Commitment.objects.get(identifier="CL0050")


def flip_status():
    commitment = a_commitment()
    save(commitment, status="inactive" if commitment.status == "active" else "active")


def flip_starred():
    commitment = a_commitment()
    save(commitment, starred=not commitment.starred)


def complete_a_milestone():
    milestone = Milestone.objects.filter(commitment=a_commitment()).order_by("pk").first()
    milestone.status = "complete" if milestone.status != "complete" else "not-started"
    milestone.save()


def rate_an_assessment():
    # As an IRM reviewer saves one in the admin: the stored rating follows (stored.refresh_ratings).
    assessment = Assessment.objects.filter(commitment=a_commitment()).order_by("pk").first()
    assessment.completion = "limited" if assessment.completion != "limited" else "complete"
    assessment.save()
