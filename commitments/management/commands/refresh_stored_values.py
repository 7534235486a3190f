"""Recompute what ogptracker stores beside the data it is derived from, after writes Django did not see."""

from django.core.management.base import BaseCommand
from django.db import transaction

from commitments import facet_cache
from commitments.models import Commitment
from commitments.progress import refresh_milestone_counts
from commitments.search import refresh_search_text
from reviews import ratings


class Command(BaseCommand):
    help = ("Recompute every commitment's stored IRM ratings, milestone counts and search text, and "
            "make the list's cached counts stale: needed only after writes outside Django (raw SQL, "
            "a restored table), since every write through Django keeps them current.")

    def handle(self, *args, **options):
        with transaction.atomic():
            ratings.refresh()
            refresh_milestone_counts()
            changed = refresh_search_text(Commitment.objects.all())
        facet_cache.invalidate()
        self.stdout.write(f"Refreshed {Commitment.objects.count():,} commitments "
                          f"({changed:,} search texts changed); the list's counts will be recounted.")
