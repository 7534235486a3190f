"""Recompute what ogptracker stores beside the data it is derived from, after writes Django did not see."""

from django.core.management.base import BaseCommand

from commitments.freshness import saves
from commitments.models import Commitment


class Command(BaseCommand):
    help = ("Recompute every commitment's stored IRM ratings, milestone counts and search text, and "
            "make the list's cached counts stale: needed only after writes outside Django (raw SQL, "
            "a restored table), since every write through Django keeps them current.")

    def handle(self, *args, **options):
        with saves.bulk_write() as written:
            written.commitments()
        changed = written.search_texts_changed
        self.stdout.write(f"Refreshed {Commitment.objects.count():,} commitments "
                          f"({changed:,} search texts changed); the list's counts will be recounted.")
