"""`manage.py generate_demo_data --commitments N`: fill the database with realistic synthetic data."""

import time

from django.core.management.base import BaseCommand, CommandError

from commitments.demo.generator import DemoDataGenerator


class Command(BaseCommand):
    help = (
        "Add N synthetic commitments (about 5 milestones and 2 IRM assessments each) in plans of "
        "40-60 commitments, for fictional national and local members, in English, Spanish, French, "
        "Portuguese and Ukrainian. Bulk inserts: 100,000 commitments take a few minutes on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--commitments", type=int, default=1000, help="How many commitments (default 1000)."
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Commitments per bulk insert.")

    def handle(self, *args, commitments, seed, batch_size, **options):
        if commitments < 1:
            raise CommandError("--commitments must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.monotonic()
        verbose = options["verbosity"] > 1
        generator = DemoDataGenerator(
            commitments=commitments,
            seed=seed,
            batch_size=batch_size,
            log=self.stdout.write if verbose else lambda text: None,
        )
        totals = generator.run()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {totals.commitments:,} commitments in {totals.action_plans:,} action plans of "
                f"{totals.members:,} members, with {totals.milestones:,} milestones, {totals.assessments:,} "
                f"assessments and {totals.institutions:,} institutions in {time.monotonic() - started:.1f} s."
            )
        )
