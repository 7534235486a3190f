"""Prepare a local database for `make run`: the Chile seed and OGP's sample once, an admin account once."""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from commitments.models import Commitment, Member
from commitments.services import ensure_history_baseline
from commitments.stored import refresh_search_text

# 558 real rows of OGP's export (75 members, their IRM ratings): the list, the member pages and the
# reports show real data from the first run, not the seed's one assessed commitment.
SAMPLE = settings.BASE_DIR / "fixtures" / "ogp-commitments-open-parliament-sample.csv"
SEED = settings.BASE_DIR / "fixtures" / "chile.json"


def seed_identifiers() -> list[str]:
    """The identifiers of the seed's commitments, as fixtures/chile.json has them."""
    return sorted(row["fields"]["identifier"] for row in json.loads(SEED.read_text(encoding="utf-8"))
                  if row["model"] == "commitments.commitment")


class Command(BaseCommand):
    help = ("Load the Chile seed and OGP's sample unless they are there, and create a local admin "
            "unless one exists.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        # Loading only into a database without Chile keeps the edits made since.
        if not Member.objects.filter(slug="chile").exists():
            with transaction.atomic():
                call_command("loaddata", "chile", verbosity=0)
                # loaddata writes no history: each seeded row's first record is dated now, when it
                # was loaded (not the fixture's creation date), so ?as_of= is exact from today on.
                loaded_at = timezone.now()
                for commitment in Commitment.objects.filter(action_plan__member__slug="chile"):
                    ensure_history_baseline(commitment, when=loaded_at)
            self.stdout.write("Loaded the Chile seed (4 action plans, 62 commitments).")
        # The sample after the seed: the seed's pks are fixed, the importer's are not. The seed is the
        # reference (OGP's own pages): the sample's rows of seed commitments (six of Chile's 2012
        # plan, with Spanish titles and other policy areas) are left out and listed. A database
        # with any other member has data of its own: left alone.
        if not Member.objects.exclude(slug="chile").exists():
            call_command("import_ogp", str(SAMPLE), leave=[",".join(seed_identifiers())],
                         stdout=self.stdout, verbosity=0)
        # A database made before search existed has rows without search text: fill them once.
        refresh_search_text(Commitment.objects.filter(search_text=""))

        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(f"Sign in at {settings.SITE_URL}/admin/ with your existing admin account.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(
            f"Created a local admin account. Sign in at {settings.SITE_URL}/admin/ "
            f"as {username!r} with password {password!r} "
            f"(change it with: .venv/bin/python manage.py changepassword {username})."
        ))
